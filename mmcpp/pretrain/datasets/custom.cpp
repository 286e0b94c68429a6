#include "mmcpp/pretrain/datasets/custom.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

namespace fs = std::filesystem;
using config::Value;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

[[noreturn]] void no_dir(const std::string& dir, const std::string& what) {
  throw Error("FileNotFoundError",
              "[Errno 2] No such file or directory: '" + dir + "' (" + what + ")");
}

void walk(const fs::path& dir, const std::string& rel, std::vector<std::string>& out) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw Error("OSError", "cannot list " + dir.string() + ": " + ec.message());
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    std::string sub = rel.empty() ? name : rel + "/" + name;
    std::error_code e2;
    if (name[0] != '.' && fs::is_regular_file(entry.path(), e2)) {
      out.push_back(sub);
    } else if (fs::is_directory(entry.path(), e2)) {
      walk(entry.path(), sub, out);
    }
  }
}

std::string strip(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Python's int() of a label field.
bool parse_label(const std::string& text, std::int64_t& out) {
  std::string t = strip(text);
  std::string digits;
  std::size_t i = 0;
  bool neg = false;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) neg = t[i++] == '-';
  for (; i < t.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(t[i])))
      digits += t[i];
    else if (t[i] != '_' || digits.empty() || i + 1 >= t.size())
      return false;
  }
  if (digits.empty() || digits.size() > 18) return false;
  out = std::stoll(digits) * (neg ? -1 : 1);
  return true;
}

}  // namespace

std::vector<std::string> list_files_recursive(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) no_dir(dir, "the image folder");
  std::vector<std::string> out;
  walk(dir, "", out);
  std::sort(out.begin(), out.end());
  return out;
}

std::pair<std::vector<std::string>, std::map<std::string, std::int64_t>> find_folders(
    const std::string& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) no_dir(root, "the image folder with one sub-folder per class");
  std::vector<std::string> folders;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    std::string name = entry.path().filename().string();
    std::error_code e2;
    // Like LocalBackend: a regular file is skipped; directories (hidden too) count.
    bool file = name[0] != '.' && fs::is_regular_file(entry.path(), e2);
    if (!file && fs::is_directory(entry.path(), e2)) folders.push_back(name);
  }
  if (ec) throw Error("OSError", "cannot list " + root + ": " + ec.message());
  std::sort(folders.begin(), folders.end());
  std::map<std::string, std::int64_t> idx;
  for (std::size_t i = 0; i < folders.size(); ++i) idx[folders[i]] = static_cast<std::int64_t>(i);
  return {folders, idx};
}

CustomDatasetOptions CustomDatasetOptions::from_args(registry::BuildArgs& args,
                                                     const std::set<std::string>& skip) {
  CustomDatasetOptions o;
  o.base = PretrainDatasetOptions::from_args(args, skip);
  if (!skip.count("with_label")) o.with_label = args.get_bool("with_label", true);
  if (!skip.count("extensions")) o.extensions = args.get_str_list("extensions", o.extensions);
  return o;
}

CustomDataset::CustomDataset(CustomDatasetOptions o, Value class_metainfo)
    : BaseDataset(
          [&] {
            const auto& b = o.base.base;
            bool prefix_set = false;
            if (b.data_prefix.is_str()) prefix_set = !b.data_prefix.as_str().empty();
            if (b.data_prefix.is_dict()) prefix_set = !b.data_prefix.as_dict().empty();
            if (b.ann_file.empty() && !prefix_set && b.data_root.empty())
              throw Error("AssertionError",
                          "One of `ann_file`, `data_root` and `data_prefix` must be specified.");
            // The base constructor must not load: this class is not complete yet.
            return o.base;
          }(),
          std::move(class_metainfo)),
      with_label_(o.with_label) {
  for (const auto& e : o.extensions) {
    std::string l = lower(e);
    if (std::find(extensions_.begin(), extensions_.end(), l) == extensions_.end())
      extensions_.push_back(l);
  }
}

