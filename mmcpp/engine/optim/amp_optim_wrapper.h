// AmpOptimWrapper (mmengine/optim/optimizer/amp_optimizer_wrapper.py) and the
// loss scaler it drives (PyTorch's torch.cuda.amp.GradScaler, which LibTorch's
// C++ API lacks).
//
// AmpOptimWrapper(loss_scale='dynamic', dtype=None, use_fsdp=False,
//                 **OptimWrapper args):
//   loss_scale: 'dynamic' -> GradScaler(); a float -> GradScaler(init_scale=v)
//     kept static (update(new_scale=v) after every step); a dict -> GradScaler(**v).
//   dtype: None | 'float16' | 'bfloat16' | 'float32' | 'float64' (a pure-Python
//     config's torch.float16 etc. too): the autocast dtype of optim_context().
//   use_fsdp: ShardedGradScaler needs PyTorch >= 2.0 -> RuntimeError as MMEngine
//     on torch 1.13.
// optim_context(model) autocasts on the device of the model's parameters (CPU:
// bfloat16; CUDA: float16 unless dtype says otherwise); see runner/amp.h.
// backward() scales the loss; step() unscales before clipping, skips the
// optimizer step when a gradient is inf/nan and updates the scale.
//
// Deviation: MMEngine asserts that CUDA (or NPU/MLU/MUSA) is available. Here CPU
// training is allowed: autocast runs in bfloat16 and the scaler is disabled exactly
// as torch.cuda.amp.GradScaler disables itself without CUDA (a warning; scale() is
// the identity, step() is a plain optimizer step, state_dict() is {}).
#pragma once

#include <torch/optim/optimizer.h>

#include <c10/core/ScalarType.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "mmcpp/engine/optim/optim_wrapper.h"

namespace mmcpp::engine {

// torch.cuda.amp.GradScaler's arguments, with its defaults.
struct GradScalerOptions {
  double init_scale = 65536.0;  // 2**16
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  std::int64_t growth_interval = 2000;
  bool enabled = true;
};

// Dynamic loss scaling with PyTorch's semantics (torch/cuda/amp/grad_scaler.py of
// 1.13): the scale and growth tracker are tensors created on the loss's device at
// the first scale(); unscale_() multiplies gradients by 1/scale and records
// whether any is inf/nan; step() unscales if needed and skips optimizer.step() on
// inf/nan; update() multiplies the scale by backoff_factor after an inf/nan
// (resetting the tracker) and by growth_factor after growth_interval clean steps
// (never growing to inf), or sets it to `new_scale`.
//
// `device` is torch.amp.GradScaler's: "cuda" is torch.cuda.amp.GradScaler and is
// disabled (with PyTorch's warning) when CUDA is not available; another device
// type (e.g. "cpu") scales losses on that device.
class GradScaler {
 public:
  explicit GradScaler(GradScalerOptions options = {}, std::string device = "cuda");
  // GradScaler(**kwargs) of a config dict: init_scale, growth_factor,
  // backoff_factor, growth_interval, enabled; other keys are a TypeError.
  static GradScalerOptions options_from_kwargs(const config::Value& kwargs);

  bool is_enabled() const { return enabled_; }
  const std::string& device() const { return device_; }

  torch::Tensor scale(const torch::Tensor& outputs);
  void unscale_(torch::optim::Optimizer& optimizer);
  // Returns whether optimizer.step() ran (false: skipped for inf/nan gradients).
  bool step(torch::optim::Optimizer& optimizer);
  void update(std::optional<double> new_scale = std::nullopt);

  // The current scale as a Python float (init_scale before the first scale(), 1.0
  // when disabled) and the number of clean steps since the last change.
  double get_scale() const;
  std::int64_t get_growth_tracker() const;
  double get_growth_factor() const { return growth_factor_; }
  double get_backoff_factor() const { return backoff_factor_; }
  std::int64_t get_growth_interval() const { return growth_interval_; }

  // {'scale', 'growth_factor', 'backoff_factor', 'growth_interval',
  // '_growth_tracker'} as torch's state_dict(); {} when disabled.
  config::Value state_dict() const;
  // Ignored when disabled; an empty dict is a RuntimeError when enabled.
  void load_state_dict(const config::Value& state);

 private:
  enum class Stage { kReady, kUnscaled, kStepped };
  struct PerOptimizer {
    Stage stage = Stage::kReady;
    torch::Tensor found_inf;  // float32 [1]: > 0 when a gradient was inf/nan
  };
  void check_scale_growth_tracker(const std::string& funcname) const;

  std::string device_;
  bool enabled_ = true;
  double init_scale_ = 65536.0;
  double growth_factor_ = 2.0;
  double backoff_factor_ = 0.5;
  std::int64_t growth_interval_ = 2000;
  std::int64_t init_growth_tracker_ = 0;
  torch::Tensor scale_;           // float32 [1], lazily created
  torch::Tensor growth_tracker_;  // int32 [1], lazily created
  std::map<const torch::optim::Optimizer*, PerOptimizer> per_optimizer_;
};

class AmpOptimWrapper : public OptimWrapper {
 public:
  // `loss_scale`: "dynamic", a float or a dict of GradScaler kwargs (TypeError
  // otherwise); `dtype`: as parse_dtype().
  AmpOptimWrapper(std::shared_ptr<torch::optim::Optimizer> optimizer, int accumulative_counts,
                  config::Value clip_grad,
                  const config::Value& loss_scale = config::Value("dynamic"),
                  const config::Value& dtype = config::Value(), bool use_fsdp = false);

  static std::shared_ptr<AmpOptimWrapper> from_config(registry::BuildArgs& args);

  // dtype argument -> torch dtype: None -> nullopt; 'float16' | 'bfloat16' |
  // 'float32' | 'float64', or torch.<dtype> of a pure-Python config (torch.half,
  // torch.float, torch.double too). Anything else is an AssertionError as MMEngine's.
  static std::optional<c10::ScalarType> parse_dtype(const config::Value& dtype);

  void backward(const torch::Tensor& loss) override;
  void step() override;
  // The optimizer's state plus `loss_scaler` (GradScaler.state_dict()).
  OptimizerStateDict state_dict() override;
  // Loads `loss_scaler` when present, then the optimizer's state.
  void load_state_dict(const OptimizerStateDict& state) override;
  // MMEngine's optim_context plus autocast(dtype) on the model's device.
  std::unique_ptr<OptimContext> optim_context(torch::nn::Module& model) override;

  GradScaler& loss_scaler() { return *loss_scaler_; }
  // Replaces the scaler (e.g. one scaling on the CPU in tests).
  void set_loss_scaler(std::shared_ptr<GradScaler> scaler);
  std::optional<c10::ScalarType> cast_dtype() const { return cast_dtype_; }
  // The float of loss_scale=<float> (static scaling), else nullopt.
  std::optional<double> scale_update_param() const { return scale_update_param_; }

 private:
  std::shared_ptr<GradScaler> loss_scaler_;
  std::optional<double> scale_update_param_;
  std::optional<c10::ScalarType> cast_dtype_;
};

}  // namespace mmcpp::engine
