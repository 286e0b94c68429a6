#include "mmcpp/data/dataset_wrapper.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "mmcpp/core/error.h"
#include "mmcpp/registry/registry.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::data {

using config::Value;

namespace {

[[noreturn]] void no_subset(const std::string& cls) {
  throw Error("NotImplementedError",
              "`" + cls +
                  "` dose not support `get_subset` and `get_subset_` interfaces because this "
                  "will lead to ambiguous implementation of some methods. If you want to use "
                  "`get_subset` or `get_subset_` interfaces, please use them in the wrapped "
                  "dataset first and then use `" +
                  cls + "`.");
}

std::shared_ptr<BaseDataset> build_dataset_value(const Value& v, const std::string& what) {
  if (!v.is_dict())
    throw Error("TypeError",
                "elements in datasets sequence should be config or `BaseDataset` instance, but "
                "got " +
                    v.type_name() + " " + v.repr() + " (" + what + ")");
  return registry::DATASETS().build(v);
}

// Python's type() for metainfo values: dict and ConfigDict count as one.
std::string meta_type(const Value& v) { return v.is_dict() ? "dict" : v.type_name(); }

[[noreturn]] void index_error(const std::string& cls, std::size_t idx, std::size_t n) {
  throw Error("IndexError", cls + ": index " + std::to_string(idx) +
                                " out of range for a dataset of length " + std::to_string(n));
}

}  // namespace

std::shared_ptr<BaseDataset> build_wrapped_dataset(registry::BuildArgs& args,
                                                   const std::string& key) {
  if (auto* obj = args.object<std::shared_ptr<BaseDataset>>(key); obj && *obj) return *obj;
  Value v = args.value(key);
  if (v.is_none())
    throw Error("TypeError", args.component() + " missing 1 required argument: '" + key + "'");
  return build_dataset_value(v, args.component() + "." + key);
}

// ---- ConcatDataset ----

ConcatDataset::ConcatDataset(std::vector<std::shared_ptr<BaseDataset>> datasets, bool lazy_init,
                             std::vector<std::string> ignore_keys)
    : datasets_(std::move(datasets)), ignore_keys_(std::move(ignore_keys)) {
  if (datasets_.empty()) throw Error("AssertionError", "datasets should not be an empty iterable");
  for (const auto& d : datasets_)
    if (!d) throw Error("TypeError", "ConcatDataset got a null dataset");
  std::vector<Value> metas;
  std::vector<std::string> keys;  // union, in first-seen order
  for (const auto& d : datasets_) {
    metas.push_back(d->metainfo());
    for (const auto& [k, v] : metas.back().as_dict().entries()) {
      std::string ks = k.is_str() ? k.as_str() : k.repr();
      if (std::find(keys.begin(), keys.end(), ks) == keys.end()) keys.push_back(ks);
    }
  }
  metainfo_ = metas[0];
  for (std::size_t i = 0; i < metas.size(); ++i) {
    for (const std::string& key : keys) {
      if (std::find(ignore_keys_.begin(), ignore_keys_.end(), key) != ignore_keys_.end()) continue;
      const Value* cur = metas[i].as_dict().find(key);
      std::string nth = std::to_string(i + 1) + "-th dataset";
      if (!cur) throw Error("ValueError", key + " does not in the meta information of the " + nth);
      const Value* first = metainfo_.as_dict().find(key);
      if (meta_type(*first) != meta_type(*cur))
        throw Error("TypeError", "The type " + cur->type_name() + " of " + key + " in the " + nth +
                                     " should be the same with the first dataset " +
                                     first->type_name());
      if (!first->equals(*cur))
        throw Error("ValueError", "The meta information of the " + nth +
                                      " does not match meta information of the first dataset (" +
                                      key + ": " + cur->repr() + " vs " + first->repr() + ")");
    }
  }
  if (!lazy_init) full_init();
}

std::shared_ptr<ConcatDataset> ConcatDataset::from_config(registry::BuildArgs& args) {
  std::vector<std::shared_ptr<BaseDataset>> datasets;
  if (auto* objs = args.object<std::vector<std::shared_ptr<BaseDataset>>>("datasets")) {
    datasets = *objs;
  } else {
    Value list = args.require("datasets");
    if (!list.is_sequence())
      throw Error("TypeError", "ConcatDataset: datasets should be a list of dataset configs, got " +
                                   list.type_name());
    for (const Value& v : list.items())
      datasets.push_back(build_dataset_value(v, "ConcatDataset.datasets"));
  }
  bool lazy = args.get_bool("lazy_init", false);
  Value ik = args.value("ignore_keys");
  std::vector<std::string> ignore;
  if (ik.is_str()) {
    ignore.push_back(ik.as_str());
  } else if (ik.is_list()) {
    for (const Value& v : ik.items()) {
      if (!v.is_str())
        throw Error("TypeError",
                    "ignore_keys should be a list or str, but got an item " + v.repr());
      ignore.push_back(v.as_str());
    }
  } else if (!ik.is_none()) {
    throw Error("TypeError", "ignore_keys should be a list or str, but got " + ik.type_name());
  }
  args.check_all_used();  // unknown keys before any loading
  return std::make_shared<ConcatDataset>(std::move(datasets), lazy, std::move(ignore));
}

