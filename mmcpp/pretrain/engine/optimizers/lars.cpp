#include "mmcpp/pretrain/engine/optimizers/lars.h"

#include <c10/util/string_utils.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optimizer_builder.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

namespace optim = torch::optim;
using engine::OptionField;

std::vector<OptionField> LARSOptions::option_fields() {
  return {engine::float_field("lr", lr_),
          engine::float_field("momentum", momentum_),
          engine::float_field("dampening", dampening_),
          engine::float_field("weight_decay", weight_decay_),
          engine::bool_field("nesterov", nesterov_),
          engine::float_field("eta", eta_),
          engine::bool_field("lars_exclude", lars_exclude_, &has_lars_exclude_)};
}

LARS::LARS(std::vector<optim::OptimizerParamGroup> groups, LARSOptions defaults, double eps)
    : optim::Optimizer(std::move(groups), std::make_unique<LARSOptions>(defaults)), eps_(eps) {}

std::shared_ptr<optim::Optimizer> LARS::from_config(registry::BuildArgs& args) {
  if (!args.has("lr"))
    throw Error("TypeError", "LARS.__init__() missing 1 required positional argument: 'lr'");
  config::Value lr = args.value("lr");
  LARSOptions o(args.get_float("lr", 0));
  o.momentum(args.get_float("momentum", 0));
  o.weight_decay(args.get_float("weight_decay", 0));
  o.dampening(args.get_float("dampening", 0));
  o.eta(args.get_float("eta", 0.001));
  o.nesterov(args.get_bool("nesterov", false));
  double eps = args.get_float("eps", 1e-8);
  // Python's check is `not isinstance(lr, float) and lr < 0.0`: a negative
  // float learning rate passes, a negative int does not.
  if (!lr.is_float() && o.lr() < 0)
    throw Error("ValueError", "Invalid learning rate: " + lr.repr());
  engine::check_range(o.momentum() >= 0, "momentum value", o.momentum());
  engine::check_range(o.weight_decay() >= 0, "weight_decay value", o.weight_decay());
  engine::check_range(o.eta() >= 0, "LARS coefficient value", o.eta());
  if (o.nesterov() && (o.momentum() <= 0 || o.dampening() != 0))
    throw Error("ValueError", "Nesterov momentum requires a momentum and zero dampening");
  return std::make_shared<LARS>(engine::read_param_groups(args, o), o, eps);
}

torch::Tensor LARS::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    auto& o = static_cast<LARSOptions&>(group.options());
    const double weight_decay = o.weight_decay(), momentum = o.momentum();
    const bool lars_exclude = o.has_lars_exclude() && o.lars_exclude();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      torch::Tensor d_p = p.grad();
      double local_lr = 1.0;
      if (!lars_exclude) {
        // torch.norm(p).item() in Python: the 2-norm in the tensor's dtype.
        double weight_norm =
            at::linalg_vector_norm(p, 2, c10::nullopt, false, c10::nullopt).item<double>();
        double grad_norm =
            at::linalg_vector_norm(d_p, 2, c10::nullopt, false, c10::nullopt).item<double>();
        if (weight_norm != 0 && grad_norm != 0)
          local_lr = o.eta() * weight_norm / (grad_norm + weight_decay * weight_norm + eps_);
      }
      double actual_lr = local_lr * o.lr();
      d_p = d_p.add(p, weight_decay).mul(actual_lr);
      if (momentum != 0) {
        auto& slot = state_[c10::guts::to_string(p.unsafeGetTensorImpl())];
        torch::Tensor buf;
        if (!slot) {
          buf = torch::clone(d_p).detach();
          auto st = std::make_unique<LARSParamState>();
          st->momentum_buffer(buf);
          slot = std::move(st);
        } else {
          buf = static_cast<LARSParamState&>(*slot).momentum_buffer();
          buf.mul_(momentum).add_(d_p, 1 - o.dampening());
        }
        d_p = o.nesterov() ? d_p.add(buf, momentum) : buf;
      }
      p.add_(-d_p);
    }
  }
  return loss;
}

engine::NamedBuffers LARS::export_param_state(const optim::OptimizerParamState& s) const {
  return {{"momentum_buffer", static_cast<const LARSParamState&>(s).momentum_buffer()}};
}

std::unique_ptr<optim::OptimizerParamState> LARS::import_param_state(
    const std::map<std::string, torch::Tensor>& b) const {
  torch::Tensor buf = engine::buffer_or_none(b, "momentum_buffer");
  if (!buf.defined()) return nullptr;
  auto st = std::make_unique<LARSParamState>();
  st->momentum_buffer(buf);
  return st;
}

MMCPP_REGISTER(pretrain::OPTIMIZERS, LARS,
               "dict(type='LARS', lr=0.3, momentum=0.9, weight_decay=1e-6, eta=0.001)");

}  // namespace mmcpp::pretrain
