#include "mmcpp/engine/optim/adamax.h"

#include <c10/util/string_utils.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optimizer_builder.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

namespace optim = torch::optim;

std::vector<OptionField> AdamaxOptions::option_fields() {
  // torch 1.13's `defaults` order.
  return {float_field("lr", lr_),
          tuple_field("betas", {&std::get<0>(betas_), &std::get<1>(betas_)}),
          float_field("eps", eps_),
          float_field("weight_decay", weight_decay_),
          constant_field("foreach", config::Value()),
          constant_field("maximize", config::Value(false)),
          constant_field("differentiable", config::Value(false))};
}

Adamax::Adamax(std::vector<optim::OptimizerParamGroup> groups, AdamaxOptions defaults)
    : optim::Optimizer(std::move(groups), std::make_unique<AdamaxOptions>(defaults)) {}

std::shared_ptr<optim::Optimizer> Adamax::from_config(registry::BuildArgs& args) {
  AdamaxOptions o(args.get_float("lr", 2e-3));
  auto betas = read_float_tuple(args, "betas", {0.9, 0.999});
  o.betas(std::make_tuple(betas[0], betas[1]));
  o.eps(args.get_float("eps", 1e-8));
  o.weight_decay(args.get_float("weight_decay", 0));
  read_foreach(args);
  read_python_flags(args, {"maximize", "differentiable"});
  check_range(o.lr() >= 0, "learning rate", o.lr());
  check_range(o.eps() >= 0, "epsilon value", o.eps());
  check_range(betas[0] >= 0 && betas[0] < 1, "beta parameter at index 0", betas[0]);
  check_range(betas[1] >= 0 && betas[1] < 1, "beta parameter at index 1", betas[1]);
  check_range(o.weight_decay() >= 0, "weight_decay value", o.weight_decay());
  return std::make_shared<Adamax>(read_param_groups(args, o), o);
}

torch::Tensor Adamax::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    auto& o = static_cast<AdamaxOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      torch::Tensor grad = p.grad();
      if (grad.is_sparse()) throw Error("RuntimeError", "Adamax does not support sparse gradients");
      auto& slot = state_[c10::guts::to_string(p.unsafeGetTensorImpl())];
      if (!slot) {
        auto st = std::make_unique<AdamaxParamState>();
        st->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        st->exp_inf(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        slot = std::move(st);
      }
      auto& st = static_cast<AdamaxParamState&>(*slot);
      st.step(st.step() + 1);
      if (o.weight_decay() != 0) grad = grad.add(p, o.weight_decay());
      st.exp_avg().mul_(beta1).add_(grad, 1 - beta1);
      // The exponentially weighted infinity norm: max(beta2 * u, |g| + eps).
      torch::Tensor norm_buf = torch::cat(
          {st.exp_inf().mul_(beta2).unsqueeze(0), grad.abs().add_(o.eps()).unsqueeze_(0)}, 0);
      torch::amax_out(st.exp_inf(), norm_buf, {0}, false);
      double clr = o.lr() / (1 - std::pow(beta1, static_cast<double>(st.step())));
      p.addcdiv_(st.exp_avg(), st.exp_inf(), -clr);
    }
  }
  return loss;
}

NamedBuffers Adamax::export_param_state(const optim::OptimizerParamState& s) const {
  const auto& st = static_cast<const AdamaxParamState&>(s);
  return {{"step", step_tensor(st.step())}, {"exp_avg", st.exp_avg()}, {"exp_inf", st.exp_inf()}};
}

std::unique_ptr<optim::OptimizerParamState> Adamax::import_param_state(
    const std::map<std::string, torch::Tensor>& b) const {
  auto st = std::make_unique<AdamaxParamState>();
  st->step(step_value(buffer_or_none(b, "step")));
  st->exp_avg(buffer_or_none(b, "exp_avg")).exp_inf(buffer_or_none(b, "exp_inf"));
  if (!st->exp_avg().defined() || !st->exp_inf().defined())
    throw Error("KeyError", "Adamax state needs 'exp_avg' and 'exp_inf'");
  return st;
}

MMCPP_REGISTER(registry::OPTIMIZERS, Adamax, "dict(type='Adamax', lr=2e-3, betas=(0.9, 0.999))");

}  // namespace mmcpp::engine
