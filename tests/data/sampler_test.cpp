// DefaultSampler / InfiniteSampler: rank sharding, round_up, and shuffle orders
// equal to PyTorch's torch.randperm for the same seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/data/sampler.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::data {
namespace {

using Idx = std::vector<std::size_t>;

config::Value cfg(const std::string& text) {
  return *config::Config::fromstring("c = " + text, ".py").to_dict().as_dict().find("c");
}

TEST(SeededPermutation, MatchesTorchRandperm) {
  // python: torch.randperm(10, generator=torch.Generator().manual_seed(5)).tolist()
  EXPECT_EQ(seeded_permutation(10, 5), (Idx{1, 4, 9, 6, 3, 5, 0, 2, 8, 7}));
  EXPECT_EQ(seeded_permutation(10, 42), (Idx{2, 6, 1, 8, 4, 5, 0, 9, 3, 7}));
  Idx big = seeded_permutation(1000, 7);
  EXPECT_EQ(Idx(big.begin(), big.begin() + 10),
            (Idx{615, 284, 599, 580, 347, 92, 383, 891, 452, 41}));
  Idx huge = seeded_permutation(100000, 7);
  EXPECT_EQ(Idx(huge.begin(), huge.begin() + 5), (Idx{41615, 23657, 92717, 16389, 28607}));
  EXPECT_TRUE(seeded_permutation(0, 1).empty());
}

TEST(DefaultSampler, RoundUpPadsByRepeatingAndShardsByRank) {
  // N=10, world=3: total_size 12 = [0..9, 0, 1]; rank r takes [r::3].
  std::vector<Idx> want = {{0, 3, 6, 9}, {1, 4, 7, 0}, {2, 5, 8, 1}};
  for (int r = 0; r < 3; ++r) {
    DefaultSampler s(false, 0, true);
    s.bind(10, r, 3);
    EXPECT_EQ(s.size(), 4u);
    EXPECT_EQ(s.epoch_indices(0), want[r]) << "rank " << r;
  }
}

TEST(DefaultSampler, WithoutRoundUpRanksGetCeilOfTheirRemainder) {
  std::vector<Idx> want = {{0, 3, 6, 9}, {1, 4, 7}, {2, 5, 8}};
  for (int r = 0; r < 3; ++r) {
    DefaultSampler s(false, 0, false);
    s.bind(10, r, 3);
    EXPECT_EQ(s.size(), want[r].size());
    EXPECT_EQ(s.epoch_indices(3), want[r]);
  }
  DefaultSampler tiny(false, 0, false);
  tiny.bind(2, 3, 4);  // rank past the end: nothing
  EXPECT_EQ(tiny.size(), 0u);
  EXPECT_TRUE(tiny.epoch_indices(0).empty());
}

TEST(DefaultSampler, ShuffleIsRandpermOfSeedPlusEpoch) {
  DefaultSampler s(true, 5, true);
  s.bind(10, 0, 1);
  EXPECT_EQ(s.epoch_indices(0), seeded_permutation(10, 5));
  EXPECT_EQ(s.epoch_indices(3), seeded_permutation(10, 8));
  EXPECT_NE(s.epoch_indices(0), s.epoch_indices(1));
  EXPECT_EQ(s.epoch_indices(1), s.epoch_indices(1));  // pure function of the epoch

  // Sharded shuffle: the ranks' shares of one epoch cover the whole permutation.
  std::multiset<std::size_t> seen;
  for (int r = 0; r < 4; ++r) {
    DefaultSampler part(true, 11, true);
    part.bind(10, r, 4);
    Idx got = part.epoch_indices(2);
    EXPECT_EQ(got.size(), 3u);
    Idx perm = seeded_permutation(10, 13);
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], perm[(r + 4 * i) % 10]);
    seen.insert(got.begin(), got.end());
  }
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_EQ(std::set<std::size_t>(seen.begin(), seen.end()).size(), 10u);
}

