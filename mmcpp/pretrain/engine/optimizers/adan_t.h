// MMPretrain's Adan (mmpretrain/engine/optimizers/adan_t.py):
//   Adan(params, lr=1e-3, betas=(0.98, 0.92, 0.99), eps=1e-8, weight_decay=0.0,
//        max_grad_norm=0.0, no_prox=False, foreach=True)
// Both of Python's update paths, chosen per group by `foreach`: the
// single-tensor loop and the multi-tensor one (at::_foreach_* ops in Python's
// order). Their Python quirks are kept, since checkpoints and trajectories must
// match: gradients are scaled in place by the clip factor; the global gradient
// norm is accumulated in float32 and offset by the last group's eps; with
// foreach=True and no_prox=True Python only decays the parameters and applies
// no update. The step counter lives in each group (`step`).
// State per parameter: `exp_avg`, `exp_avg_sq`, `exp_avg_diff`, `pre_grad`.
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

using AdanBetas = std::tuple<double, double, double>;

struct AdanOptions : public torch::optim::OptimizerCloneableOptions<AdanOptions>,
                     public engine::NamedOptions {
  explicit AdanOptions(double lr = 1e-3) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(AdanBetas, betas) = std::make_tuple(0.98, 0.92, 0.99);
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0.0;
  TORCH_ARG(double, max_grad_norm) = 0.0;
  TORCH_ARG(bool, no_prox) = false;
  TORCH_ARG(bool, foreach) = true;
  // group['step'], absent until the first step.
  TORCH_ARG(std::int64_t, step) = 0;
  TORCH_ARG(bool, has_step) = false;

 public:
  double get_lr() const override { return lr_; }
  void set_lr(const double lr) override { lr_ = lr; }
  std::vector<engine::OptionField> option_fields() override;
};

struct AdanParamState : public torch::optim::OptimizerCloneableParamState<AdanParamState> {
  TORCH_ARG(torch::Tensor, exp_avg);
  TORCH_ARG(torch::Tensor, exp_avg_sq);
  TORCH_ARG(torch::Tensor, exp_avg_diff);
  TORCH_ARG(torch::Tensor, pre_grad);
};

class Adan : public torch::optim::Optimizer, public engine::ParamStateIO {
 public:
  Adan(std::vector<torch::optim::OptimizerParamGroup> groups, AdanOptions defaults);
  static std::shared_ptr<torch::optim::Optimizer> from_config(registry::BuildArgs& args);

  torch::Tensor step(LossClosure closure = nullptr) override;
  // Python's restart_opt(): step counters to 0, moment buffers to zeros.
  void restart_opt();
  engine::NamedBuffers export_param_state(
      const torch::optim::OptimizerParamState& state) const override;
  std::unique_ptr<torch::optim::OptimizerParamState> import_param_state(
      const std::map<std::string, torch::Tensor>& buffers) const override;
};

}  // namespace mmcpp::pretrain
