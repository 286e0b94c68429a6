#include "mmcpp/pretrain/datasets/mnist.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/pretrain/datasets/categories.h"
#include "mmcpp/pretrain/datasets/utils.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

namespace fs = std::filesystem;
using config::Value;

namespace {

Value classes_metainfo(const std::vector<std::string>& names) {
  Value m = Value::dict(false);
  m.as_dict().set("classes", categories_value(names));
  return m;
}

std::uint32_t be32(const std::string& b, std::size_t off) {
  return std::uint32_t(static_cast<unsigned char>(b[off])) << 24 |
         std::uint32_t(static_cast<unsigned char>(b[off + 1])) << 16 |
         std::uint32_t(static_cast<unsigned char>(b[off + 2])) << 8 |
         std::uint32_t(static_cast<unsigned char>(b[off + 3]));
}

PretrainDatasetOptions mnist_options(PretrainDatasetOptions o, const std::string& split,
                                     const std::string& name) {
  if (split == "test" && !o.base.test_mode)
    print_log(name +
                  ": split=\"test\" but test_mode=False: as MMPretrain 1.2.0, the files are "
                  "chosen by test_mode, so the TRAINING set is used; set test_mode=True for the "
                  "test set.",
              LogLevel::Warning);
  return split_root_options(std::move(o), split, name);
}

}  // namespace

torch::Tensor read_idx_uint8(const std::string& bytes, int ndim, const std::string& path) {
  if (bytes.size() < 4)
    throw Error("ValueError",
                path + ": too short for an IDX file (" + std::to_string(bytes.size()) + " bytes)");
  std::uint32_t magic = be32(bytes, 0);
  std::uint32_t nd = magic % 256, ty = magic / 256;
  if (nd < 1 || nd > 3 || ty < 8 || ty > 14)
    throw Error("ValueError",
                path + ": not an IDX file (magic number " + std::to_string(magic) + ")");
  if (ty != 8 || static_cast<int>(nd) != ndim)
    throw Error("ValueError", path + ": expected a " + std::to_string(ndim) +
                                  "-d uint8 IDX file, got type code " + std::to_string(ty) +
                                  " with " + std::to_string(nd) + " dimensions");
  std::size_t header = 4 * (nd + 1);
  if (bytes.size() < header) throw Error("ValueError", path + ": truncated IDX header");
  std::vector<std::int64_t> dims;
  std::uint64_t numel = 1;
  for (std::uint32_t i = 0; i < nd; ++i) {
    dims.push_back(be32(bytes, 4 * (i + 1)));
    numel *= static_cast<std::uint64_t>(dims.back());
  }
  if (bytes.size() - header != numel)
    throw Error("ValueError", path + ": the header announces " + std::to_string(numel) +
                                  " bytes of data, the file holds " +
                                  std::to_string(bytes.size() - header));
  torch::Tensor t = torch::empty(dims, torch::kUInt8);
  std::memcpy(t.data_ptr(), bytes.data() + header, numel);
  return t;
}

MnistSpec MnistSpec::mnist() {
  MnistSpec s;
  s.name = "MNIST";
  s.url_prefix = "http://yann.lecun.com/exdb/mnist/";
  s.train_images = {"train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"};
  s.train_labels = {"train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"};
  s.test_images = {"t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"};
  s.test_labels = {"t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"};
  s.metainfo = classes_metainfo(MNIST_CATEGORIES());
  return s;
}

MnistSpec MnistSpec::fashion_mnist() {
  MnistSpec s;
  s.name = "FashionMNIST";
  s.url_prefix = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
  s.train_images = {"train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"};
  s.train_labels = {"train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"};
  s.test_images = {"t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"};
  s.test_labels = {"t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"};
  s.how_to_get =
      " On Debian/Ubuntu `apt install dataset-fashion-mnist` installs them in "
      "/usr/share/datasets/fashion-mnist (data_root='/usr/share/datasets/fashion-mnist').";
  s.metainfo = classes_metainfo(FASHIONMNIST_CATEGORIES());
  return s;
}

MNIST::MNIST(PretrainDatasetOptions options, const std::string& split, bool download,
             MnistSpec spec)
    : BaseDataset(mnist_options(std::move(options), split, spec.name), spec.metainfo),
      split_(split),
      download_(download),
      spec_(std::move(spec)) {}

