#include "mmcpp/pretrain/engine/optimizers/adan_t.h"

#include <ATen/ops/_foreach_add.h>
#include <ATen/ops/_foreach_addcmul.h>
#include <ATen/ops/_foreach_div.h>
#include <ATen/ops/_foreach_mul.h>
#include <ATen/ops/_foreach_sqrt.h>
#include <ATen/ops/_foreach_sub.h>
#include <c10/util/string_utils.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <variant>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optimizer_builder.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

namespace optim = torch::optim;
using engine::OptionField;

std::vector<OptionField> AdanOptions::option_fields() {
  return {engine::float_field("lr", lr_),
          engine::tuple_field("betas",
                              {&std::get<0>(betas_), &std::get<1>(betas_), &std::get<2>(betas_)}),
          engine::float_field("eps", eps_),
          engine::float_field("weight_decay", weight_decay_),
          engine::float_field("max_grad_norm", max_grad_norm_),
          engine::bool_field("no_prox", no_prox_),
          engine::bool_field("foreach", foreach_),
          engine::int_field("step", step_, &has_step_)};
}

Adan::Adan(std::vector<optim::OptimizerParamGroup> groups, AdanOptions defaults)
    : optim::Optimizer(std::move(groups), std::make_unique<AdanOptions>(defaults)) {}

std::shared_ptr<optim::Optimizer> Adan::from_config(registry::BuildArgs& args) {
  AdanOptions o(args.get_float("lr", 1e-3));
  auto betas = engine::read_float_tuple(args, "betas", {0.98, 0.92, 0.99});
  o.betas(std::make_tuple(betas[0], betas[1], betas[2]));
  o.eps(args.get_float("eps", 1e-8));
  o.weight_decay(args.get_float("weight_decay", 0.0));
  o.max_grad_norm(args.get_float("max_grad_norm", 0.0));
  o.no_prox(args.get_bool("no_prox", false));
  o.foreach (args.get_bool("foreach", true));
  engine::check_range(o.max_grad_norm() >= 0, "Max grad norm", o.max_grad_norm());
  engine::check_range(o.lr() >= 0, "learning rate", o.lr());
  engine::check_range(o.eps() >= 0, "epsilon value", o.eps());
  for (int i = 0; i < 3; ++i)
    engine::check_range(betas[i] >= 0 && betas[i] < 1,
                        "beta parameter at index " + std::to_string(i), betas[i]);
  return std::make_shared<Adan>(engine::read_param_groups(args, o), o);
}

namespace {

struct AdanStep {
  double beta1, beta2, beta3, bias_correction1, bias_correction2, bias_correction3_sqrt, lr,
      weight_decay, eps;
  bool no_prox;
  // Python's clip_global_grad_norm: the float 1.0 without max_grad_norm, else a
  // float32 tensor of shape [1].
  torch::Tensor clip;
};

std::vector<torch::Tensor> single_tensor_adan(std::vector<torch::Tensor>& params,
                                              std::vector<torch::Tensor>& grads,
                                              std::vector<AdanParamState*>& states,
                                              const AdanStep& s) {
  std::vector<torch::Tensor> copy_grads;
  for (std::size_t i = 0; i < params.size(); ++i) {
    torch::Tensor& param = params[i];
    AdanParamState& st = *states[i];
    torch::Tensor grad = s.clip.defined() ? grads[i].mul_(s.clip) : grads[i].mul_(1.0);
    copy_grads.push_back(grad.clone());
    torch::Tensor diff = grad - st.pre_grad();
    torch::Tensor update = grad + s.beta2 * diff;
    st.exp_avg().mul_(s.beta1).add_(grad, 1 - s.beta1);
    st.exp_avg_diff().mul_(s.beta2).add_(diff, 1 - s.beta2);
    st.exp_avg_sq().mul_(s.beta3).addcmul_(update, update, 1 - s.beta3);
    torch::Tensor denom = (st.exp_avg_sq().sqrt() / s.bias_correction3_sqrt).add_(s.eps);
    update = st.exp_avg() / s.bias_correction1;
    update.add_(s.beta2 * st.exp_avg_diff() / s.bias_correction2).div_(denom);
    if (s.no_prox) {
      param.mul_(1 - s.lr * s.weight_decay);
      param.add_(update, -s.lr);
    } else {
      param.add_(update, -s.lr);
      param.div_(1 + s.lr * s.weight_decay);
    }
  }
  return copy_grads;
}

std::vector<torch::Tensor> multi_tensor_adan(std::vector<torch::Tensor>& params,
                                             std::vector<torch::Tensor>& grads,
                                             std::vector<AdanParamState*>& states,
                                             const AdanStep& s) {
  std::vector<torch::Tensor> exp_avgs, exp_avg_sqs, exp_avg_diffs, pre_grads;
  for (auto* st : states) {
    exp_avgs.push_back(st->exp_avg());
    exp_avg_sqs.push_back(st->exp_avg_sq());
    exp_avg_diffs.push_back(st->exp_avg_diff());
    pre_grads.push_back(st->pre_grad());
  }
  if (s.clip.defined() && (s.clip < 1.0).item<bool>())
    at::_foreach_mul_(grads, s.clip.item<double>());
  std::vector<torch::Tensor> copy_grads;
  for (auto& g : grads) copy_grads.push_back(g.clone());
  auto diff = at::_foreach_sub(grads, pre_grads);
  auto update = at::_foreach_add(grads, diff, s.beta2);
  at::_foreach_mul_(exp_avgs, s.beta1);
  at::_foreach_add_(exp_avgs, grads, 1 - s.beta1);
  at::_foreach_mul_(exp_avg_diffs, s.beta2);
  at::_foreach_add_(exp_avg_diffs, diff, 1 - s.beta2);
  at::_foreach_mul_(exp_avg_sqs, s.beta3);
  at::_foreach_addcmul_(exp_avg_sqs, update, update, 1 - s.beta3);
  auto denom = at::_foreach_sqrt(exp_avg_sqs);
  at::_foreach_div_(denom, s.bias_correction3_sqrt);
  at::_foreach_add_(denom, s.eps);
  update = at::_foreach_div(exp_avgs, s.bias_correction1);
  at::_foreach_add_(update, at::_foreach_mul(exp_avg_diffs, s.beta2 / s.bias_correction2));
  at::_foreach_div_(update, denom);
  if (s.no_prox) {
    at::_foreach_mul_(params, 1 - s.lr * s.weight_decay);  // (Python applies no update here)
  } else {
    at::_foreach_add_(params, update, -s.lr);
    at::_foreach_div_(params, 1 + s.lr * s.weight_decay);
  }
  return copy_grads;
}

}  // namespace

