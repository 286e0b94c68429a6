// Averaged models (mmengine/model/averaged_model.py): ExponentialMovingAverage,
// MomentumAnnealingEMA and StochasticWeightAverage, used by EMAHook.
//
// MMEngine deep-copies the source module; LibTorch cannot copy an arbitrary
// module, so the averaged model keeps a copy of the source's state dict instead
// (same keys, same order). Its state_dict() is MMEngine's: "steps" then
// "module.<key>" for every key of the source's state dict. There is no forward():
// EMAHook swaps the averaged weights into the source model to evaluate them.
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

// Named tensors in state-dict order.
using TensorList = std::vector<std::pair<std::string, torch::Tensor>>;

// nn.Module.state_dict() order: a module's own parameters, then its own
// buffers, then each child's entries, keys joined with '.'. The tensors alias
// the module's (no copy).
TensorList module_state_dict(const torch::nn::Module& module);

// What load_state_dict found (missing: expected but absent; unexpected: extra).
struct LoadResult {
  std::vector<std::string> missing_keys, unexpected_keys;
};

class BaseAveragedModel : public torch::nn::Module {
 public:
  BaseAveragedModel(std::int64_t interval, std::optional<torch::Device> device,
                    bool update_buffers);

  // Takes a copy of `model`'s state (MMEngine's deepcopy). Called by from_config
  // when a `model` object is given, else by EMAHook.before_run.
  void bind(const torch::nn::Module& model);
  bool bound() const { return bound_; }

  // update_parameters: the first call copies the source; later calls average
  // every `interval` steps (floating-point tensors only). Buffers are copied
  // unless update_buffers. Then steps += 1.
  void update_parameters(const torch::nn::Module& model);
  // The averaging rule on one tensor (in place).
  virtual void avg_func(torch::Tensor& averaged, const torch::Tensor& source,
                        std::int64_t steps) = 0;

  // Copies every state entry of `model` into the averaged copy (EMAHook before begin).
  void copy_from(const torch::nn::Module& model);
  // Swaps the values of the source's parameters (and buffers when update_buffers)
  // with the averaged ones.
  void swap_parameters(const torch::nn::Module& model);

  // "steps" then "module.<key>"; tensors alias the averaged state.
  TensorList state_dict() const;
  // Loads "steps" and "module.<key>" entries. Shape mismatches are a
  // RuntimeError; missing/unexpected keys too when `strict`.
  LoadResult load_state_dict(const TensorList& state, bool strict);
  // Loads a plain model state dict (keys without "module.") into the copy.
  LoadResult load_module_state_dict(const TensorList& state, bool strict);

  // The averaged copy of the source's state dict.
  const TensorList& module_state() const { return module_state_; }
  std::int64_t steps() const { return steps_.item<std::int64_t>(); }
  std::int64_t interval() const { return interval_; }
  bool update_buffers() const { return update_buffers_; }

 protected:
  // Reads interval, device and update_buffers; binds to args.object("model").
  static void configure(registry::BuildArgs& args, std::int64_t& interval,
                        std::optional<torch::Device>& device, bool& update_buffers);
  void bind_from_args(registry::BuildArgs& args);

  std::int64_t interval_;
  std::optional<torch::Device> device_;
  bool update_buffers_;
  bool bound_ = false;
  TensorList module_state_;
  std::vector<bool> is_param_;  // per module_state_ entry
  torch::Tensor steps_;
};

// ema = (1 - momentum) * ema + momentum * param (lerp_).
class ExponentialMovingAverage : public BaseAveragedModel {
 public:
  ExponentialMovingAverage(double momentum = 0.0002, std::int64_t interval = 1,
                           std::optional<torch::Device> device = std::nullopt,
                           bool update_buffers = false);
  // Example: dict(type='ExponentialMovingAverage', momentum=0.0002). The source
  // model comes as the object "model" (a torch::nn::Module*), or later via bind().
  static std::shared_ptr<ExponentialMovingAverage> from_config(registry::BuildArgs& args);
  void avg_func(torch::Tensor& averaged, const torch::Tensor& source, std::int64_t steps) override;
  double momentum() const { return momentum_; }

 protected:
  double momentum_;
};

// momentum_t = max(momentum, gamma / (gamma + steps)).
class MomentumAnnealingEMA : public ExponentialMovingAverage {
 public:
  MomentumAnnealingEMA(double momentum = 0.0002, double gamma = 100, std::int64_t interval = 1,
                       std::optional<torch::Device> device = std::nullopt,
                       bool update_buffers = false);
  // Example: dict(type='MomentumAnnealingEMA', momentum=0.0002, gamma=100).
  static std::shared_ptr<MomentumAnnealingEMA> from_config(registry::BuildArgs& args);
  void avg_func(torch::Tensor& averaged, const torch::Tensor& source, std::int64_t steps) override;
  double gamma() const { return gamma_; }

 private:
  double gamma_;
};

// avg += (param - avg) / (steps // interval + 1).
class StochasticWeightAverage : public BaseAveragedModel {
 public:
  StochasticWeightAverage(std::int64_t interval = 1,
                          std::optional<torch::Device> device = std::nullopt,
                          bool update_buffers = false);
  // Example: dict(type='StochasticWeightAverage').
  static std::shared_ptr<StochasticWeightAverage> from_config(registry::BuildArgs& args);
  void avg_func(torch::Tensor& averaged, const torch::Tensor& source, std::int64_t steps) override;
};

}  // namespace mmcpp::engine
