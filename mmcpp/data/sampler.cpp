#include "mmcpp/data/sampler.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <map>
#include <mutex>
#include <random>

#include "mmcpp/core/error.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::data {

MMCPP_REGISTER(registry::DATA_SAMPLERS, DefaultSampler,
               "dict(type='DefaultSampler', shuffle=True)");
MMCPP_REGISTER(registry::DATA_SAMPLERS, InfiniteSampler,
               "dict(type='InfiniteSampler', shuffle=True)");

namespace {

// One randperm(n) drawn from `gen`, advancing it as PyTorch does.
std::vector<std::size_t> draw_permutation(std::size_t n, at::Generator& gen) {
  at::Tensor perm = at::randperm(static_cast<std::int64_t>(n), gen, at::kLong);
  const std::int64_t* p = perm.data_ptr<std::int64_t>();
  return std::vector<std::size_t>(p, p + n);
}

std::vector<std::size_t> arange(std::size_t n) {
  std::vector<std::size_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = i;
  return out;
}

// MMEngine's sync_random_seed() for seed=None (one process: just a random seed).
std::uint64_t random_seed() {
  std::random_device rd;
  return rd() & 0x7fffffffu;
}

std::uint64_t read_seed(registry::BuildArgs& args) {
  std::optional<std::int64_t> seed = args.get_opt_int("seed");
  return seed ? static_cast<std::uint64_t>(*seed) : random_seed();
}

void check_rank(const char* who, int rank, int world_size) {
  if (world_size < 1 || rank < 0 || rank >= world_size)
    throw Error("ValueError", std::string(who) + ": invalid rank " + std::to_string(rank) +
                                  " for world_size " + std::to_string(world_size));
}

}  // namespace

std::vector<std::size_t> seeded_permutation(std::size_t n, std::uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  return draw_permutation(n, gen);
}

std::vector<Sampler::StreamItem> Sampler::stream(std::size_t begin, std::size_t count) const {
  std::size_t len = size();
  if (len == 0 && count > 0) throw Error("ValueError", "Sampler: cannot stream an empty pass");
  std::vector<StreamItem> out;
  out.reserve(count);
  std::int64_t epoch = -1;
  std::vector<std::size_t> indices;
  for (std::size_t j = begin; j < begin + count; ++j) {
    auto e = static_cast<std::int64_t>(j / len);
    if (e != epoch) indices = epoch_indices(epoch = e);
    out.push_back({indices.at(j % len), e});
  }
  return out;
}

// ---- DefaultSampler ----

DefaultSampler::DefaultSampler(bool shuffle, std::uint64_t seed, bool round_up)
    : shuffle_(shuffle), round_up_(round_up) {
  seed_ = seed;
}

std::shared_ptr<DefaultSampler> DefaultSampler::from_config(registry::BuildArgs& args) {
  bool shuffle = args.get_bool("shuffle", true);
  std::uint64_t seed = read_seed(args);
  bool round_up = args.get_bool("round_up", true);
  return std::make_shared<DefaultSampler>(shuffle, seed, round_up);
}

void DefaultSampler::bind(std::size_t dataset_size, int rank, int world_size) {
  check_rank("DefaultSampler", rank, world_size);
  dataset_size_ = dataset_size;
  rank_ = rank;
  world_size_ = world_size;
  const std::size_t w = static_cast<std::size_t>(world_size);
  const std::size_t r = static_cast<std::size_t>(rank);
  if (round_up_) {
    num_samples_ = (dataset_size + w - 1) / w;
    total_size_ = num_samples_ * w;
  } else {
    // ceil((N - rank) / world), which is 0 for ranks past the end.
    num_samples_ = dataset_size > r ? (dataset_size - r + w - 1) / w : 0;
    total_size_ = dataset_size;
  }
}

std::vector<std::size_t> DefaultSampler::epoch_indices(std::int64_t epoch) const {
  if (dataset_size_ == 0) return {};
  std::vector<std::size_t> all =
      shuffle_ ? seeded_permutation(dataset_size_, seed_ + static_cast<std::uint64_t>(epoch))
               : arange(dataset_size_);
  // Pad by repeating the order (indices * k)[:total_size], then take
  // indices[rank:total_size:world_size].
  std::vector<std::size_t> out;
  out.reserve(num_samples_);
  for (std::size_t p = static_cast<std::size_t>(rank_); p < total_size_;
       p += static_cast<std::size_t>(world_size_))
    out.push_back(all[p % dataset_size_]);
  return out;
}

// ---- InfiniteSampler ----

