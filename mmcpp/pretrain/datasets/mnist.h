// MNIST / FashionMNIST (mmpretrain/datasets/mnist.py) from their IDX files,
// never downloaded.
//
// Files under the root (data_root joined with data_prefix):
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte, each either plain (as MMPretrain reads them after its
// download) or gzipped with a ".gz" suffix (as distributed; Debian's
// dataset-fashion-mnist package installs them in /usr/share/datasets/fashion-mnist).
// Each sample is {'img': (28, 28) uint8, 'gt_label': int}.
//
// As MMPretrain 1.2.0 does, the files are chosen by test_mode, not by split:
// test_mode=False reads the training files even with split='test' (a warning
// says so), test_mode=True the t10k files. MMPretrain requires all four files;
// mmcpp only the two it reads. MMPretrain's gt_label is a 0-d int64 array; here
// it is an int (PackInputs makes the same (1,) label tensor of either).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "mmcpp/pretrain/datasets/base_dataset.h"

namespace mmcpp::pretrain {

struct MnistSpec {
  std::string name;        // "MNIST"
  std::string url_prefix;  // where the .gz files are published
  std::pair<std::string, std::string> train_images, train_labels, test_images, test_labels;
  std::string how_to_get;  // extra hint for the missing-files error
  config::Value metainfo;  // METAINFO

  static MnistSpec mnist();
  static MnistSpec fashion_mnist();
};

class MNIST : public BaseDataset {
 public:
  MNIST(PretrainDatasetOptions options, const std::string& split, bool download,
        MnistSpec spec = MnistSpec::mnist());
  // Example: dict(type='MNIST', data_root='data/mnist', split='train', lazy_init=True)
  static std::shared_ptr<MNIST> from_config(registry::BuildArgs& args);

  const std::string& split() const { return split_; }
  const std::string& root() const;
  std::vector<std::string> extra_repr() const override;

 protected:
  std::vector<data::DataInfo> load_data_list() override;
  std::shared_ptr<data::BaseDataset> copy() const override;

 private:
  std::string find_file(const std::string& name) const;

  std::string split_;
  bool download_;
  MnistSpec spec_;
};

class FashionMNIST : public MNIST {
 public:
  FashionMNIST(PretrainDatasetOptions options, const std::string& split, bool download,
               MnistSpec spec = MnistSpec::fashion_mnist());
  // Example: dict(type='FashionMNIST', data_root='data/fashion', split='train', lazy_init=True)
  static std::shared_ptr<FashionMNIST> from_config(registry::BuildArgs& args);

 protected:
  std::shared_ptr<data::BaseDataset> copy() const override;
};

// An IDX file (read_sn3_pascalvincent_tensor) of uint8 with `ndim` dimensions,
// as a tensor. Errors name the file.
torch::Tensor read_idx_uint8(const std::string& bytes, int ndim, const std::string& path);

}  // namespace mmcpp::pretrain
