#include "mmcpp/editing/datasets/basic_image_dataset.h"

#include <algorithm>
#include <filesystem>
#include <regex>

#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

using config::Value;
namespace fs = std::filesystem;

const std::vector<std::string>& BasicImageDataset::img_extensions() {
  static const std::vector<std::string> ext = {".jpg", ".JPG", ".jpeg", ".JPEG", ".png",
                                               ".PNG", ".ppm", ".PPM",  ".bmp",  ".BMP",
                                               ".tif", ".TIF", ".tiff", ".TIFF"};
  return ext;
}

std::string format_template(const std::string& tmpl, const std::string& arg) {
  std::string out;
  bool used = false;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl.compare(i, 2, "{{") == 0) {
      out += '{';
      ++i;
    } else if (tmpl.compare(i, 2, "}}") == 0) {
      out += '}';
      ++i;
    } else if (tmpl.compare(i, 2, "{}") == 0 || tmpl.compare(i, 3, "{0}") == 0) {
      if (used && tmpl.compare(i, 2, "{}") == 0)
        throw Error("IndexError",
                    "Replacement index 1 out of range for positional args tuple "
                    "(filename_tmpl '" +
                        tmpl + "')");
      out += arg;
      i += tmpl.compare(i, 2, "{}") == 0 ? 1 : 2;
      used = true;
    } else {
      out += tmpl[i];
    }
  }
  return out;
}

std::pair<std::string, std::string> split_ext(const std::string& path) {
  std::size_t slash = path.rfind('/');
  std::size_t start = slash == std::string::npos ? 0 : slash + 1;
  std::size_t dot = path.rfind('.');
  if (dot == std::string::npos || dot < start) return {path, ""};
  // Leading dots of the file name do not start an extension.
  std::size_t first_non_dot = path.find_first_not_of('.', start);
  if (first_non_dot == std::string::npos || dot < first_non_dot) return {path, ""};
  return {path.substr(0, dot), path.substr(dot)};
}

namespace {

// str.replace(old, new): every occurrence.
std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) {
    // Python inserts `to` between every character; never happens with an ext.
    std::string out = to;
    for (char c : s) out += std::string(1, c) + to;
    return out;
  }
  std::size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

bool ends_with_any(const std::string& s, const std::vector<std::string>& suffixes) {
  if (suffixes.empty()) return true;
  for (const auto& suf : suffixes)
    if (s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0)
      return true;
  return false;
}

// LocalBackend.list_dir_or_file(list_dir=False, suffix, recursive), sorted.
void list_files(const fs::path& root, const fs::path& dir, bool recursive,
                const std::vector<std::string>& suffix, std::vector<std::string>& out) {
  std::vector<fs::directory_entry> entries;
  for (const auto& e : fs::directory_iterator(dir)) entries.push_back(e);
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  for (const auto& e : entries) {
    const std::string name = e.path().filename().string();
    if (!name.empty() && name[0] == '.') continue;
    if (e.is_regular_file()) {
      std::string rel = fs::relative(e.path(), root).generic_string();
      if (ends_with_any(rel, suffix)) out.push_back(rel);
    } else if (recursive && e.is_directory()) {
      list_files(root, e.path(), recursive, suffix, out);
    }
  }
}

// MMagic's default data_prefix=dict(img='').
data::BaseDatasetOptions with_default_prefix(data::BaseDatasetOptions base) {
  if (base.data_prefix.is_none()) {
    base.data_prefix = Value::dict(false);
    base.data_prefix.as_dict().set(Value("img"), Value(""));
  }
  return base;
}

}  // namespace

BasicImageDataset::BasicImageDataset(BasicImageDatasetOptions o)
    : data::BaseDataset(with_default_prefix(o.base),
                        [] {
                          Value m = Value::dict(false);
                          m.as_dict().set(Value("dataset_type"), Value("basic_image_dataset"));
                          m.as_dict().set(Value("task_name"), Value("editing"));
                          return m;
                        }()),
      filename_tmpl_(o.filename_tmpl.deep_copy()),
      search_key_(o.search_key),
      img_suffix_(o.img_suffix),
      recursive_(o.recursive) {
  const Value& prefix = data_prefix();
  if (!filename_tmpl_.is_dict())
    throw Error("TypeError",
                "BasicImageDataset: filename_tmpl should be a dict, got " + filename_tmpl_.repr());
  for (const auto& [k, v] : prefix.as_dict().entries())
    if (!filename_tmpl_.as_dict().contains(k)) filename_tmpl_.as_dict().set(k, Value("{}"));
  for (const auto& [k, v] : filename_tmpl_.as_dict().entries())
    if (!v.is_str())
      throw Error("TypeError", "BasicImageDataset: filename_tmpl['" + k.str() +
                                   "'] should be a str, got " + v.repr());
  if (search_key_.empty()) {
    if (prefix.as_dict().empty())
      throw Error("IndexError",
                  "BasicImageDataset: data_prefix is empty (list index out of range)");
    search_key_ = prefix.as_dict().entries().front().first.str();
  }
}

