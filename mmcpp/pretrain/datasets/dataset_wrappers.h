// KFoldDataset (mmpretrain/datasets/dataset_wrappers.py): fold `fold` of a
// `num_splits`-fold split of a dataset. test_mode=True gives the fold's samples
// [len*fold//num_splits, len*(fold+1)//num_splits), test_mode=False all the
// others. With `seed`, the indices are first shuffled exactly as MMPretrain
// does (numpy.random.default_rng(seed).shuffle, reproduced here: SeedSequence +
// PCG64 + Generator.shuffle), so folds match Python's.
//
// As in MMPretrain the fold is the wrapped dataset's get_subset() (sample_idx
// counts inside the fold); a plain dataset (no data list) is index-mapped instead.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/data/base_dataset.h"

namespace mmcpp::pretrain {

class KFoldDataset : public data::BaseDataset {
 public:
  KFoldDataset(std::shared_ptr<data::BaseDataset> dataset, std::int64_t fold,
               std::int64_t num_splits, bool test_mode, std::optional<std::uint64_t> seed,
               bool lazy_init);
  // Example: dict(type='KFoldDataset', dataset=dict(type='CIFAR10',
  // data_root='data/cifar10', lazy_init=True), fold=0, num_splits=5)
  static std::shared_ptr<KFoldDataset> from_config(registry::BuildArgs& args);

  std::size_t size() const override;
  data::Sample get(std::size_t index, const data::SampleContext& ctx) override;
  config::Value metainfo() const override { return metainfo_.deep_copy(); }
  void full_init() override;
  data::DataInfo get_data_info(std::size_t idx) const override;
  std::vector<std::int64_t> get_cat_ids(std::size_t idx) const override;
  std::string repr() const override;

  std::size_t get_ori_dataset_idx(std::size_t idx) const;
  std::vector<std::int64_t> get_gt_labels() const;
  const std::vector<std::size_t>& ori_indices() const;

 private:
  std::shared_ptr<data::BaseDataset> dataset_;
  std::shared_ptr<data::BaseDataset> subset_;  // the fold, for datasets with a data list
  std::int64_t fold_, num_splits_;
  bool kfold_test_mode_;
  std::optional<std::uint64_t> seed_;
  config::Value metainfo_;
  std::vector<std::size_t> ori_indices_;
  std::atomic<bool> initialized_{false};
  std::mutex mutex_;
};

// numpy.random.default_rng(seed): SeedSequence-seeded PCG64 with numpy's
// Generator draws used here.
class NumpyDefaultRng {
 public:
  explicit NumpyDefaultRng(std::uint64_t seed);
  std::uint64_t next_uint64();
  std::uint32_t next_uint32();
  double random();  // Generator.random()
  // Generator.shuffle of a Python list / 1-d array.
  template <class T>
  void shuffle(std::vector<T>& x) {
    for (std::size_t i = x.size(); i-- > 1;) std::swap(x[i], x[random_interval(i)]);
  }
  std::uint64_t random_interval(std::uint64_t max);

 private:
  unsigned __int128 state_ = 0, inc_ = 0;
  bool has_uint32_ = false;
  std::uint32_t uinteger_ = 0;
};

}  // namespace mmcpp::pretrain
