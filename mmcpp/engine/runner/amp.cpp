#include "mmcpp/engine/runner/amp.h"

#include <ATen/autocast_mode.h>

#include "mmcpp/core/error.h"

namespace mmcpp::engine {

Autocast::Autocast(const std::string& device_type, std::optional<c10::ScalarType> dtype,
                   bool enabled, std::optional<bool> cache_enabled) {
  bool cache = cache_enabled.value_or(at::autocast::is_autocast_cache_enabled());
  if (device_type == "cuda") {
    kind_ = Kind::kCuda;
    dtype_ = dtype.value_or(at::autocast::get_autocast_gpu_dtype());
    // MMEngine also rejects bfloat16 on GPUs without bf16 support
    // (torch.cuda.is_bf16_supported); LibTorch's CPU build cannot query it.
  } else if (device_type == "cpu") {
    kind_ = Kind::kCpu;
    dtype_ = dtype.value_or(c10::ScalarType::BFloat16);
    if (dtype_ != c10::ScalarType::BFloat16)
      throw Error("AssertionError", "In CPU autocast, only support `torch.bfloat16` dtype (got " +
                                        std::string(c10::toString(dtype_)) + ")");
  } else {
    if (!enabled) return;  // an empty context
    throw Error("ValueError",
                "User specified autocast device_type must be cuda or cpu, but got " + device_type);
  }
  enabled_ = enabled;
  prev_cache_enabled_ = at::autocast::is_autocast_cache_enabled();
  if (kind_ == Kind::kCpu) {
    prev_enabled_ = at::autocast::is_cpu_enabled();
    prev_dtype_ = at::autocast::get_autocast_cpu_dtype();
    at::autocast::set_cpu_enabled(enabled_);
    at::autocast::set_autocast_cpu_dtype(dtype_);
  } else {
    prev_enabled_ = at::autocast::is_enabled();
    prev_dtype_ = at::autocast::get_autocast_gpu_dtype();
    at::autocast::set_autocast_gpu_dtype(dtype_);
    at::autocast::set_enabled(enabled_);
  }
  at::autocast::increment_nesting();
  at::autocast::set_autocast_cache_enabled(cache);
}

Autocast::~Autocast() {
  if (kind_ == Kind::kNone) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  if (kind_ == Kind::kCpu) {
    at::autocast::set_cpu_enabled(prev_enabled_);
    at::autocast::set_autocast_cpu_dtype(prev_dtype_);
  } else {
    at::autocast::set_enabled(prev_enabled_);
    at::autocast::set_autocast_gpu_dtype(prev_dtype_);
  }
  at::autocast::set_autocast_cache_enabled(prev_cache_enabled_);
}

}  // namespace mmcpp::engine
