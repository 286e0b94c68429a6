#include "mmcpp/pretrain/engine/optimizers/lamb.h"

#include <c10/util/string_utils.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optimizer_builder.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

namespace optim = torch::optim;
using engine::OptionField;

std::vector<OptionField> LambOptions::option_fields() {
  return {engine::float_field("lr", lr_),
          engine::bool_field("bias_correction", bias_correction_),
          engine::tuple_field("betas", {&std::get<0>(betas_), &std::get<1>(betas_)}),
          engine::float_field("eps", eps_),
          engine::float_field("weight_decay", weight_decay_),
          engine::bool_field("grad_averaging", grad_averaging_),
          engine::float_field("max_grad_norm", max_grad_norm_),
          engine::bool_field("trust_clip", trust_clip_),
          engine::bool_field("always_adapt", always_adapt_),
          engine::int_field("step", step_, &has_step_)};
}

Lamb::Lamb(std::vector<optim::OptimizerParamGroup> groups, LambOptions defaults)
    : optim::Optimizer(std::move(groups), std::make_unique<LambOptions>(defaults)) {}

std::shared_ptr<optim::Optimizer> Lamb::from_config(registry::BuildArgs& args) {
  // Python's Lamb checks none of its arguments.
  LambOptions o(args.get_float("lr", 1e-3));
  o.bias_correction(args.get_bool("bias_correction", true));
  auto betas = engine::read_float_tuple(args, "betas", {0.9, 0.999});
  o.betas(std::make_tuple(betas[0], betas[1]));
  o.eps(args.get_float("eps", 1e-6));
  o.weight_decay(args.get_float("weight_decay", 0.01));
  o.grad_averaging(args.get_bool("grad_averaging", true));
  o.max_grad_norm(args.get_float("max_grad_norm", 1.0));
  o.trust_clip(args.get_bool("trust_clip", false));
  o.always_adapt(args.get_bool("always_adapt", false));
  return std::make_shared<Lamb>(engine::read_param_groups(args, o), o);
}

torch::Tensor Lamb::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  const torch::Device device = param_groups_.at(0).params().at(0).device();
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  torch::Tensor one = torch::tensor(1.0, f32);
  torch::Tensor global_grad_norm = torch::zeros({1}, f32);  // float32 even for float64 grads
  for (auto& group : param_groups_)
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      if (p.grad().is_sparse())
        throw Error("RuntimeError",
                    "Lamb does not support sparse gradients, consider SparseAdam instead.");
      global_grad_norm.add_(p.grad().pow(2).sum());
    }
  global_grad_norm = torch::sqrt(global_grad_norm);
  torch::Tensor max_grad_norm =
      torch::tensor(static_cast<LambOptions&>(*defaults_).max_grad_norm(), f32);
  torch::Tensor clip =
      torch::where(global_grad_norm > max_grad_norm, global_grad_norm / max_grad_norm, one);

  for (auto& group : param_groups_) {
    auto& o = static_cast<LambOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    const double beta3 = o.grad_averaging() ? 1 - beta1 : 1.0;
    o.step(o.has_step() ? o.step() + 1 : 1);
    o.has_step(true);
    double bias_correction1 = 1.0, bias_correction2 = 1.0;
    if (o.bias_correction()) {
      bias_correction1 = 1 - std::pow(beta1, static_cast<double>(o.step()));
      bias_correction2 = 1 - std::pow(beta2, static_cast<double>(o.step()));
    }
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      torch::Tensor grad = p.grad().div_(clip);
      auto& slot = state_[c10::guts::to_string(p.unsafeGetTensorImpl())];
      if (!slot) {
        auto st = std::make_unique<LambParamState>();
        st->exp_avg(torch::zeros_like(p)).exp_avg_sq(torch::zeros_like(p));
        slot = std::move(st);
      }
      auto& st = static_cast<LambParamState&>(*slot);
      st.exp_avg().mul_(beta1).add_(grad, beta3);
      st.exp_avg_sq().mul_(beta2).addcmul_(grad, grad, 1 - beta2);
      torch::Tensor denom = (st.exp_avg_sq().sqrt() / std::sqrt(bias_correction2)).add_(o.eps());
      torch::Tensor update = (st.exp_avg() / bias_correction1).div_(denom);
      if (o.weight_decay() != 0) update.add_(p, o.weight_decay());
      if (o.weight_decay() != 0 || o.always_adapt()) {
        torch::Tensor w_norm = at::linalg_vector_norm(p, 2.0);  // torch.norm in 1.13
        torch::Tensor g_norm = at::linalg_vector_norm(update, 2.0);
        torch::Tensor trust_ratio =
            torch::where(w_norm > 0, torch::where(g_norm > 0, w_norm / g_norm, one), one);
        if (o.trust_clip()) trust_ratio = torch::minimum(trust_ratio, one);
        update.mul_(trust_ratio);
      }
      p.add_(update, -o.lr());
    }
  }
  return loss;
}

engine::NamedBuffers Lamb::export_param_state(const optim::OptimizerParamState& s) const {
  const auto& st = static_cast<const LambParamState&>(s);
  return {{"exp_avg", st.exp_avg()}, {"exp_avg_sq", st.exp_avg_sq()}};
}

std::unique_ptr<optim::OptimizerParamState> Lamb::import_param_state(
    const std::map<std::string, torch::Tensor>& b) const {
  auto st = std::make_unique<LambParamState>();
  st->exp_avg(engine::buffer_or_none(b, "exp_avg"));
  st->exp_avg_sq(engine::buffer_or_none(b, "exp_avg_sq"));
  if (!st->exp_avg().defined() || !st->exp_avg_sq().defined())
    throw Error("KeyError", "Lamb state needs 'exp_avg' and 'exp_avg_sq'");
  return st;
}

MMCPP_REGISTER(pretrain::OPTIMIZERS, Lamb, "dict(type='Lamb', lr=5e-3, weight_decay=0.02)");

}  // namespace mmcpp::pretrain
