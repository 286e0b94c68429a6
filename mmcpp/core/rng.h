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
// The replay holds values of whatever type the draws return (the transforms'
// config::Value): core knows nothing of them.
#pragma once

#include <any>
#include <cstdint>
#include <deque>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

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
  // else a ValueError naming both; a recorded value of another type than draw()'s
  // is a TypeError.
  template <class Draw>
  std::decay_t<std::invoke_result_t<Draw&>> cached(const std::string& name, Draw&& draw) {
    using T = std::decay_t<std::invoke_result_t<Draw&>>;
    if (!replaying_) return draw();
    std::any recorded = next_recorded(name);
    if (T* value = std::any_cast<T>(&recorded)) return std::move(*value);
    replay_type_error(name, typeid(T), recorded.type());
  }
  // Values to return from cached(), in order: (recorded method, value of the type
  // the draw returns).
  void replay(std::vector<std::pair<std::string, std::any>> recorded);
  bool replaying() const { return replaying_; }
  // Recorded values not consumed yet.
  std::size_t replay_left() const { return recorded_.size(); }

 private:
  std::uint64_t s_[4];
  bool replaying_ = false;
  std::any next_recorded(const std::string& name);
  [[noreturn]] static void replay_type_error(const std::string& name, const std::type_info& want,
                                             const std::type_info& got);

  std::deque<std::pair<std::string, std::any>> recorded_;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace mmcpp
