// Samplers (mmengine/dataset/sampler.py): the order in which a rank visits
// dataset indices. Orders are pure functions of (seed, epoch), so any batch of
// any epoch can be located without iterating the ones before it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "mmcpp/registry/build_args.h"

namespace mmcpp::data {

class Sampler {
 public:
  // One element of a rank's index stream: the dataset index and the pass
  // ("cycle") of the sampler it belongs to (the epoch for transform seeds).
  struct StreamItem {
    std::size_t index;
    std::int64_t cycle;
  };

  virtual ~Sampler() = default;
  // Called by the loader once the dataset is known.
  virtual void bind(std::size_t dataset_size, int rank, int world_size) = 0;
  // Indices of one pass (an epoch) for this rank.
  virtual std::vector<std::size_t> epoch_indices(std::int64_t epoch) const = 0;
  // Length of one pass; for InfiniteSampler the dataset length (len(sampler)).
  virtual std::size_t size() const = 0;
  virtual bool infinite() const { return false; }
  // Infinite samplers: elements [begin, begin + count) of this rank's endless
  // stream. The default concatenates epoch_indices(0), epoch_indices(1), ...
  virtual std::vector<StreamItem> stream(std::size_t begin, std::size_t count) const;
  std::uint64_t seed() const { return seed_; }
  void set_seed(std::uint64_t s) { seed_ = s; }

 protected:
  std::uint64_t seed_ = 0;
};

// DefaultSampler(shuffle=True, seed=None, round_up=True). The order of epoch e is
// torch.randperm(N, generator=manual_seed(seed + e)), padded by repetition to a
// multiple of world_size when round_up, then indices[rank::world_size].
class DefaultSampler : public Sampler {
 public:
  DefaultSampler(bool shuffle, std::uint64_t seed, bool round_up);
  // Example: dict(type='DefaultSampler', shuffle=True).
  static std::shared_ptr<DefaultSampler> from_config(registry::BuildArgs& args);
  void bind(std::size_t dataset_size, int rank, int world_size) override;
  std::vector<std::size_t> epoch_indices(std::int64_t epoch) const override;
  std::size_t size() const override { return num_samples_; }
  bool shuffle() const { return shuffle_; }
  bool round_up() const { return round_up_; }

 protected:
  bool shuffle_, round_up_;
  std::size_t dataset_size_ = 0, num_samples_ = 0, total_size_ = 0;
  int rank_ = 0, world_size_ = 1;
};

// InfiniteSampler(shuffle=True, seed=None): an endless stream of passes, as
// MMEngine's: one generator seeded once with `seed` draws successive
// randperm(N) passes; rank r takes every world_size-th element of the whole
// stream starting at r (so with N % world_size != 0 a rank's share of a pass
// varies). epoch_indices(c) is this rank's share of pass c.
class InfiniteSampler : public DefaultSampler {
 public:
  InfiniteSampler(bool shuffle, std::uint64_t seed);
  ~InfiniteSampler() override;
  // Example: dict(type='InfiniteSampler', shuffle=True).
  static std::shared_ptr<InfiniteSampler> from_config(registry::BuildArgs& args);
  void bind(std::size_t dataset_size, int rank, int world_size) override;
  std::vector<std::size_t> epoch_indices(std::int64_t epoch) const override;
  std::size_t size() const override { return dataset_size_; }
  bool infinite() const override { return true; }
  std::vector<StreamItem> stream(std::size_t begin, std::size_t count) const override;

 private:
  struct Passes;  // generator state and a cache of recent passes
  std::shared_ptr<const std::vector<std::size_t>> pass(std::int64_t cycle) const;
  std::unique_ptr<Passes> passes_;
};

// torch.randperm(n, generator=torch.Generator().manual_seed(seed)): equal to
// PyTorch's (and so MMEngine's) order for the same seed.
std::vector<std::size_t> seeded_permutation(std::size_t n, std::uint64_t seed);

}  // namespace mmcpp::data