std::shared_ptr<BasicImageDataset> BasicImageDataset::from_config(registry::BuildArgs& args) {
  BasicImageDatasetOptions o;
  // The pipeline is built from MMagic's registry whatever the default scope.
  Value pipeline = args.value("pipeline");
  o.base = data::BaseDatasetOptions::from_args(args);
  std::vector<data::TransformPtr> transforms;
  if (!pipeline.is_none()) {
    if (!pipeline.is_sequence())
      throw Error("TypeError",
                  "BasicImageDataset: pipeline must be a list, got " + pipeline.repr());
    for (const auto& t : pipeline.items()) {
      if (!t.is_dict())
        throw Error("TypeError",
                    "BasicImageDataset: each pipeline step must be a dict, got " + t.repr());
      transforms.push_back(TRANSFORMS().build(t));
    }
  }
  o.base.built_pipeline = std::make_shared<data::Compose>(std::move(transforms));
  Value tmpl = args.value("filename_tmpl");
  if (!tmpl.is_none()) o.filename_tmpl = tmpl;
  if (auto sk = args.get_opt_str("search_key")) o.search_key = *sk;
  Value backend_args = args.value("backend_args");
  if (!backend_args.is_none()) {
    const Value* b = backend_args.is_dict() ? backend_args.as_dict().find("backend") : nullptr;
    if (b && !(b->is_str() && (b->as_str() == "local" || b->as_str() == "disk")))
      throw Error("ValueError", "BasicImageDataset: file backend " + b->repr() +
                                    " is not supported by mmcpp (only local files)");
  }
  Value suffix = args.value_or("img_suffix", Value("__default__"));
  if (suffix.is_str() && suffix.as_str() == "__default__") {
    o.img_suffix = img_extensions();
  } else if (suffix.is_str()) {
    o.img_suffix = {suffix.as_str()};
  } else if (suffix.is_sequence()) {
    for (const auto& s : suffix.items()) {
      if (!s.is_str()) throw Error("TypeError", "img_suffix must be a str or a tuple of str");
      o.img_suffix.push_back(s.as_str());
    }
  } else if (!suffix.is_none()) {
    throw Error("TypeError", "img_suffix must be a str or a tuple of str, got " + suffix.repr());
  }
  o.recursive = args.get_bool("recursive", false);
  auto ds = std::make_shared<BasicImageDataset>(std::move(o));
  ds->init();
  return ds;
}

std::vector<std::string> BasicImageDataset::path_list() const {
  std::vector<std::string> paths;
  if (!ann_file().empty()) {
    for (const std::string& line : data::list_from_file(ann_file())) {
      bool blank = std::all_of(line.begin(), line.end(),
                               [](unsigned char c) { return std::isspace(c) != 0; });
      if (blank) continue;  // '' and str.isspace()
      paths.push_back(line.substr(0, line.find(' ')));
    }
    return paths;
  }
  const Value* folder_v = data_prefix().as_dict().find(search_key_);
  if (!folder_v)
    throw Error("KeyError", "'" + search_key_ + "': search_key is not a data_prefix key");
  const std::string folder = folder_v->str();
  if (!fs::is_directory(folder))
    throw Error("FileNotFoundError", "[Errno 2] No such file or directory: '" + folder +
                                         "' (BasicImageDataset's " + search_key_ + " folder)");
  const std::string tmpl_str = filename_tmpl_.as_dict().find(search_key_)->as_str();
  const std::string tmpl = format_template(tmpl_str, "");
  std::regex virtual_path;
  try {
    virtual_path = std::regex(format_template(tmpl_str, ".*"));
  } catch (const std::regex_error& e) {
    throw Error("ValueError", "BasicImageDataset: filename_tmpl '" + tmpl_str +
                                  "' is not a valid pattern: " + e.what());
  }
  std::vector<std::string> files;
  list_files(fs::path(folder), fs::path(folder), recursive_, img_suffix_, files);
  for (const std::string& file : files) {
    auto [basename, ext] = split_ext(file);
    if (std::regex_search(basename, virtual_path, std::regex_constants::match_continuous))
      paths.push_back(replace_all(file, tmpl + ext, ext));
  }
  return paths;
}

std::vector<data::DataInfo> BasicImageDataset::load_data_list() {
  std::vector<data::DataInfo> out;
  for (const std::string& file : path_list()) {
    auto [basename, ext] = split_ext(file);
    if (!basename.empty() && basename[0] == '/') basename = basename.substr(1);
    data::DataInfo info;
    info.info.as_dict().set(Value("key"), Value(basename));
    for (const auto& [k, prefix] : data_prefix().as_dict().entries()) {
      const std::string tmpl = filename_tmpl_.as_dict().find(k)->as_str();
      info.info.as_dict().set(
          Value(k.str() + "_path"),
          Value(data::join_path(prefix.str(), format_template(tmpl, basename) + ext)));
    }
    out.push_back(std::move(info));
  }
  return out;
}

std::shared_ptr<data::BaseDataset> BasicImageDataset::copy() const {
  return std::make_shared<BasicImageDataset>(*this);
}

MMCPP_REGISTER(DATASETS, BasicImageDataset,
               "dict(type='BasicImageDataset', data_prefix=dict(gt='GT'), lazy_init=True)");

}  // namespace mmcpp::editing
