#include "mmcpp/pretrain/datasets/cifar.h"

#include <torch/torch.h>

#include <cstring>
#include <filesystem>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/io/pickle_reader.h"
#include "mmcpp/pretrain/datasets/categories.h"
#include "mmcpp/pretrain/datasets/utils.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

namespace fs = std::filesystem;
using config::Value;

namespace {

constexpr std::int64_t kImageBytes = 3 * 32 * 32;

bool is_file(const std::string& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}
bool is_dir(const std::string& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

Value classes_metainfo(const std::vector<std::string>& names) {
  Value m = Value::dict(false);
  m.as_dict().set("classes", categories_value(names));
  return m;
}

void check_file_md5(const std::string& path, const std::string& md5, const std::string& what) {
  if (md5.empty()) return;
  std::string got = calculate_md5(path);
  if (got != md5)
    print_log(what + ": the md5 of " + path + " is " + got + ", not " + md5 +
                  " as in the official distribution: not the official file (or a corrupted "
                  "one); reading it anyway",
              LogLevel::Warning);
}

// (N, 3072) CHW rows -> (N, 32, 32, 3) HWC, one data info per image (views of
// one contiguous buffer).
std::vector<data::DataInfo> to_data_list(const torch::Tensor& rows,
                                         const std::vector<std::int64_t>& labels) {
  torch::Tensor imgs = rows.reshape({-1, 3, 32, 32}).permute({0, 2, 3, 1}).contiguous();
  std::vector<data::DataInfo> out(static_cast<std::size_t>(imgs.size(0)));
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].arrays["img"] = imgs[static_cast<std::int64_t>(i)];
    out[i].info.as_dict().set("gt_label", Value(labels[i]));
  }
  return out;
}

}  // namespace

CifarSpec CifarSpec::cifar10() {
  CifarSpec s;
  s.name = "CIFAR10";
  s.base_folder = "cifar-10-batches-py";
  s.url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz";
  s.train_list = {{"data_batch_1", "c99cafc152244af753f735de768cd75f"},
                  {"data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"},
                  {"data_batch_3", "54ebc095f3ab1f0389bbae665268c751"},
                  {"data_batch_4", "634d18415352ddfa80567beed471001a"},
                  {"data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"}};
  s.test_list = {{"test_batch", "40351d587109b95175f43aff81a1287e"}};
  s.meta_filename = "batches.meta";
  s.meta_key = "label_names";
  s.meta_md5 = "5ff9c542aee3614f3951f8cda6e48888";
  s.bin_folder = "cifar-10-batches-bin";
  s.bin_url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
  s.bin_train_list = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                      "data_batch_4.bin", "data_batch_5.bin"};
  s.bin_test_list = {"test_batch.bin"};
  s.bin_meta_filename = "batches.meta.txt";
  s.bin_label_bytes = 1;
  s.bin_label_index = 0;
  s.metainfo = classes_metainfo(CIFAR10_CATEGORIES());
  return s;
}

CifarSpec CifarSpec::cifar100() {
  CifarSpec s;
  s.name = "CIFAR100";
  s.base_folder = "cifar-100-python";
  s.url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz";
  s.train_list = {{"train", "16019d7e3df5f24257cddd939b257f8d"}};
  s.test_list = {{"test", "f0ef6b0ae62326f3e7ffdfab6717acfc"}};
  s.meta_filename = "meta";
  s.meta_key = "fine_label_names";
  s.meta_md5 = "7973b15100ade9c7d40fb424638fde48";
  s.bin_folder = "cifar-100-binary";
  s.bin_url = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz";
  s.bin_train_list = {"train.bin"};
  s.bin_test_list = {"test.bin"};
  s.bin_meta_filename = "fine_label_names.txt";
  s.bin_label_bytes = 2;
  s.bin_label_index = 1;
  s.metainfo = classes_metainfo(CIFAR100_CATEGORIES());
  return s;
}

namespace {}  // namespace

CIFAR10::CIFAR10(PretrainDatasetOptions options, const std::string& split, bool download,
                 CifarSpec spec)
    : BaseDataset(split_root_options(std::move(options), split, spec.name), spec.metainfo),
      split_(split),
      download_(download),
      spec_(std::move(spec)) {}

std::shared_ptr<CIFAR10> CIFAR10::from_config(registry::BuildArgs& args) {
  std::string split;
  bool download = true;
  PretrainDatasetOptions o = read_split_options(args, split, download);
  auto ds = std::make_shared<CIFAR10>(std::move(o), split, download);
  args.check_all_used();  // unknown keys first, as Python's TypeError
  ds->init();
  return ds;
}