struct InfiniteSampler::Passes {
  static constexpr std::size_t kCached = 4;
  std::mutex mutex;
  std::uint64_t seed = 0;
  at::Generator gen;
  std::int64_t next_cycle = 0;  // the pass `gen` draws next
  std::map<std::int64_t, std::shared_ptr<const std::vector<std::size_t>>> cache;
  std::shared_ptr<const std::vector<std::size_t>> identity;  // every pass when !shuffle
};

InfiniteSampler::InfiniteSampler(bool shuffle, std::uint64_t seed)
    : DefaultSampler(shuffle, seed, false), passes_(std::make_unique<Passes>()) {}

InfiniteSampler::~InfiniteSampler() = default;

std::shared_ptr<InfiniteSampler> InfiniteSampler::from_config(registry::BuildArgs& args) {
  bool shuffle = args.get_bool("shuffle", true);
  std::uint64_t seed = read_seed(args);
  return std::make_shared<InfiniteSampler>(shuffle, seed);
}

void InfiniteSampler::bind(std::size_t dataset_size, int rank, int world_size) {
  check_rank("InfiniteSampler", rank, world_size);
  dataset_size_ = dataset_size;
  rank_ = rank;
  world_size_ = world_size;
  num_samples_ = total_size_ = dataset_size;
  std::lock_guard<std::mutex> lock(passes_->mutex);
  passes_->cache.clear();
  passes_->identity.reset();
  passes_->next_cycle = 0;
  passes_->gen = at::Generator();
}

std::shared_ptr<const std::vector<std::size_t>> InfiniteSampler::pass(std::int64_t cycle) const {
  Passes& s = *passes_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!shuffle_) {
    if (!s.identity)
      s.identity = std::make_shared<const std::vector<std::size_t>>(arange(dataset_size_));
    return s.identity;
  }
  auto it = s.cache.find(cycle);
  if (it != s.cache.end() && s.seed == seed_) return it->second;
  // Passes come from one generator, so pass c needs the c passes before it:
  // replay from the seed when going backwards (e.g. a resumed run), else go on.
  if (!s.gen.defined() || s.seed != seed_ || cycle < s.next_cycle) {
    s.seed = seed_;
    s.gen = at::detail::createCPUGenerator(seed_);
    s.next_cycle = 0;
    s.cache.clear();
  }
  std::shared_ptr<const std::vector<std::size_t>> order;
  while (s.next_cycle <= cycle) {
    order =
        std::make_shared<const std::vector<std::size_t>>(draw_permutation(dataset_size_, s.gen));
    if (s.next_cycle + static_cast<std::int64_t>(Passes::kCached) > cycle) {
      s.cache[s.next_cycle] = order;
      if (s.cache.size() > Passes::kCached) s.cache.erase(s.cache.begin());
    }
    ++s.next_cycle;
  }
  return order;
}

std::vector<Sampler::StreamItem> InfiniteSampler::stream(std::size_t begin,
                                                         std::size_t count) const {
  if (count == 0) return {};
  if (dataset_size_ == 0)
    throw Error("ValueError", "InfiniteSampler: the dataset is empty, so the stream never yields");
  const std::size_t n = dataset_size_, w = static_cast<std::size_t>(world_size_);
  std::vector<StreamItem> out;
  out.reserve(count);
  std::int64_t cycle = -1;
  std::shared_ptr<const std::vector<std::size_t>> order;
  for (std::size_t j = begin; j < begin + count; ++j) {
    // islice(stream, rank, None, world_size): element j is global position rank + j * world.
    std::size_t p = static_cast<std::size_t>(rank_) + j * w;
    auto c = static_cast<std::int64_t>(p / n);
    if (c != cycle) order = pass(cycle = c);
    out.push_back({(*order)[p % n], c});
  }
  return out;
}

std::vector<std::size_t> InfiniteSampler::epoch_indices(std::int64_t epoch) const {
  if (dataset_size_ == 0) return {};
  const std::size_t n = dataset_size_, w = static_cast<std::size_t>(world_size_);
  const std::size_t r = static_cast<std::size_t>(rank_);
  // This rank's stream positions j with rank + j * w in [epoch * n, (epoch + 1) * n).
  auto first = [&](std::size_t p) { return p <= r ? 0 : (p - r + w - 1) / w; };
  const std::size_t lo = static_cast<std::size_t>(epoch) * n;
  const std::size_t j0 = first(lo), j1 = first(lo + n);
  std::vector<std::size_t> out;
  for (const StreamItem& item : stream(j0, j1 - j0)) out.push_back(item.index);
  return out;
}

}  // namespace mmcpp::data