torch::Tensor Adan::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  torch::Tensor clip;
  const double max_norm = static_cast<AdanOptions&>(*defaults_).max_grad_norm();
  if (max_norm > 0) {
    const auto f32 = torch::TensorOptions()
                         .dtype(torch::kFloat32)
                         .device(param_groups_.at(0).params().at(0).device());
    torch::Tensor global_grad_norm = torch::zeros({1}, f32);  // float32 even for float64 grads
    torch::Tensor max_grad_norm = torch::tensor(max_norm, f32);
    for (auto& group : param_groups_)
      for (auto& p : group.params())
        if (p.grad().defined()) global_grad_norm.add_(p.grad().pow(2).sum());
    // Python adds the eps of the last group (its loop variable).
    double eps = static_cast<AdanOptions&>(param_groups_.back().options()).eps();
    global_grad_norm = torch::sqrt(global_grad_norm) + eps;
    clip = torch::clamp(max_grad_norm / global_grad_norm, c10::nullopt, 1.0);
  }

  for (auto& group : param_groups_) {
    auto& o = static_cast<AdanOptions&>(group.options());
    const auto [beta1, beta2, beta3] = o.betas();
    o.step(o.has_step() ? o.step() + 1 : 1);
    o.has_step(true);
    const double step = static_cast<double>(o.step());
    AdanStep s{beta1,
               beta2,
               beta3,
               1.0 - std::pow(beta1, step),
               1.0 - std::pow(beta2, step),
               std::sqrt(1.0 - std::pow(beta3, step)),
               o.lr(),
               o.weight_decay(),
               o.eps(),
               o.no_prox(),
               clip};
    std::vector<torch::Tensor> params, grads;
    std::vector<AdanParamState*> states;
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      params.push_back(p);
      grads.push_back(p.grad());
      auto& slot = state_[c10::guts::to_string(p.unsafeGetTensorImpl())];
      if (!slot) {
        auto st = std::make_unique<AdanParamState>();
        st->exp_avg(torch::zeros_like(p)).exp_avg_sq(torch::zeros_like(p));
        st->exp_avg_diff(torch::zeros_like(p));
        slot = std::move(st);
      }
      auto* st = static_cast<AdanParamState*>(slot.get());
      // Python aliases the gradient itself on the first step (diff is then 0).
      if (!st->pre_grad().defined() || o.step() == 1) st->pre_grad(p.grad());
      states.push_back(st);
    }
    auto copy_grads = o.foreach () ? multi_tensor_adan(params, grads, states, s)
                                   : single_tensor_adan(params, grads, states, s);
    for (std::size_t i = 0; i < states.size(); ++i) states[i]->pre_grad(copy_grads[i]);
  }
  return loss;
}

void Adan::restart_opt() {
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    auto& o = static_cast<AdanOptions&>(group.options());
    o.step(0);
    o.has_step(true);
    for (auto& p : group.params()) {
      if (!p.requires_grad()) continue;
      auto& slot = state_[c10::guts::to_string(p.unsafeGetTensorImpl())];
      if (!slot) slot = std::make_unique<AdanParamState>();
      auto& st = static_cast<AdanParamState&>(*slot);
      st.exp_avg(torch::zeros_like(p)).exp_avg_sq(torch::zeros_like(p));
      st.exp_avg_diff(torch::zeros_like(p));
    }
  }
}

engine::NamedBuffers Adan::export_param_state(const optim::OptimizerParamState& s) const {
  const auto& st = static_cast<const AdanParamState&>(s);
  engine::NamedBuffers out = {{"exp_avg", st.exp_avg()},
                              {"exp_avg_sq", st.exp_avg_sq()},
                              {"exp_avg_diff", st.exp_avg_diff()}};
  if (st.pre_grad().defined()) out.emplace_back("pre_grad", st.pre_grad());
  return out;
}

std::unique_ptr<optim::OptimizerParamState> Adan::import_param_state(
    const std::map<std::string, torch::Tensor>& b) const {
  auto st = std::make_unique<AdanParamState>();
  st->exp_avg(engine::buffer_or_none(b, "exp_avg"));
  st->exp_avg_sq(engine::buffer_or_none(b, "exp_avg_sq"));
  st->exp_avg_diff(engine::buffer_or_none(b, "exp_avg_diff"));
  st->pre_grad(engine::buffer_or_none(b, "pre_grad"));
  if (!st->exp_avg().defined() || !st->exp_avg_sq().defined() || !st->exp_avg_diff().defined())
    throw Error("KeyError", "Adan state needs 'exp_avg', 'exp_avg_sq' and 'exp_avg_diff'");
  return st;
}

MMCPP_REGISTER(pretrain::OPTIMIZERS, Adan,
               "dict(type='Adan', lr=1e-3, weight_decay=0.02, foreach=True)");

}  // namespace mmcpp::pretrain
