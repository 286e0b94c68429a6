// RepeatAugSampler: orders equal MMPretrain's for the same seed, epoch and rank.
//
// The expected lists were made with Debian's /usr/bin/python3 and torch 1.13
// (python3-torch) by running the body of RepeatAugSampler.__iter__ with the rank
// and world size as arguments:
//   g = torch.Generator(); g.manual_seed(seed + epoch)
//   idx = torch.randperm(N, generator=g).tolist()        # list(range(N)) if not shuffle
//   idx = [x for x in idx for _ in range(num_repeats)]
//   idx += idx[:total_size - len(idx)]                   # total = ceil(N*r/world)*world
//   idx[rank:total_size:world][:ceil(N / world)]
#include <gtest/gtest.h>

#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/data/dataloader.h"
#include "mmcpp/pretrain/datasets/samplers/repeat_aug.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {
namespace {

using Idx = std::vector<std::size_t>;

config::Value cfg(const std::string& text) {
  return *config::Config::fromstring("c = " + text, ".py").to_dict().as_dict().find("c");
}

Idx order(std::size_t n, bool shuffle, std::int64_t repeats, std::uint64_t seed, std::int64_t epoch,
          int rank, int world) {
  RepeatAugSampler s(shuffle, repeats, seed);
  s.bind(n, rank, world);
  Idx out = s.epoch_indices(epoch);
  EXPECT_EQ(out.size(), s.size());
  return out;
}

TEST(RepeatAugSampler, OneRankOrderEqualsPython) {
  EXPECT_EQ(order(10, true, 3, 0, 0, 0, 1), (Idx{4, 4, 4, 1, 1, 1, 7, 7, 7, 5}));
  EXPECT_EQ(order(10, true, 3, 0, 1, 0, 1), (Idx{5, 5, 5, 6, 6, 6, 1, 1, 1, 2}));
  EXPECT_EQ(order(10, true, 3, 42, 2, 0, 1), (Idx{2, 2, 2, 6, 6, 6, 3, 3, 3, 8}));
  EXPECT_EQ(order(10, false, 3, 0, 0, 0, 1), (Idx{0, 0, 0, 1, 1, 1, 2, 2, 2, 3}));
}

TEST(RepeatAugSampler, RankShardingEqualsPython) {
  EXPECT_EQ(order(10, true, 3, 7, 0, 0, 4), (Idx{5, 0, 3}));
  EXPECT_EQ(order(10, true, 3, 7, 0, 1, 4), (Idx{5, 0, 4}));
  EXPECT_EQ(order(10, true, 3, 7, 0, 3, 4), (Idx{0, 3, 4}));
  EXPECT_EQ(order(7, true, 2, 123, 5, 2, 3), (Idx{6, 3, 4}));
  // 15 repeated samples padded to 16 for 8 ranks.
  EXPECT_EQ(order(5, true, 3, 0, 0, 0, 8), (Idx{4}));
  EXPECT_EQ(order(5, true, 3, 0, 0, 7, 8), (Idx{1}));
}

TEST(RepeatAugSampler, SizesFollowThePythonArithmetic) {
  RepeatAugSampler s(true, 3, 0);
  s.bind(10, 1, 4);
  EXPECT_EQ(s.num_samples(), 8u);  // ceil(30 / 4)
  EXPECT_EQ(s.total_size(), 32u);
  EXPECT_EQ(s.size(), 3u);  // ceil(10 / 4)
  EXPECT_THROW(s.bind(10, 4, 4), Error);
  EXPECT_THROW(RepeatAugSampler(true, 0, 0), Error);
  s.bind(0, 0, 1);
  EXPECT_TRUE(s.epoch_indices(0).empty());
}

TEST(RepeatAugSampler, BuildsFromConfigWithTheLoaderSeed) {
  registry::ScopeGuard scope("mmpretrain");
  auto built = DATA_SAMPLERS().build(cfg("dict(type='RepeatAugSampler', num_repeats=2)"),
                                     cfg("dict(seed=5)"));
  auto* s = dynamic_cast<RepeatAugSampler*>(built.get());
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->shuffle());
  EXPECT_EQ(s->num_repeats(), 2);
  EXPECT_EQ(s->seed(), 5u);
  EXPECT_THROW(DATA_SAMPLERS().build(cfg("dict(type='RepeatAugSampler', repeats=2)")), Error);
  // Defaults: num_repeats=3, and seed=None draws one.
  auto d = DATA_SAMPLERS().build(cfg("dict(type='RepeatAugSampler')"));
  EXPECT_EQ(dynamic_cast<RepeatAugSampler&>(*d).num_repeats(), 3);
}

}  // namespace
}  // namespace mmcpp::pretrain
