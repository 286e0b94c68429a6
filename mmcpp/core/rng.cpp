#include "mmcpp/core/rng.h"

#include <cmath>

#include "mmcpp/core/error.h"

namespace mmcpp {

namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t Rng::next_u64() {
  // xoshiro256** (Blackman & Vigna).
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Rng::uniform(double low, double high) { return low + (high - low) * uniform(); }

std::int64_t Rng::randint(std::int64_t low, std::int64_t high) {
  if (high <= low) {
    throw Error("ValueError", "randint: high (" + std::to_string(high) +
                                  ") must be greater than low (" + std::to_string(low) + ")");
  }
  const std::uint64_t range = static_cast<std::uint64_t>(high - low);
  // Rejection sampling: no modulo bias.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % range;
  std::uint64_t x;
  do {
    x = next_u64();
  } while (x >= limit);
  return low + static_cast<std::int64_t>(x % range);
}

double Rng::normal(double mean, double std) {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return mean + std * spare_normal_;
  }
  double u1;
  do {
    u1 = uniform();
  } while (u1 <= 0.0);
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  spare_normal_ = r * std::sin(2.0 * M_PI * u2);
  has_spare_normal_ = true;
  return mean + std * r * std::cos(2.0 * M_PI * u2);
}

double Rng::gamma(double shape) {
  if (shape <= 0)
    throw Error("ValueError", "gamma: shape must be positive, got " + std::to_string(shape));
  if (shape < 1.0) {
    // Boost to shape + 1, then scale by U^(1/shape).
    double u;
    do {
      u = uniform();
    } while (u <= 0.0);
    return gamma(shape + 1.0) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0.0 && std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

double Rng::beta(double alpha, double beta_) {
  const double x = gamma(alpha), y = gamma(beta_);
  return x / (x + y);
}

std::vector<std::int64_t> Rng::permutation(std::int64_t n) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) p[static_cast<std::size_t>(i)] = i;
  for (std::int64_t i = n - 1; i > 0; --i) {
    std::swap(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(randint(0, i + 1))]);
  }
  return p;
}

std::any Rng::next_recorded(const std::string& name) {
  if (recorded_.empty()) {
    throw Error("ValueError",
                "Rng replay: " + name + " asked for a random value but no recorded value is left");
  }
  auto [method, value] = std::move(recorded_.front());
  recorded_.pop_front();
  const bool match = method == name || (method.size() > name.size() &&
                                        method.compare(method.size() - name.size() - 1,
                                                       std::string::npos, "." + name) == 0);
  if (!match) {
    throw Error("ValueError", "Rng replay: " + name +
                                  " asked for a random value, but the next recorded one is " +
                                  method);
  }
  return std::move(value);
}

void Rng::replay_type_error(const std::string& name, const std::type_info& want,
                            const std::type_info& got) {
  throw Error("TypeError", "Rng replay: " + name + " draws a value of type " + want.name() +
                               " but the recorded one is of type " + got.name());
}

void Rng::replay(std::vector<std::pair<std::string, std::any>> recorded) {
  replaying_ = true;
  recorded_.assign(std::make_move_iterator(recorded.begin()),
                   std::make_move_iterator(recorded.end()));
}

}  // namespace mmcpp