std::shared_ptr<CustomDataset> CustomDataset::from_config(registry::BuildArgs& args) {
  auto ds = std::make_shared<CustomDataset>(CustomDatasetOptions::from_args(args));
  args.check_all_used();  // unknown keys first, as Python's TypeError
  ds->init();
  return ds;
}

std::shared_ptr<data::BaseDataset> CustomDataset::copy() const {
  if (typeid(*this) == typeid(CustomDataset)) return std::make_shared<CustomDataset>(*this);
  return data::BaseDataset::copy();
}

bool CustomDataset::is_valid_file(const std::string& filename) const {
  std::string l = lower(filename);
  for (const auto& e : extensions_)
    if (ends_with(l, e)) return true;
  return false;
}

std::vector<data::DataInfo> CustomDataset::load_data_list() {
  const std::string& prefix = img_prefix();
  std::string ext_list;
  for (const auto& e : extensions_) ext_list += (ext_list.empty() ? "" : ",") + e;
  std::vector<data::DataInfo> out;
  auto add = [&](const std::string& rel, const std::int64_t* label) {
    data::DataInfo info;
    info.info.as_dict().set("img_path", Value(data::join_path(prefix, rel)));
    if (label) info.info.as_dict().set("gt_label", Value(*label));
    out.push_back(std::move(info));
  };

  if (ann_file().empty()) {
    if (with_label_) {
      auto [classes, folder_to_idx] = find_folders(prefix);
      folder_to_idx_ = folder_to_idx;
      std::vector<std::string> empty;
      for (const auto& folder : classes) {
        std::size_t before = out.size();
        for (const auto& f : list_files_recursive(data::join_path(prefix, folder)))
          if (is_valid_file(f)) add(data::join_path(folder, f), &folder_to_idx.at(folder));
        if (out.size() == before) empty.push_back(folder);
      }
      if (auto c = CLASSES()) {
        if (c->size() != classes.size())
          throw Error("AssertionError",
                      "The number of subfolders (" + std::to_string(classes.size()) +
                          ") doesn't match the number of specified classes (" +
                          std::to_string(c->size()) + "). Please check the data folder.");
      } else {
        Value::Items names;
        for (const auto& n : classes) names.emplace_back(n);
        metainfo_ref().as_dict().set("classes", Value::tuple(std::move(names)));
      }
      if (out.empty())
        throw Error("RuntimeError", "Found 0 files in subfolders of: " + data_prefix().repr() +
                                        ". Supported extensions are: " + ext_list);
      if (!empty.empty()) {
        std::string names;
        for (const auto& n : empty) names += (names.empty() ? "" : ", ") + n;
        print_log("Found no valid file in the folder " + names +
                      ". Supported extensions are: " + ext_list,
                  LogLevel::Warning);
      }
    } else {
      for (const auto& f : list_files_recursive(prefix))
        if (is_valid_file(f)) add(f, nullptr);
      if (out.empty())
        throw Error("RuntimeError", "Found 0 files in subfolders of: " + data_prefix().repr() +
                                        ". Supported extensions are: " + ext_list);
    }
    return out;
  }

  std::vector<std::string> lines = data::list_from_file(ann_file());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!with_label_) {
      add(lines[i], nullptr);
      continue;
    }
    std::string line = strip(lines[i]);
    std::size_t space = line.rfind(' ');
    std::int64_t label = 0;
    if (space == std::string::npos)
      throw Error("ValueError", ann_file() + ":" + std::to_string(i + 1) +
                                    ": expected '<path> <label>', got '" + lines[i] + "'" +
                                    (line.empty() ? " (an empty line)" : ""));
    if (!parse_label(line.substr(space + 1), label))
      throw Error("ValueError", ann_file() + ":" + std::to_string(i + 1) +
                                    ": invalid literal for int() with base 10: '" +
                                    line.substr(space + 1) + "'");
    add(line.substr(0, space), &label);
  }
  return out;
}

MMCPP_REGISTER(DATASETS, CustomDataset,
               "dict(type='CustomDataset', data_prefix='data/custom', lazy_init=True)");

}  // namespace mmcpp::pretrain
