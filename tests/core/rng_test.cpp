#include "mmcpp/core/rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <any>
#include <set>

#include "mmcpp/config/value.h"
#include "mmcpp/core/error.h"

namespace mmcpp {
namespace {

using config::Value;

TEST(Rng, SameSeedSameStreamOtherSeedOtherStream) {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    EXPECT_NE(x, c.next_u64());
  }
}

TEST(Rng, UniformAndRandintStayInRange) {
  Rng rng(1);
  std::set<std::int64_t> seen;
  double sum = 0;
  for (int i = 0; i < 20000; ++i) {
    const double u = rng.uniform(-2.0, 3.0);
    ASSERT_GE(u, -2.0);
    ASSERT_LT(u, 3.0);
    sum += u;
    const auto k = rng.randint(5, 9);
    ASSERT_GE(k, 5);
    ASSERT_LT(k, 9);
    seen.insert(k);
  }
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_NEAR(sum / 20000, 0.5, 0.05);
  try {
    rng.randint(3, 3);
    FAIL() << "randint(3, 3) must fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ValueError");
  }
}

TEST(Rng, NormalAndBetaHaveTheirMoments) {
  Rng rng(7);
  const int n = 40000;
  double s = 0, s2 = 0, b = 0;
  for (int i = 0; i < n; ++i) {
    const double x = rng.normal(1.0, 2.0);
    s += x;
    s2 += x * x;
    const double y = rng.beta(0.2, 0.2);
    ASSERT_GE(y, 0.0);
    ASSERT_LE(y, 1.0);
    b += y;
  }
  EXPECT_NEAR(s / n, 1.0, 0.05);
  EXPECT_NEAR(s2 / n - (s / n) * (s / n), 4.0, 0.15);
  EXPECT_NEAR(b / n, 0.5, 0.02);  // Beta(a, a) has mean 1/2
}

TEST(Rng, PermutationIsAPermutation) {
  Rng rng(3);
  auto p = rng.permutation(50);
  auto sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (std::int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[static_cast<std::size_t>(i)], i);
  EXPECT_NE(p, sorted);
}

TEST(Rng, CachedDrawsUnlessReplaying) {
  Rng rng(0);
  int calls = 0;
  auto draw = [&] {
    ++calls;
    return Value(7);
  };
  EXPECT_EQ(rng.cached("RandomCrop.rand_crop_params", draw).as_int(), 7);
  EXPECT_EQ(calls, 1);

  rng.replay({{"transforms[3].Rotate.random_disable", Value(false)},
              {"RandomCrop.rand_crop_params", Value(5)}});
  EXPECT_TRUE(rng.replaying());
  EXPECT_FALSE(rng.cached("Rotate.random_disable", draw).truthy());
  EXPECT_EQ(rng.cached("RandomCrop.rand_crop_params", draw).as_int(), 5);
  EXPECT_EQ(calls, 1);  // replay never draws
  EXPECT_EQ(rng.replay_left(), 0u);
  EXPECT_THROW(rng.cached("RandomCrop.rand_crop_params", draw), Error);
}

TEST(Rng, ReplayRefusesAValueRecordedForAnotherMethod) {
  Rng rng(0);
  rng.replay({{"Contrast.random_magnitude", Value(0.5)}});
  try {
    rng.cached("Brightness.random_magnitude", [] { return Value(); });
    FAIL() << "a mismatched method must fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Contrast.random_magnitude"), std::string::npos);
  }
  // A suffix must match whole name components.
  Rng other(0);
  other.replay({{"XContrast.random_magnitude", Value(0.5)}});
  EXPECT_THROW(other.cached("Contrast.random_magnitude", [] { return Value(); }), Error);
}

// The replay holds values of the draws' own type (core knows nothing of
// config::Value); a recorded value of another type is a TypeError, not a crash.
TEST(Rng, ReplayRefusesAValueOfAnotherType) {
  Rng rng(0);
  rng.replay({{"RandomCrop.rand_crop_params", std::any(std::int64_t{5})}});
  try {
    rng.cached("RandomCrop.rand_crop_params", [] { return Value(1); });
    FAIL() << "an int64 recorded for a Value draw must fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
    EXPECT_NE(std::string(e.what()).find("RandomCrop.rand_crop_params"), std::string::npos);
  }
  Rng typed(0);
  typed.replay({{"numpy.random.uniform", std::any(0.25)}});
  EXPECT_EQ(typed.cached("numpy.random.uniform", [] { return 1.0; }), 0.25);
}

}  // namespace
}  // namespace mmcpp