void ConcatDataset::full_init() {
  if (initialized_.load()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (initialized_.load()) return;
  std::size_t total = 0;
  cumulative_sizes_.clear();
  for (const auto& d : datasets_) {
    d->full_init();
    total += d->size();
    cumulative_sizes_.push_back(total);
  }
  initialized_.store(true);
}

const std::vector<std::size_t>& ConcatDataset::cumulative_sizes() const {
  const_cast<ConcatDataset*>(this)->full_init();
  return cumulative_sizes_;
}

std::size_t ConcatDataset::size() const { return cumulative_sizes().back(); }

std::pair<std::size_t, std::size_t> ConcatDataset::get_ori_dataset_idx(std::size_t idx) const {
  const auto& cum = cumulative_sizes();
  if (idx >= cum.back()) index_error("ConcatDataset", idx, cum.back());
  std::size_t d =
      static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), idx) - cum.begin());
  return {d, d == 0 ? idx : idx - cum[d - 1]};
}

Sample ConcatDataset::get(std::size_t index, const SampleContext& ctx) {
  auto [d, i] = get_ori_dataset_idx(index);
  return datasets_[d]->get(i, ctx);
}

DataInfo ConcatDataset::get_data_info(std::size_t idx) const {
  auto [d, i] = get_ori_dataset_idx(idx);
  return datasets_[d]->get_data_info(i);
}

std::vector<std::int64_t> ConcatDataset::get_cat_ids(std::size_t idx) const {
  auto [d, i] = get_ori_dataset_idx(idx);
  return datasets_[d]->get_cat_ids(i);
}

void ConcatDataset::get_subset_(const Value&) { no_subset("ConcatDataset"); }
std::shared_ptr<BaseDataset> ConcatDataset::get_subset(const Value&) const {
  no_subset("ConcatDataset");
}

// ---- RepeatDataset ----

RepeatDataset::RepeatDataset(std::shared_ptr<BaseDataset> dataset, std::int64_t times,
                             bool lazy_init)
    : dataset_(std::move(dataset)), times_(times) {
  if (!dataset_) throw Error("TypeError", "RepeatDataset got a null dataset");
  if (times_ < 0)
    throw Error("ValueError", "RepeatDataset: times must be >= 0, got " + std::to_string(times_));
  metainfo_ = dataset_->metainfo();
  if (!lazy_init) full_init();
}

std::shared_ptr<RepeatDataset> RepeatDataset::from_config(registry::BuildArgs& args) {
  auto ds = build_wrapped_dataset(args, "dataset");
  std::int64_t times = args.require_int("times");
  bool lazy = args.get_bool("lazy_init", false);
  args.check_all_used();  // unknown keys before any loading
  return std::make_shared<RepeatDataset>(std::move(ds), times, lazy);
}