TEST(DefaultSampler, EmptyDatasetAndBadRank) {
  DefaultSampler s(true, 1, true);
  s.bind(0, 0, 1);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_TRUE(s.epoch_indices(0).empty());
  try {
    s.bind(5, 2, 2);
    FAIL() << "rank 2 of 2 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ValueError");
    EXPECT_NE(std::string(e.what()).find("rank 2"), std::string::npos);
  }
}

TEST(InfiniteSampler, StreamIsSuccessiveRandpermsOfOneGenerator) {
  InfiniteSampler s(true, 5);
  s.bind(10, 0, 1);
  EXPECT_TRUE(s.infinite());
  EXPECT_EQ(s.size(), 10u);
  // python: g = torch.Generator().manual_seed(5); randperm(10, g) twice.
  Idx first = {1, 4, 9, 6, 3, 5, 0, 2, 8, 7}, second = {4, 2, 8, 7, 6, 1, 0, 3, 5, 9};
  auto items = s.stream(0, 20);
  for (std::size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(items[i].index, i < 10 ? first[i] : second[i - 10]) << i;
    EXPECT_EQ(items[i].cycle, i < 10 ? 0 : 1);
  }
  // Far ahead, then back again (a resumed run): the same answers.
  auto far = s.stream(95, 10);
  auto again = s.stream(5, 10);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(again[i].index, items[5 + i].index);
  InfiniteSampler fresh(true, 5);
  fresh.bind(10, 0, 1);
  auto far2 = fresh.stream(95, 10);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(far[i].index, far2[i].index);
  EXPECT_EQ(s.epoch_indices(1), second);
  s.set_seed(42);  // a new seed restarts the stream
  auto reseeded = s.stream(0, 10);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(reseeded[i].index, seeded_permutation(10, 42)[i]);
}

TEST(InfiniteSampler, RanksSliceTheWholeStream) {
  // islice(stream, rank, None, world): rank 1 of 3 over 0..9, 0..9, ...
  InfiniteSampler s(false, 0);
  s.bind(10, 1, 3);
  auto items = s.stream(0, 7);
  Idx got;
  for (const auto& it : items) got.push_back(it.index);
  EXPECT_EQ(got, (Idx{1, 4, 7, 0, 3, 6, 9}));
  EXPECT_EQ(items[3].cycle, 1);
  EXPECT_EQ(s.epoch_indices(0), (Idx{1, 4, 7}));
  EXPECT_EQ(s.epoch_indices(1), (Idx{0, 3, 6, 9}));
  InfiniteSampler empty(true, 0);
  empty.bind(0, 0, 1);
  EXPECT_THROW(empty.stream(0, 1), Error);
}

TEST(SamplerRegistry, BuildsWithDefaultsAndRejectsUnknownKeys) {
  config::Value seed = config::Value::dict(false);
  seed.as_dict().set("seed", config::Value(std::int64_t{9}));
  auto s = registry::DATA_SAMPLERS().build(cfg("dict(type='DefaultSampler')"), seed);
  auto d = std::dynamic_pointer_cast<DefaultSampler>(s);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->shuffle());
  EXPECT_TRUE(d->round_up());
  EXPECT_EQ(d->seed(), 9u);
  auto explicit_seed = registry::DATA_SAMPLERS().build(
      cfg("dict(type='DefaultSampler', shuffle=False, seed=3, round_up=False)"), seed);
  EXPECT_EQ(explicit_seed->seed(), 3u);  // the config wins over the run seed
  auto inf = registry::DATA_SAMPLERS().build(cfg("dict(type='InfiniteSampler', shuffle=False)"));
  EXPECT_TRUE(inf->infinite());
  try {
    registry::DATA_SAMPLERS().build(cfg("dict(type='DefaultSampler', shufle=True)"));
    FAIL() << "unknown key accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
    EXPECT_NE(std::string(e.what()).find("shufle"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mmcpp::data
