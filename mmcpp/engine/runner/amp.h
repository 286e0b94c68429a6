// autocast (mmengine/runner/amp.py): MMEngine's wrapper of torch.autocast, as an
// RAII guard over LibTorch's thread-local autocast state (at::autocast).
//
//   { Autocast ac("cpu", std::nullopt); ...ops run in bfloat16 where autocast casts... }
//
// Rules of MMEngine (torch >= 1.10 branch): device "cuda": dtype defaults to the
// current GPU autocast dtype (float16); device "cpu": dtype defaults to bfloat16 and
// any other dtype is an AssertionError (torch 1.13's CPU autocast only has
// bfloat16), even with enabled=false; any other device with enabled=true is a
// ValueError. Entering/leaving follows torch.autocast.__enter__/__exit__: the
// previous enabled flag, dtype and cache flag come back, the cast cache is cleared
// when the outermost autocast region ends.
#pragma once

#include <c10/core/ScalarType.h>

#include <optional>
#include <string>

namespace mmcpp::engine {

class Autocast {
 public:
  explicit Autocast(const std::string& device_type,
                    std::optional<c10::ScalarType> dtype = std::nullopt, bool enabled = true,
                    std::optional<bool> cache_enabled = std::nullopt);
  ~Autocast();
  Autocast(const Autocast&) = delete;
  Autocast& operator=(const Autocast&) = delete;

  // The dtype this region casts to (after defaults), and whether it is active.
  c10::ScalarType dtype() const { return dtype_; }
  bool enabled() const { return enabled_; }

 private:
  enum class Kind { kNone, kCpu, kCuda } kind_ = Kind::kNone;
  c10::ScalarType dtype_ = c10::ScalarType::BFloat16;
  bool enabled_ = false;
  bool prev_enabled_ = false;
  c10::ScalarType prev_dtype_ = c10::ScalarType::BFloat16;
  bool prev_cache_enabled_ = true;
};

}  // namespace mmcpp::engine
