#include "mmcpp/data/base_dataset.h"

namespace mmcpp::data {

namespace {

// splitmix64's finaliser: a bijective 64-bit mix with full avalanche.
std::uint64_t mix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t sample_seed(std::uint64_t run_seed, std::int64_t epoch, std::size_t index) {
  // Chained, so (seed, epoch, index) triples that sum or xor alike still differ.
  std::uint64_t h = mix64(run_seed);
  h = mix64(h ^ static_cast<std::uint64_t>(epoch));
  return mix64(h ^ static_cast<std::uint64_t>(index));
}

}  // namespace mmcpp::data
