// MMPretrain's Lamb (mmpretrain/engine/optimizers/lamb.py, timm's NvLamb):
//   Lamb(params, lr=1e-3, bias_correction=True, betas=(0.9, 0.999), eps=1e-6,
//        weight_decay=0.01, grad_averaging=True, max_grad_norm=1.0,
//        trust_clip=False, always_adapt=False)
// As in Python: gradients are divided in place by the global clip factor; the
// global gradient norm is accumulated in a float32 buffer whatever the
// parameters' dtype; `max_grad_norm` comes from the defaults, not the groups;
// the step counter lives in each group (`step`, present after the first step).
// State per parameter: `exp_avg`, `exp_avg_sq`.
#pragma once

#include <torch/arg.h>
#include <torch/optim/optimizer.h>

#include <memory>
#include <tuple>
#include <vector>

#include "mmcpp/engine/optim/options.h"
#include "mmcpp/engine/optim/param_state.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

using LambBetas = std::tuple<double, double>;

struct LambOptions : public torch::optim::OptimizerCloneableOptions<LambOptions>,
                     public engine::NamedOptions {
  explicit LambOptions(double lr = 1e-3) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(bool, bias_correction) = true;
  TORCH_ARG(LambBetas, betas) = std::make_tuple(0.9, 0.999);
  TORCH_ARG(double, eps) = 1e-6;
  TORCH_ARG(double, weight_decay) = 0.01;
  TORCH_ARG(bool, grad_averaging) = true;
  TORCH_ARG(double, max_grad_norm) = 1.0;
  TORCH_ARG(bool, trust_clip) = false;
  TORCH_ARG(bool, always_adapt) = false;
  // group['step'], absent until the first step.
  TORCH_ARG(std::int64_t, step) = 0;
  TORCH_ARG(bool, has_step) = false;

 public:
  double get_lr() const override { return lr_; }
  void set_lr(const double lr) override { lr_ = lr; }
  std::vector<engine::OptionField> option_fields() override;
};

struct LambParamState : public torch::optim::OptimizerCloneableParamState<LambParamState> {
  TORCH_ARG(torch::Tensor, exp_avg);
  TORCH_ARG(torch::Tensor, exp_avg_sq);
};

class Lamb : public torch::optim::Optimizer, public engine::ParamStateIO {
 public:
  Lamb(std::vector<torch::optim::OptimizerParamGroup> groups, LambOptions defaults);
  static std::shared_ptr<torch::optim::Optimizer> from_config(registry::BuildArgs& args);

  torch::Tensor step(LossClosure closure = nullptr) override;
  engine::NamedBuffers export_param_state(
      const torch::optim::OptimizerParamState& state) const override;
  std::unique_ptr<torch::optim::OptimizerParamState> import_param_state(
      const std::map<std::string, torch::Tensor>& buffers) const override;
};

}  // namespace mmcpp::pretrain
