// Rng: the per-sample random number generator of data transforms.
//
// Every random transform draws from an Rng seeded by (run seed, epoch, sample
// index) (data::sample_seed), so a sample's augmentation never depends on which
// worker thread built it. The generator is our own (splitmix64 seeding of
// xoshiro256**) and so are the distributions, so draws are identical across
// standard libraries and platforms.
//
// MMCV marks the methods that draw a transform's random parameters with
// @cache_randomness; ours go through cached("Class.method", draw). Normally that
// just calls `draw`. A test can load the values MMPretrain's methods returned
// (the transform oracle records them) with replay(); cached() then returns those,
// in order, instead of drawing, which reproduces MMPretrain's output exactly.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"

namespace mmcpp {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);

  std::uint64_t next_u64();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // Uniform in [low, high) (numpy's uniform(low, high)).
  double uniform(double low, double high);
  // Uniform integer in [low, high) (numpy's randint(low, high)); high > low.
  std::int64_t randint(std::int64_t low, std::int64_t high);
  // Normal(mean, std) (Box-Muller).
  double normal(double mean = 0.0, double std = 1.0);
  // True with probability p (uniform() < p, as `np.random.rand() < p`).
  bool bernoulli(double p) { return uniform() < p; }
  // Beta(alpha, beta) via two gamma draws (Marsaglia-Tsang).
  double beta(double alpha, double beta);
  double gamma(double shape);
  // A random permutation of 0..n-1 (Fisher-Yates).
  std::vector<std::int64_t> permutation(std::int64_t n);

  // MMCV's @cache_randomness. `name` is "Class.method" (e.g.
  // "RandomCrop.rand_crop_params"). Without replay: returns draw(). With replay:
  // pops the next recorded (method, value); the recorded method must equal `name`
  // or end with "." + name (the oracle writes "transforms[3].Rotate.random_disable"),
  // else a ValueError naming both.
  config::Value cached(const std::string& name, const std::function<config::Value()>& draw);
  void replay(std::vector<std::pair<std::string, config::Value>> recorded);
  bool replaying() const { return replaying_; }
  // Recorded values not consumed yet.
  std::size_t replay_left() const { return recorded_.size(); }

 private:
  std::uint64_t s_[4];
  bool replaying_ = false;
  std::deque<std::pair<std::string, config::Value>> recorded_;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace mmcpp
