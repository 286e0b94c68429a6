#include "mmcpp/pretrain/datasets/dataset_wrappers.h"

#include "mmcpp/core/error.h"
#include "mmcpp/data/dataset_wrapper.h"
#include "mmcpp/pretrain/datasets/base_dataset.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

// ---- numpy's default_rng ----

namespace {

// numpy.random.SeedSequence(entropy).generate_state(n_words32) (uint32 words).
std::vector<std::uint32_t> seed_sequence_state(std::uint64_t entropy_int, std::size_t n_words) {
  constexpr std::uint32_t INIT_A = 0x43b0d7e5, MULT_A = 0x931e8875, INIT_B = 0x8b51f9dd,
                          MULT_B = 0x58f38ded, MIX_MULT_L = 0xca01f9dd, MIX_MULT_R = 0x4973f715;
  constexpr int XSHIFT = 16;
  constexpr std::size_t kPool = 4;
  std::vector<std::uint32_t> entropy;  // the int as little-endian 32-bit words
  do {
    entropy.push_back(static_cast<std::uint32_t>(entropy_int));
    entropy_int >>= 32;
  } while (entropy_int > 0);
  std::uint32_t hash_const = INIT_A;
  auto hashmix = [&](std::uint32_t value) {
    value ^= hash_const;
    hash_const *= MULT_A;
    value *= hash_const;
    value ^= value >> XSHIFT;
    return value;
  };
  auto mix = [](std::uint32_t x, std::uint32_t y) {
    std::uint32_t r = MIX_MULT_L * x - MIX_MULT_R * y;
    return r ^ (r >> XSHIFT);
  };
  std::uint32_t pool[kPool];
  for (std::size_t i = 0; i < kPool; ++i) pool[i] = hashmix(i < entropy.size() ? entropy[i] : 0);
  for (std::size_t src = 0; src < kPool; ++src)
    for (std::size_t dst = 0; dst < kPool; ++dst)
      if (src != dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
  for (std::size_t src = kPool; src < entropy.size(); ++src)
    for (std::size_t dst = 0; dst < kPool; ++dst) pool[dst] = mix(pool[dst], hashmix(entropy[src]));
  std::vector<std::uint32_t> state(n_words);
  std::uint32_t hc = INIT_B;
  for (std::size_t i = 0; i < n_words; ++i) {
    std::uint32_t v = pool[i % kPool];
    v ^= hc;
    hc *= MULT_B;
    v *= hc;
    v ^= v >> XSHIFT;
    state[i] = v;
  }
  return state;
}

const unsigned __int128 kPcgMult =
    (static_cast<unsigned __int128>(2549297995355413924ull) << 64) + 4865540595714422341ull;

}  // namespace

NumpyDefaultRng::NumpyDefaultRng(std::uint64_t seed) {
  auto w = seed_sequence_state(seed, 8);
  std::uint64_t v[4];
  for (int i = 0; i < 4; ++i) v[i] = std::uint64_t(w[2 * i]) | std::uint64_t(w[2 * i + 1]) << 32;
  unsigned __int128 initstate = (static_cast<unsigned __int128>(v[0]) << 64) | v[1];
  unsigned __int128 initseq = (static_cast<unsigned __int128>(v[2]) << 64) | v[3];
  state_ = 0;
  inc_ = (initseq << 1) | 1;
  state_ = state_ * kPcgMult + inc_;
  state_ += initstate;
  state_ = state_ * kPcgMult + inc_;
}

std::uint64_t NumpyDefaultRng::next_uint64() {
  state_ = state_ * kPcgMult + inc_;
  std::uint64_t x = static_cast<std::uint64_t>(state_ >> 64) ^ static_cast<std::uint64_t>(state_);
  unsigned rot = static_cast<unsigned>(state_ >> 122);
  return (x >> rot) | (x << ((64 - rot) & 63));
}

std::uint32_t NumpyDefaultRng::next_uint32() {
  if (has_uint32_) {
    has_uint32_ = false;
    return uinteger_;
  }
  std::uint64_t n = next_uint64();
  has_uint32_ = true;
  uinteger_ = static_cast<std::uint32_t>(n >> 32);
  return static_cast<std::uint32_t>(n);
}

double NumpyDefaultRng::random() {
  return static_cast<double>(next_uint64() >> 11) * (1.0 / 9007199254740992.0);
}

std::uint64_t NumpyDefaultRng::random_interval(std::uint64_t max) {
  if (max == 0) return 0;
  std::uint64_t mask = max;
  for (int s = 1; s <= 32; s <<= 1) mask |= mask >> s;
  std::uint64_t value;
  if (max <= 0xffffffffull) {
    while ((value = (next_uint32() & mask)) > max) {
    }
  } else {
    while ((value = (next_uint64() & mask)) > max) {
    }
  }
  return value;
}

// ---- KFoldDataset ----

KFoldDataset::KFoldDataset(std::shared_ptr<data::BaseDataset> dataset, std::int64_t fold,
                           std::int64_t num_splits, bool test_mode,
                           std::optional<std::uint64_t> seed, bool lazy_init)
    : dataset_(std::move(dataset)),
      fold_(fold),
      num_splits_(num_splits),
      kfold_test_mode_(test_mode),
      seed_(seed) {
  if (!dataset_) throw Error("TypeError", "KFoldDataset got a null dataset");
  if (num_splits_ <= 0)
    throw Error("ValueError",
                "KFoldDataset: num_splits must be >= 1, got " + std::to_string(num_splits_));
  if (fold_ < 0 || fold_ >= num_splits_)
    throw Error("ValueError", "KFoldDataset: fold must be in [0, " + std::to_string(num_splits_) +
                                  "), got " + std::to_string(fold_));
  metainfo_ = dataset_->metainfo();
  if (!lazy_init) full_init();
}

std::shared_ptr<KFoldDataset> KFoldDataset::from_config(registry::BuildArgs& args) {
  bool lazy = false;
  std::shared_ptr<data::BaseDataset> ds;
  if (auto* obj = args.object<std::shared_ptr<data::BaseDataset>>("dataset"); obj && *obj) {
    ds = *obj;
  } else {
    Value cfg = args.require("dataset");
    if (!cfg.is_dict())
      throw Error("TypeError", "Unsupported dataset type " + cfg.type_name() + ".");
    if (const Value* l = cfg.as_dict().find("lazy_init")) lazy = l->truthy();
    ds = DATASETS().build(cfg);
  }
  std::int64_t fold = args.get_int("fold", 0);
  std::int64_t num_splits = args.get_int("num_splits", 5);
  bool test_mode = args.get_bool("test_mode", false);
  std::optional<std::int64_t> seed = args.get_opt_int("seed");
  if (seed && *seed < 0)
    throw Error("ValueError",
                "KFoldDataset: seed must be non-negative, got " + std::to_string(*seed));
  std::optional<std::uint64_t> useed;
  if (seed) useed = static_cast<std::uint64_t>(*seed);
  args.check_all_used();  // unknown keys before any loading
  return std::make_shared<KFoldDataset>(std::move(ds), fold, num_splits, test_mode, useed, lazy);
}

void KFoldDataset::full_init() {
  if (initialized_.load()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (initialized_.load()) return;
  dataset_->full_init();
  const std::size_t n = dataset_->size();
  std::vector<std::size_t> indices(n);
  for (std::size_t i = 0; i < n; ++i) indices[i] = i;
  if (seed_) NumpyDefaultRng(*seed_).shuffle(indices);
  const auto len = static_cast<std::int64_t>(n);
  auto test_start = static_cast<std::size_t>(len * fold_ / num_splits_);
  auto test_end = static_cast<std::size_t>(len * (fold_ + 1) / num_splits_);
  ori_indices_.clear();
  if (kfold_test_mode_) {
    ori_indices_.assign(indices.begin() + test_start, indices.begin() + test_end);
  } else {
    ori_indices_.assign(indices.begin(), indices.begin() + test_start);
    ori_indices_.insert(ori_indices_.end(), indices.begin() + test_end, indices.end());
  }
  // As MMPretrain: the fold is a get_subset of the dataset (so data infos and
  // samples carry the fold's sample_idx); plain datasets are index-mapped.
  if (dataset_->has_data_list()) {
    Value::Items list;
    for (std::size_t i : ori_indices_) list.emplace_back(static_cast<std::int64_t>(i));
    subset_ = dataset_->get_subset(Value::list(std::move(list)));
  }
  initialized_.store(true);
}

const std::vector<std::size_t>& KFoldDataset::ori_indices() const {
  const_cast<KFoldDataset*>(this)->full_init();
  return ori_indices_;
}

std::size_t KFoldDataset::size() const { return ori_indices().size(); }

std::size_t KFoldDataset::get_ori_dataset_idx(std::size_t idx) const {
  const auto& r = ori_indices();
  if (idx >= r.size())
    throw Error("IndexError", "KFoldDataset: index " + std::to_string(idx) +
                                  " out of range for a dataset of length " +
                                  std::to_string(r.size()));
  return r[idx];
}

data::Sample KFoldDataset::get(std::size_t index, const data::SampleContext& ctx) {
  std::size_t ori = get_ori_dataset_idx(index);
  return subset_ ? subset_->get(index, ctx) : dataset_->get(ori, ctx);
}

data::DataInfo KFoldDataset::get_data_info(std::size_t idx) const {
  std::size_t ori = get_ori_dataset_idx(idx);
  return subset_ ? subset_->get_data_info(idx) : dataset_->get_data_info(ori);
}

std::vector<std::int64_t> KFoldDataset::get_cat_ids(std::size_t idx) const {
  std::size_t ori = get_ori_dataset_idx(idx);
  return subset_ ? subset_->get_cat_ids(idx) : dataset_->get_cat_ids(ori);
}

std::vector<std::int64_t> KFoldDataset::get_gt_labels() const {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < size(); ++i) out.push_back(get_cat_ids(i).at(0));
  return out;
}

std::string KFoldDataset::repr() const {
  auto ordinal = [](std::int64_t n) {
    std::int64_t tens = n / 10 % 10, ones = n % 10;
    const char* suffix = "th";
    if (tens != 1 && ones == 1) suffix = "st";
    if (tens != 1 && ones == 2) suffix = "nd";
    if (tens != 1 && ones == 3) suffix = "rd";
    return std::to_string(n) + suffix;
  };
  std::vector<std::string> body;
  body.push_back(std::string("Type: \t") + (kfold_test_mode_ ? "test" : "training"));
  body.push_back("Seed: \t" + (seed_ ? std::to_string(*seed_) : std::string("None")));
  body.push_back("Fold: \t" + ordinal(fold_ + 1) + " of " + std::to_string(num_splits_) + "-fold");
  if (initialized_.load())
    body.push_back("Number of samples: \t" + std::to_string(ori_indices_.size()));
  else
    body.push_back("Haven't been initialized");
  const Value* classes = metainfo_.as_dict().find("classes");
  if (classes && classes->is_sequence())
    body.push_back("Number of categories: \t" + std::to_string(classes->items().size()));
  else
    body.push_back("The `CLASSES` meta info is not set.");
  body.push_back("Original dataset type:\t" + dataset_->class_name());
  std::string s = "Dataset KFoldDataset";
  for (const auto& l : body) s += "\n    " + l;
  return s;
}

MMCPP_REGISTER(DATASETS, KFoldDataset,
               "dict(type='KFoldDataset', dataset=dict(type='CIFAR10', data_root='data/cifar10', "
               "lazy_init=True), fold=0, num_splits=5)");

}  // namespace mmcpp::pretrain