std::shared_ptr<MNIST> MNIST::from_config(registry::BuildArgs& args) {
  std::string split;
  bool download = true;
  PretrainDatasetOptions o = read_split_options(args, split, download);
  auto ds = std::make_shared<MNIST>(std::move(o), split, download);
  args.check_all_used();  // unknown keys first, as Python's TypeError
  ds->init();
  return ds;
}

std::shared_ptr<data::BaseDataset> MNIST::copy() const {
  if (typeid(*this) == typeid(MNIST)) return std::make_shared<MNIST>(*this);
  return data::BaseDataset::copy();
}

const std::string& MNIST::root() const { return prefix_root(*this); }

std::vector<std::string> MNIST::extra_repr() const { return {"Prefix of data: \t" + root()}; }

std::string MNIST::find_file(const std::string& gz_name) const {
  std::string plain = data::join_path(root(), rm_suffix(gz_name));
  std::string gz = data::join_path(root(), gz_name);
  std::error_code ec;
  if (fs::is_regular_file(plain, ec)) return plain;
  if (fs::is_regular_file(gz, ec)) return gz;
  const bool test = test_mode();
  const auto& a = test ? spec_.test_images : spec_.train_images;
  const auto& b = test ? spec_.test_labels : spec_.train_labels;
  throw Error(
      "RuntimeError",
      "Cannot find " + spec_.name + " dataset in " + root() + ": " + plain + " (or " + gz +
          ") does not exist. Expected " + rm_suffix(a.first) + " and " + rm_suffix(b.first) +
          " (plain or .gz) there, from " + spec_.url_prefix + "." + spec_.how_to_get +
          (download_ ? " mmcpp does not download datasets (download=True has no effect)." : ""));
}

std::vector<data::DataInfo> MNIST::load_data_list() {
  const bool test = test_mode();
  std::string img_path = find_file((test ? spec_.test_images : spec_.train_images).first);
  std::string lab_path = find_file((test ? spec_.test_labels : spec_.train_labels).first);
  torch::Tensor imgs = read_idx_uint8(read_maybe_compressed_file(img_path), 3, img_path);
  torch::Tensor labels = read_idx_uint8(read_maybe_compressed_file(lab_path), 1, lab_path);
  std::int64_t n = std::min(imgs.size(0), labels.size(0));  // zip()
  if (imgs.size(0) != labels.size(0))
    print_log(spec_.name + ": " + img_path + " holds " + std::to_string(imgs.size(0)) +
                  " images but " + lab_path + " " + std::to_string(labels.size(0)) +
                  " labels; using " + std::to_string(n),
              LogLevel::Warning);
  const std::uint8_t* lab = labels.data_ptr<std::uint8_t>();
  std::vector<data::DataInfo> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    out[static_cast<std::size_t>(i)].arrays["img"] = imgs[i];
    out[static_cast<std::size_t>(i)].info.as_dict().set("gt_label",
                                                        Value(static_cast<std::int64_t>(lab[i])));
  }
  return out;
}

FashionMNIST::FashionMNIST(PretrainDatasetOptions options, const std::string& split, bool download,
                           MnistSpec spec)
    : MNIST(std::move(options), split, download, std::move(spec)) {}

std::shared_ptr<FashionMNIST> FashionMNIST::from_config(registry::BuildArgs& args) {
  std::string split;
  bool download = true;
  PretrainDatasetOptions o = read_split_options(args, split, download);
  auto ds = std::make_shared<FashionMNIST>(std::move(o), split, download);
  args.check_all_used();  // unknown keys first, as Python's TypeError
  ds->init();
  return ds;
}

std::shared_ptr<data::BaseDataset> FashionMNIST::copy() const {
  if (typeid(*this) == typeid(FashionMNIST)) return std::make_shared<FashionMNIST>(*this);
  return data::BaseDataset::copy();
}

MMCPP_REGISTER(DATASETS, MNIST,
               "dict(type='MNIST', data_root='data/mnist', split='train', lazy_init=True)");
MMCPP_REGISTER(DATASETS, FashionMNIST,
               "dict(type='FashionMNIST', data_root='data/fashion', split='train', "
               "lazy_init=True)");

}  // namespace mmcpp::pretrain
