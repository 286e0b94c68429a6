#include "mmcpp/pretrain/datasets/samplers/repeat_aug.h"

#include <random>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

MMCPP_REGISTER(DATA_SAMPLERS, RepeatAugSampler,
               "dict(type='RepeatAugSampler', shuffle=True, num_repeats=3)");

RepeatAugSampler::RepeatAugSampler(bool shuffle, std::int64_t num_repeats, std::uint64_t seed)
    : shuffle_(shuffle), num_repeats_(num_repeats) {
  if (num_repeats < 1)
    throw Error("ValueError",
                "RepeatAugSampler: num_repeats must be >= 1, got " + std::to_string(num_repeats));
  seed_ = seed;
}

std::shared_ptr<RepeatAugSampler> RepeatAugSampler::from_config(registry::BuildArgs& args) {
  bool shuffle = args.get_bool("shuffle", true);
  std::int64_t num_repeats = args.get_int("num_repeats", 3);
  // seed=None: MMEngine's sync_random_seed() (one process: a random seed). The
  // DataLoader passes the run's seed as the default, as the Runner does.
  std::optional<std::int64_t> seed = args.get_opt_int("seed");
  std::uint64_t s =
      seed ? static_cast<std::uint64_t>(*seed) : (std::random_device{}() & 0x7fffffffu);
  if (!shuffle)
    print_log("The RepeatAugSampler always picks a fixed part of data if `shuffle=False`.",
              LogLevel::Warning);
  return std::make_shared<RepeatAugSampler>(shuffle, num_repeats, s);
}

void RepeatAugSampler::bind(std::size_t dataset_size, int rank, int world_size) {
  if (world_size < 1 || rank < 0 || rank >= world_size)
    throw Error("ValueError", "RepeatAugSampler: invalid rank " + std::to_string(rank) +
                                  " for world_size " + std::to_string(world_size));
  dataset_size_ = dataset_size;
  rank_ = rank;
  world_size_ = world_size;
  const std::size_t w = static_cast<std::size_t>(world_size);
  const std::size_t repeated = dataset_size * static_cast<std::size_t>(num_repeats_);
  num_samples_ = (repeated + w - 1) / w;
  total_size_ = num_samples_ * w;
  num_selected_samples_ = (dataset_size + w - 1) / w;
}

std::vector<std::size_t> RepeatAugSampler::epoch_indices(std::int64_t epoch) const {
  if (dataset_size_ == 0) return {};
  std::vector<std::size_t> order;
  if (shuffle_) {
    order = data::seeded_permutation(dataset_size_, seed_ + static_cast<std::uint64_t>(epoch));
  } else {
    order.resize(dataset_size_);
    for (std::size_t i = 0; i < dataset_size_; ++i) order[i] = i;
  }
  // [x for x in indices for _ in range(num_repeats)], then += indices[:padding].
  std::vector<std::size_t> repeated;
  repeated.reserve(total_size_);
  for (std::size_t x : order)
    for (std::int64_t r = 0; r < num_repeats_; ++r) repeated.push_back(x);
  const std::size_t padding = total_size_ - repeated.size();
  const std::size_t base = repeated.size();
  for (std::size_t i = 0; i < padding && i < base; ++i) repeated.push_back(repeated[i]);
  if (repeated.size() != total_size_)
    throw Error("AssertionError", "RepeatAugSampler: " + std::to_string(dataset_size_) +
                                      " samples repeated " + std::to_string(num_repeats_) +
                                      " times cannot be padded to " + std::to_string(total_size_) +
                                      " for " + std::to_string(world_size_) + " ranks");
  // indices[rank:total_size:world_size][:num_selected_samples]
  std::vector<std::size_t> out;
  out.reserve(num_selected_samples_);
  for (std::size_t p = static_cast<std::size_t>(rank_);
       p < total_size_ && out.size() < num_selected_samples_;
       p += static_cast<std::size_t>(world_size_))
    out.push_back(repeated[p]);
  return out;
}

}  // namespace mmcpp::pretrain
