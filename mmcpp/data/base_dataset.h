// BaseDataset: what the DataLoader reads from.
//
// get(index, ctx) returns the sample after the dataset's pipeline. Random
// transforms must draw from `ctx.seed` (a function of run seed, epoch and sample
// index), so a batch's content does not depend on worker threads or timing and a
// resumed run can jump straight to any batch. get() is called concurrently from
// the loader's worker threads, so it must not mutate shared state unguarded.
#pragma once

#include <cstdint>
#include <memory>

#include "mmcpp/config/value.h"
#include "mmcpp/data/data_sample.h"

namespace mmcpp::data {

struct SampleContext {
  std::uint64_t seed = 0;  // per-sample RNG seed
  std::int64_t epoch = 0;
  bool training = false;
};

class BaseDataset {
 public:
  virtual ~BaseDataset() = default;
  virtual std::size_t size() const = 0;
  virtual Sample get(std::size_t index, const SampleContext& ctx) = 0;
  // `metainfo` (e.g. dict(classes=[...])), saved in checkpoints as dataset_meta.
  virtual config::Value metainfo() const { return config::Value::dict(false); }
};

// A deterministic 64-bit mix of (seed, epoch, index) for SampleContext::seed
// (chained splitmix64 finalisers, so nearby triples give unrelated seeds).
std::uint64_t sample_seed(std::uint64_t run_seed, std::int64_t epoch, std::size_t index);

}  // namespace mmcpp::data