void RepeatDataset::full_init() {
  if (initialized_.load()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (initialized_.load()) return;
  dataset_->full_init();
  ori_len_.store(dataset_->size());
  initialized_.store(true);
}

std::size_t RepeatDataset::size() const {
  const_cast<RepeatDataset*>(this)->full_init();
  return static_cast<std::size_t>(times_) * ori_len_.load();
}

std::size_t RepeatDataset::get_ori_dataset_idx(std::size_t idx) const {
  std::size_t n = size();
  if (idx >= n) index_error("RepeatDataset", idx, n);
  return idx % ori_len_.load();
}

Sample RepeatDataset::get(std::size_t index, const SampleContext& ctx) {
  return dataset_->get(get_ori_dataset_idx(index), ctx);
}

DataInfo RepeatDataset::get_data_info(std::size_t idx) const {
  return dataset_->get_data_info(get_ori_dataset_idx(idx));
}

std::vector<std::int64_t> RepeatDataset::get_cat_ids(std::size_t idx) const {
  return dataset_->get_cat_ids(get_ori_dataset_idx(idx));
}

void RepeatDataset::get_subset_(const Value&) { no_subset("RepeatDataset"); }
std::shared_ptr<BaseDataset> RepeatDataset::get_subset(const Value&) const {
  no_subset("RepeatDataset");
}

// ---- ClassBalancedDataset ----

ClassBalancedDataset::ClassBalancedDataset(std::shared_ptr<BaseDataset> dataset,
                                           double oversample_thr, bool lazy_init)
    : dataset_(std::move(dataset)), oversample_thr_(oversample_thr) {
  if (!dataset_) throw Error("TypeError", "ClassBalancedDataset got a null dataset");
  metainfo_ = dataset_->metainfo();
  if (!lazy_init) full_init();
}

std::shared_ptr<ClassBalancedDataset> ClassBalancedDataset::from_config(registry::BuildArgs& args) {
  auto ds = build_wrapped_dataset(args, "dataset");
  Value thr = args.require("oversample_thr");
  if (!thr.is_number())
    throw Error("TypeError",
                "ClassBalancedDataset: oversample_thr should be a number, got " + thr.repr());
  bool lazy = args.get_bool("lazy_init", false);
  args.check_all_used();  // unknown keys before any loading
  return std::make_shared<ClassBalancedDataset>(std::move(ds), thr.as_number(), lazy);
}

std::vector<double> ClassBalancedDataset::get_repeat_factors() const {
  const std::size_t n = dataset_->size();
  // category -> number of samples holding it, then frequency.
  std::map<std::int64_t, double> freq;
  std::vector<std::set<std::int64_t>> cats(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto ids = dataset_->get_cat_ids(i);
    cats[i] = std::set<std::int64_t>(ids.begin(), ids.end());
    for (std::int64_t c : cats[i]) freq[c] += 1;
  }
  std::map<std::int64_t, double> repeat;
  for (auto& [c, f] : freq)
    repeat[c] = std::max(1.0, std::sqrt(oversample_thr_ / (f / static_cast<double>(n))));
  std::vector<double> factors(n, 1.0);
  for (std::size_t i = 0; i < n; ++i) {
    if (cats[i].empty()) continue;
    double r = 0;
    for (std::int64_t c : cats[i]) r = std::max(r, repeat[c]);
    factors[i] = r;
  }
  return factors;
}

void ClassBalancedDataset::full_init() {
  if (initialized_.load()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (initialized_.load()) return;
  dataset_->full_init();
  std::vector<double> factors = get_repeat_factors();
  repeat_indices_.clear();
  for (std::size_t i = 0; i < factors.size(); ++i) {
    auto times = static_cast<std::size_t>(std::ceil(factors[i]));
    repeat_indices_.insert(repeat_indices_.end(), times, i);
  }
  initialized_.store(true);
}

const std::vector<std::size_t>& ClassBalancedDataset::repeat_indices() const {
  const_cast<ClassBalancedDataset*>(this)->full_init();
  return repeat_indices_;
}

std::size_t ClassBalancedDataset::size() const { return repeat_indices().size(); }

std::size_t ClassBalancedDataset::get_ori_dataset_idx(std::size_t idx) const {
  const auto& r = repeat_indices();
  if (idx >= r.size()) index_error("ClassBalancedDataset", idx, r.size());
  return r[idx];
}

Sample ClassBalancedDataset::get(std::size_t index, const SampleContext& ctx) {
  return dataset_->get(get_ori_dataset_idx(index), ctx);
}

DataInfo ClassBalancedDataset::get_data_info(std::size_t idx) const {
  return dataset_->get_data_info(get_ori_dataset_idx(idx));
}

std::vector<std::int64_t> ClassBalancedDataset::get_cat_ids(std::size_t idx) const {
  return dataset_->get_cat_ids(get_ori_dataset_idx(idx));
}

void ClassBalancedDataset::get_subset_(const Value&) { no_subset("ClassBalancedDataset"); }
std::shared_ptr<BaseDataset> ClassBalancedDataset::get_subset(const Value&) const {
  no_subset("ClassBalancedDataset");
}

MMCPP_REGISTER(registry::DATASETS, ConcatDataset,
               "dict(type='ConcatDataset', datasets=[dict(type='mmpretrain.CIFAR10', "
               "data_root='data/cifar10', lazy_init=True)], lazy_init=True)");
MMCPP_REGISTER(registry::DATASETS, RepeatDataset,
               "dict(type='RepeatDataset', dataset=dict(type='mmpretrain.CIFAR10', "
               "data_root='data/cifar10', lazy_init=True), times=2, lazy_init=True)");
MMCPP_REGISTER(registry::DATASETS, ClassBalancedDataset,
               "dict(type='ClassBalancedDataset', dataset=dict(type='mmpretrain.CIFAR10', "
               "data_root='data/cifar10', lazy_init=True), oversample_thr=0.1, lazy_init=True)");

}  // namespace mmcpp::data
