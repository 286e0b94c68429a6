// torch.optim.Adamax (PyTorch 1.13) on LibTorch, which has no Adamax:
//   Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
//          foreach=None, *, maximize=False, differentiable=False)
// State per parameter as PyTorch's: `step` (0-dim float32 in state_dict),
// `exp_avg`, `exp_inf`. foreach only picks kernels in PyTorch and gives the same
// numbers; this runs the single-tensor algorithm for both.
#pragma once

#include <torch/arg.h>
#include <torch/optim/optimizer.h>

#include <memory>
#include <tuple>
#include <vector>

#include "mmcpp/engine/optim/options.h"
#include "mmcpp/engine/optim/param_state.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

using Betas2 = std::tuple<double, double>;

struct AdamaxOptions : public torch::optim::OptimizerCloneableOptions<AdamaxOptions>,
                       public NamedOptions {
  explicit AdamaxOptions(double lr = 2e-3) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(Betas2, betas) = std::make_tuple(0.9, 0.999);
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0;

 public:
  double get_lr() const override { return lr_; }
  void set_lr(const double lr) override { lr_ = lr; }
  std::vector<OptionField> option_fields() override;
};

struct AdamaxParamState : public torch::optim::OptimizerCloneableParamState<AdamaxParamState> {
  TORCH_ARG(std::int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, exp_avg);
  TORCH_ARG(torch::Tensor, exp_inf);
};

class Adamax : public torch::optim::Optimizer, public ParamStateIO {
 public:
  Adamax(std::vector<torch::optim::OptimizerParamGroup> groups, AdamaxOptions defaults);
  static std::shared_ptr<torch::optim::Optimizer> from_config(registry::BuildArgs& args);

  torch::Tensor step(LossClosure closure = nullptr) override;
  NamedBuffers export_param_state(const torch::optim::OptimizerParamState& state) const override;
  std::unique_ptr<torch::optim::OptimizerParamState> import_param_state(
      const std::map<std::string, torch::Tensor>& buffers) const override;
};

}  // namespace mmcpp::engine
