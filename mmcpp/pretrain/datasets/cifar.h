// CIFAR10 / CIFAR100 (mmpretrain/datasets/cifar.py) on their real on-disk
// formats, never downloaded.
//
// Layouts under the root (data_root joined with data_prefix):
//  - python pickles, as distributed: cifar-10-batches-py/{data_batch_1..5,
//    test_batch, batches.meta}, cifar-100-python/{train, test, meta}; read with
//    the safe unpickler (Python-2 str opcodes, numpy _reconstruct arrays);
//  - or, when that folder is absent, the binary version: cifar-10-batches-bin/
//    {data_batch_1..5.bin, test_batch.bin, batches.meta.txt} (record = 1 label
//    byte + 3072 image bytes), cifar-100-binary/{train.bin, test.bin,
//    fine_label_names.txt} (record = coarse byte, fine byte, 3072 bytes).
// Each sample's data info is {'img': (32, 32, 3) uint8 HWC RGB, 'gt_label': int}.
// Class names: METAINFO's (the CIFAR names) unless metainfo/classes say
// otherwise; only a class without METAINFO classes reads them from the meta file.
//
// Where MMPretrain is stricter (documented choice): it requires every file of
// the distribution and their exact md5, else "Cannot find CIFAR10 dataset"
// (or downloads). mmcpp reads the batches of the requested split that are
// present (at least one; missing ones are reported in a warning), and checks
// the md5 of every file it reads against the distribution's: a mismatch is a
// warning (not the official file, or corrupted), not an error, so reduced or
// re-packed CIFAR-format sets (like the test fixtures) load. A corrupt or
// truncated file still fails, with an UnpicklingError / ValueError naming it.
// Nothing present for the split: RuntimeError naming the expected files and
// where to get them (download=True does not download).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/pretrain/datasets/base_dataset.h"

namespace mmcpp::pretrain {

// The class attributes of CIFAR10 / CIFAR100.
struct CifarSpec {
  std::string name;         // "CIFAR10"
  std::string base_folder;  // "cifar-10-batches-py"
  std::string url;          // the python-version archive
  std::vector<std::pair<std::string, std::string>> train_list, test_list;  // (file, md5)
  std::string meta_filename, meta_key, meta_md5;
  // The binary version.
  std::string bin_folder;  // "cifar-10-batches-bin"
  std::string bin_url;
  std::vector<std::string> bin_train_list, bin_test_list;
  std::string bin_meta_filename;
  int bin_label_bytes = 1;  // bytes before the image in a record
  int bin_label_index = 0;  // which of them is the label
  config::Value metainfo;   // METAINFO

  static CifarSpec cifar10();
  static CifarSpec cifar100();
};

class CIFAR10 : public BaseDataset {
 public:
  // `options.base.data_prefix` is the root (a str); split is 'train' or 'test'.
  CIFAR10(PretrainDatasetOptions options, const std::string& split, bool download,
          CifarSpec spec = CifarSpec::cifar10());
  // Example: dict(type='CIFAR10', data_root='data/cifar10', split='train', lazy_init=True)
  static std::shared_ptr<CIFAR10> from_config(registry::BuildArgs& args);

  const std::string& split() const { return split_; }
  const CifarSpec& spec() const { return spec_; }
  const std::string& root() const;
  std::vector<std::string> extra_repr() const override;

 protected:
  std::vector<data::DataInfo> load_data_list() override;
  std::shared_ptr<data::BaseDataset> copy() const override;

 private:
  std::vector<data::DataInfo> load_pickles(const std::string& folder);
  std::vector<data::DataInfo> load_binary(const std::string& folder);
  [[noreturn]] void missing(const std::string& detail) const;

  std::string split_;
  bool download_;
  CifarSpec spec_;
};

class CIFAR100 : public CIFAR10 {
 public:
  CIFAR100(PretrainDatasetOptions options, const std::string& split, bool download,
           CifarSpec spec = CifarSpec::cifar100());
  // Example: dict(type='CIFAR100', data_root='data/cifar100', split='train', lazy_init=True)
  static std::shared_ptr<CIFAR100> from_config(registry::BuildArgs& args);

 protected:
  std::shared_ptr<data::BaseDataset> copy() const override;
};

}  // namespace mmcpp::pretrain
