// RepeatAugSampler (mmpretrain/datasets/samplers/repeat_aug.py, from DeiT).
//
// RepeatAugSampler(shuffle=True, num_repeats=3, seed=None): epoch e's order is
// torch.randperm(N, generator=manual_seed(seed + e)) (arange without shuffle),
// each index repeated num_repeats times in a row, padded with its own head to
// total_size = ceil(N * num_repeats / world_size) * world_size; rank r takes
// every world_size-th element from r and keeps the first ceil(N / world_size).
// So the ranks see different augmented copies of the same images, and one
// epoch still has about N samples in all.
#pragma once

#include <memory>

#include "mmcpp/data/sampler.h"

namespace mmcpp::pretrain {

class RepeatAugSampler : public data::Sampler {
 public:
  RepeatAugSampler(bool shuffle, std::int64_t num_repeats, std::uint64_t seed);
  // Example: dict(type='RepeatAugSampler', shuffle=True, num_repeats=3).
  static std::shared_ptr<RepeatAugSampler> from_config(registry::BuildArgs& args);

  void bind(std::size_t dataset_size, int rank, int world_size) override;
  std::vector<std::size_t> epoch_indices(std::int64_t epoch) const override;
  // num_selected_samples = ceil(N / world_size).
  std::size_t size() const override { return num_selected_samples_; }

  bool shuffle() const { return shuffle_; }
  std::int64_t num_repeats() const { return num_repeats_; }
  // ceil(N * num_repeats / world_size): this rank's share before truncation.
  std::size_t num_samples() const { return num_samples_; }
  std::size_t total_size() const { return total_size_; }

 private:
  bool shuffle_;
  std::int64_t num_repeats_;
  std::size_t dataset_size_ = 0, num_samples_ = 0, total_size_ = 0, num_selected_samples_ = 0;
  int rank_ = 0, world_size_ = 1;
};

}  // namespace mmcpp::pretrain
