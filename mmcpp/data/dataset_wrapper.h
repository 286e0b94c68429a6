// Dataset wrappers (mmengine/dataset/dataset_wrapper.py): ConcatDataset,
// RepeatDataset, ClassBalancedDataset. In registry::DATASETS.
//
// They wrap any BaseDataset (plain or MMEngine-style) and forward get(),
// get_data_info() and get_cat_ids() to the wrapped dataset's own index; the
// sample seed (ctx) stays the one of the outer index. As in MMEngine they do not
// support get_subset / get_subset_ (NotImplementedError), and lazy_init=False
// runs full_init() (of the wrapped datasets too) at construction.
// ConcatDataset also answers get_cat_ids (MMEngine's does not), so that
// ClassBalancedDataset can wrap it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/data/base_dataset.h"

namespace mmcpp::data {

// ConcatDataset(datasets, lazy_init=False, ignore_keys=None). Every dataset's
// metainfo must have the same keys, types and values as the first one's, except
// `ignore_keys` (a str or list of str); the metainfo is the first dataset's.
class ConcatDataset : public BaseDataset {
 public:
  ConcatDataset(std::vector<std::shared_ptr<BaseDataset>> datasets, bool lazy_init,
                std::vector<std::string> ignore_keys);
  // Example: dict(type='ConcatDataset', datasets=[dict(type='mmpretrain.CIFAR10',
  // data_root='data/cifar10', lazy_init=True)], lazy_init=True)
  static std::shared_ptr<ConcatDataset> from_config(registry::BuildArgs& args);

  std::size_t size() const override;
  Sample get(std::size_t index, const SampleContext& ctx) override;
  config::Value metainfo() const override { return metainfo_.deep_copy(); }
  void full_init() override;
  DataInfo get_data_info(std::size_t idx) const override;
  std::vector<std::int64_t> get_cat_ids(std::size_t idx) const override;
  void get_subset_(const config::Value& indices) override;
  std::shared_ptr<BaseDataset> get_subset(const config::Value& indices) const override;

  // (dataset index, index inside it) of a global index.
  std::pair<std::size_t, std::size_t> get_ori_dataset_idx(std::size_t idx) const;
  const std::vector<std::shared_ptr<BaseDataset>>& datasets() const { return datasets_; }
  const std::vector<std::size_t>& cumulative_sizes() const;

 private:
  std::vector<std::shared_ptr<BaseDataset>> datasets_;
  std::vector<std::string> ignore_keys_;
  config::Value metainfo_;
  std::vector<std::size_t> cumulative_sizes_;
  std::atomic<bool> initialized_{false};
  std::mutex mutex_;
};

// RepeatDataset(dataset, times, lazy_init=False): len = times * len(dataset),
// index i is the dataset's i % len(dataset).
class RepeatDataset : public BaseDataset {
 public:
  RepeatDataset(std::shared_ptr<BaseDataset> dataset, std::int64_t times, bool lazy_init);
  // Example: dict(type='RepeatDataset', dataset=dict(type='mmpretrain.CIFAR10',
  // data_root='data/cifar10', lazy_init=True), times=2, lazy_init=True)
  static std::shared_ptr<RepeatDataset> from_config(registry::BuildArgs& args);

  std::size_t size() const override;
  Sample get(std::size_t index, const SampleContext& ctx) override;
  config::Value metainfo() const override { return metainfo_.deep_copy(); }
  void full_init() override;
  DataInfo get_data_info(std::size_t idx) const override;
  std::vector<std::int64_t> get_cat_ids(std::size_t idx) const override;
  void get_subset_(const config::Value& indices) override;
  std::shared_ptr<BaseDataset> get_subset(const config::Value& indices) const override;

  std::size_t get_ori_dataset_idx(std::size_t idx) const;
  BaseDataset& dataset() { return *dataset_; }
  std::int64_t times() const { return times_; }

 private:
  std::shared_ptr<BaseDataset> dataset_;
  std::int64_t times_;
  config::Value metainfo_;
  std::atomic<std::size_t> ori_len_{0};
  std::atomic<bool> initialized_{false};
  std::mutex mutex_;
};

// ClassBalancedDataset(dataset, oversample_thr, lazy_init=False): repeats each
// sample ceil(r) times, r = max over its categories c of max(1, sqrt(t / f(c))),
// f(c) the fraction of samples holding c (from dataset.get_cat_ids).
class ClassBalancedDataset : public BaseDataset {
 public:
  ClassBalancedDataset(std::shared_ptr<BaseDataset> dataset, double oversample_thr, bool lazy_init);
  // Example: dict(type='ClassBalancedDataset', dataset=dict(type='mmpretrain.CIFAR10',
  // data_root='data/cifar10', lazy_init=True), oversample_thr=0.1, lazy_init=True)
  static std::shared_ptr<ClassBalancedDataset> from_config(registry::BuildArgs& args);

  std::size_t size() const override;
  Sample get(std::size_t index, const SampleContext& ctx) override;
  config::Value metainfo() const override { return metainfo_.deep_copy(); }
  void full_init() override;
  DataInfo get_data_info(std::size_t idx) const override;
  std::vector<std::int64_t> get_cat_ids(std::size_t idx) const override;
  void get_subset_(const config::Value& indices) override;
  std::shared_ptr<BaseDataset> get_subset(const config::Value& indices) const override;

  std::size_t get_ori_dataset_idx(std::size_t idx) const;
  const std::vector<std::size_t>& repeat_indices() const;
  // The per-sample repeat factors (before ceil), as _get_repeat_factors.
  std::vector<double> get_repeat_factors() const;

 private:
  std::shared_ptr<BaseDataset> dataset_;
  double oversample_thr_;
  config::Value metainfo_;
  std::vector<std::size_t> repeat_indices_;
  std::atomic<bool> initialized_{false};
  std::mutex mutex_;
};

// Builds the `dataset` argument of a wrapper: a config dict through DATASETS
// (default scope), or a dataset object given as a non-config argument.
std::shared_ptr<BaseDataset> build_wrapped_dataset(registry::BuildArgs& args,
                                                   const std::string& key);

}  // namespace mmcpp::data
