// MMPretrain's LARS (mmpretrain/engine/optimizers/lars.py): SGD with
// layer-wise adaptive rate scaling.
//   LARS(params, lr, momentum=0, weight_decay=0, dampening=0, eta=0.001,
//        nesterov=False, eps=1e-8)
// `eps` belongs to the optimizer, not to its groups (as in Python). A group may
// carry `lars_exclude=True` (set by paramwise custom_keys) to skip the scaling.
// State per parameter: `momentum_buffer` (only with momentum != 0).
#pragma once

#include <torch/arg.h>
#include <torch/optim/optimizer.h>

#include <memory>
#include <vector>

#include "mmcpp/engine/optim/options.h"
#include "mmcpp/engine/optim/param_state.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

struct LARSOptions : public torch::optim::OptimizerCloneableOptions<LARSOptions>,
                     public engine::NamedOptions {
  explicit LARSOptions(double lr) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, momentum) = 0;
  TORCH_ARG(double, dampening) = 0;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(bool, nesterov) = false;
  TORCH_ARG(double, eta) = 0.001;
  // group.get('lars_exclude', False); absent from the group dict unless set.
  TORCH_ARG(bool, lars_exclude) = false;
  TORCH_ARG(bool, has_lars_exclude) = false;

 public:
  double get_lr() const override { return lr_; }
  void set_lr(const double lr) override { lr_ = lr; }
  std::vector<engine::OptionField> option_fields() override;
};

struct LARSParamState : public torch::optim::OptimizerCloneableParamState<LARSParamState> {
  TORCH_ARG(torch::Tensor, momentum_buffer);
};

class LARS : public torch::optim::Optimizer, public engine::ParamStateIO {
 public:
  LARS(std::vector<torch::optim::OptimizerParamGroup> groups, LARSOptions defaults, double eps);
  static std::shared_ptr<torch::optim::Optimizer> from_config(registry::BuildArgs& args);

  torch::Tensor step(LossClosure closure = nullptr) override;
  double eps() const { return eps_; }
  engine::NamedBuffers export_param_state(
      const torch::optim::OptimizerParamState& state) const override;
  std::unique_ptr<torch::optim::OptimizerParamState> import_param_state(
      const std::map<std::string, torch::Tensor>& buffers) const override;

 private:
  double eps_;
};

}  // namespace mmcpp::pretrain