std::shared_ptr<data::BaseDataset> CIFAR10::copy() const {
  if (typeid(*this) == typeid(CIFAR10)) return std::make_shared<CIFAR10>(*this);
  return data::BaseDataset::copy();
}

const std::string& CIFAR10::root() const { return prefix_root(*this); }

std::vector<std::string> CIFAR10::extra_repr() const { return {"Prefix of data: \t" + root()}; }

void CIFAR10::missing(const std::string& detail) const {
  std::string files;
  for (const auto& [f, md5] : split_ == "train" ? spec_.train_list : spec_.test_list)
    files += (files.empty() ? "" : ", ") + f;
  std::string bin_files;
  for (const auto& f : split_ == "train" ? spec_.bin_train_list : spec_.bin_test_list)
    bin_files += (bin_files.empty() ? "" : ", ") + f;
  throw Error(
      "RuntimeError",
      "Cannot find " + spec_.name + " dataset in " + root() + " (" + detail + "). Expected " +
          data::join_path(root(), spec_.base_folder) + "/{" + files + ", " + spec_.meta_filename +
          "} (the python version, " + spec_.url + ", extracted into " + root() + ") or " +
          data::join_path(root(), spec_.bin_folder) + "/{" + bin_files + ", " +
          spec_.bin_meta_filename + "} (the binary version, " + spec_.bin_url + ")." +
          (download_ ? " mmcpp does not download datasets (download=True has no effect): fetch "
                       "and extract the archive yourself."
                     : ""));
}

std::vector<data::DataInfo> CIFAR10::load_data_list() {
  std::string py = data::join_path(root(), spec_.base_folder);
  std::string bin = data::join_path(root(), spec_.bin_folder);
  if (is_dir(py)) return load_pickles(py);
  if (is_dir(bin)) return load_binary(bin);
  missing("neither " + spec_.base_folder + "/ nor " + spec_.bin_folder + "/ exists there");
}

std::vector<data::DataInfo> CIFAR10::load_pickles(const std::string& folder) {
  const auto& list = split_ == "train" ? spec_.train_list : spec_.test_list;
  std::vector<torch::Tensor> rows;
  std::vector<std::int64_t> labels;
  std::vector<std::string> absent;
  for (const auto& [file, md5] : list) {
    std::string path = data::join_path(folder, file);
    if (!is_file(path)) {
      absent.push_back(file);
      continue;
    }
    check_file_md5(path, md5, spec_.name);
    std::string bytes = Env::system().read_file(path);
    io::PyObject entry = io::unpickle(bytes, path);
    if (!entry.is_dict())
      throw Error("ValueError", path + ": expected a pickled dict, got " + entry.type_name());
    const io::PyObject* data = entry.find("data");
    const io::PyObject* labs = entry.find("labels");
    if (!labs) labs = entry.find("fine_labels");
    if (!data || !labs)
      throw Error("KeyError", path +
                                  ": a CIFAR batch needs 'data' and 'labels' (or "
                                  "'fine_labels'); keys: " +
                                  entry.repr(1));
    if (!data->is_numpy_array())
      throw Error("ValueError",
                  path + ": 'data' should be a numpy array, got " + data->type_name());
    const io::NumpyArray& arr = data->as_numpy_array();
    if (arr.dtype != "|u1" || arr.shape.size() != 2 || arr.shape[1] != kImageBytes)
      throw Error("ValueError", path + ": 'data' should be a uint8 array of shape (N, 3072), got " +
                                    arr.dtype + " of shape " + data->repr(1));
    if (!labs->has_items() || static_cast<std::int64_t>(labs->size()) != arr.shape[0])
      throw Error("ValueError", path + ": " + std::to_string(arr.shape[0]) + " images but " +
                                    std::to_string(labs->has_items() ? labs->size() : 0) +
                                    " labels");
    rows.push_back(arr.to_tensor());
    for (const auto& l : labs->items()) labels.push_back(l.as_int());
  }
  if (rows.empty()) missing("no " + split_ + " batch in " + folder);
  if (!absent.empty()) {
    std::string names;
    for (const auto& a : absent) names += (names.empty() ? "" : ", ") + a;
    print_log(spec_.name + ": " + folder + " lacks " + names + "; using the " +
                  std::to_string(rows.size()) + " " + split_ + " batch(es) present (" +
                  std::to_string(labels.size()) + " images)",
              LogLevel::Warning);
  }
  if (!CLASSES()) {
    std::string path = data::join_path(folder, spec_.meta_filename);
    if (!is_file(path))
      throw Error("RuntimeError", "Dataset metadata file not found or corrupted: " + path +
                                      " is missing (it gives the class names).");
    check_file_md5(path, spec_.meta_md5, spec_.name);
    std::string bytes = Env::system().read_file(path);
    io::PyObject meta = io::unpickle(bytes, path);
    const io::PyObject* names = meta.is_dict() ? meta.find(spec_.meta_key) : nullptr;
    if (!names || !names->has_items())
      throw Error("KeyError", path + ": no list '" + spec_.meta_key + "'");
    Value::Items items;
    for (const auto& n : names->items()) items.emplace_back(n.is_str() ? n.as_str() : n.as_bytes());
    metainfo_ref().as_dict().set("classes", Value::list(std::move(items)));
  }
  return to_data_list(torch::cat(rows, 0), labels);
}

