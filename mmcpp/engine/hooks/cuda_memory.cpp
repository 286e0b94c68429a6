// Run-time lookup of LibTorch 1.13's CUDA caching allocator functions.
#include "mmcpp/engine/hooks/cuda_memory.h"

#include <dlfcn.h>
#include <torch/cuda.h>

#include <array>

namespace mmcpp::engine {
namespace {

// Mirrors c10::cuda::CUDACachingAllocator::DeviceStats of LibTorch 1.13
// (c10/cuda/CUDACachingAllocator.h), whose header needs the CUDA toolkit.
struct Stat {
  std::int64_t current = 0, peak = 0, allocated = 0, freed = 0;
};
using StatArray = std::array<Stat, 3>;  // AGGREGATE, SMALL_POOL, LARGE_POOL
struct DeviceStats {
  StatArray allocation, segment, active, inactive_split;
  StatArray allocated_bytes, reserved_bytes, active_bytes, inactive_split_bytes;
  std::int64_t num_alloc_retries = 0, num_ooms = 0;
  Stat oversize_allocations, oversize_segments;
  std::int64_t max_split_size = 0;
};

using GetDeviceStatsFn = DeviceStats (*)(int);
using ResetPeakStatsFn = void (*)(int);
using EmptyCacheFn = void (*)();
using CurrentDeviceFn = std::int8_t (*)();

template <class F>
F lookup(const char* mangled) {
  return reinterpret_cast<F>(dlsym(RTLD_DEFAULT, mangled));
}

bool cuda_ready() {
  static const bool ready = torch::cuda::is_available();
  return ready;
}

}  // namespace

std::optional<std::int64_t> cuda_max_memory_mb(int device_index) {
  if (!cuda_ready()) return std::nullopt;
  static const auto get_stats =
      lookup<GetDeviceStatsFn>("_ZN3c104cuda20CUDACachingAllocator14getDeviceStatsEi");
  static const auto reset_peak =
      lookup<ResetPeakStatsFn>("_ZN3c104cuda20CUDACachingAllocator14resetPeakStatsEi");
  static const auto current = lookup<CurrentDeviceFn>("_ZN3c104cuda14current_deviceEv");
  if (get_stats == nullptr || reset_peak == nullptr) return std::nullopt;
  if (device_index < 0) device_index = current != nullptr ? current() : 0;
  DeviceStats stats = get_stats(device_index);
  std::int64_t mb = stats.allocated_bytes[0].peak / (1024 * 1024);
  reset_peak(device_index);
  return mb;
}

bool cuda_empty_cache() {
  if (!cuda_ready()) return false;
  static const auto empty =
      lookup<EmptyCacheFn>("_ZN3c104cuda20CUDACachingAllocator10emptyCacheEv");
  if (empty == nullptr) return false;
  empty();
  return true;
}

}  // namespace mmcpp::engine