std::vector<data::DataInfo> CIFAR10::load_binary(const std::string& folder) {
  const auto& list = split_ == "train" ? spec_.bin_train_list : spec_.bin_test_list;
  const std::int64_t record = spec_.bin_label_bytes + kImageBytes;
  std::vector<torch::Tensor> rows;
  std::vector<std::int64_t> labels;
  std::vector<std::string> absent;
  for (const auto& file : list) {
    std::string path = data::join_path(folder, file);
    if (!is_file(path)) {
      absent.push_back(file);
      continue;
    }
    std::string bytes = Env::system().read_file(path);
    auto size = static_cast<std::int64_t>(bytes.size());
    if (size == 0 || size % record != 0)
      throw Error("ValueError", path + ": " + std::to_string(size) +
                                    " bytes is not a whole number of " + std::to_string(record) +
                                    "-byte CIFAR records");
    std::int64_t n = size / record;
    torch::Tensor t = torch::empty({n, record}, torch::kUInt8);
    std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
    rows.push_back(t.slice(1, spec_.bin_label_bytes).contiguous());
    for (std::int64_t i = 0; i < n; ++i)
      labels.push_back(static_cast<unsigned char>(bytes[i * record + spec_.bin_label_index]));
  }
  if (rows.empty()) missing("no " + split_ + " batch in " + folder);
  if (!absent.empty()) {
    std::string names;
    for (const auto& a : absent) names += (names.empty() ? "" : ", ") + a;
    print_log(spec_.name + ": " + folder + " lacks " + names + "; using the " +
                  std::to_string(rows.size()) + " " + split_ + " batch(es) present (" +
                  std::to_string(labels.size()) + " images)",
              LogLevel::Warning);
  }
  if (!CLASSES()) {
    std::string path = data::join_path(folder, spec_.bin_meta_filename);
    if (!is_file(path))
      throw Error("RuntimeError", "Dataset metadata file not found: " + path +
                                      " is missing (it gives the class names).");
    Value::Items items;
    for (auto& l : data::list_from_file(path))
      if (!l.empty()) items.emplace_back(std::move(l));
    metainfo_ref().as_dict().set("classes", Value::list(std::move(items)));
  }
  return to_data_list(torch::cat(rows, 0), labels);
}

CIFAR100::CIFAR100(PretrainDatasetOptions options, const std::string& split, bool download,
                   CifarSpec spec)
    : CIFAR10(std::move(options), split, download, std::move(spec)) {}

std::shared_ptr<CIFAR100> CIFAR100::from_config(registry::BuildArgs& args) {
  std::string split;
  bool download = true;
  PretrainDatasetOptions o = read_split_options(args, split, download);
  auto ds = std::make_shared<CIFAR100>(std::move(o), split, download);
  args.check_all_used();  // unknown keys first, as Python's TypeError
  ds->init();
  return ds;
}

std::shared_ptr<data::BaseDataset> CIFAR100::copy() const {
  if (typeid(*this) == typeid(CIFAR100)) return std::make_shared<CIFAR100>(*this);
  return data::BaseDataset::copy();
}

MMCPP_REGISTER(DATASETS, CIFAR10,
               "dict(type='CIFAR10', data_root='data/cifar10', split='train', lazy_init=True)");
MMCPP_REGISTER(DATASETS, CIFAR100,
               "dict(type='CIFAR100', data_root='data/cifar100', split='train', lazy_init=True)");

}  // namespace mmcpp::pretrain
