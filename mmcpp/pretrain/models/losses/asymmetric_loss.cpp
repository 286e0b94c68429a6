#include "mmcpp/pretrain/models/losses/asymmetric_loss.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/losses/utils.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

torch::Tensor asymmetric_loss(const torch::Tensor& pred, const torch::Tensor& target_in,
                              const torch::Tensor& weight, double gamma_pos, double gamma_neg,
                              std::optional<double> clip, const std::string& reduction,
                              std::optional<double> avg_factor, bool use_sigmoid, double eps) {
  if (pred.sizes() != target_in.sizes())
    throw Error("AssertionError", "pred and target should be in the same shape.");
  torch::Tensor p = use_sigmoid ? pred.sigmoid() : torch::softmax(pred, -1);
  torch::Tensor target = target_in.to(pred.scalar_type());
  torch::Tensor pt;
  if (clip && *clip > 0)
    pt = (1 - p + *clip).clamp_max(1) * (1 - target) + p * target;
  else
    pt = (1 - p) * (1 - target) + p * target;
  torch::Tensor asymmetric_weight = (1 - pt).pow(gamma_pos * target + gamma_neg * (1 - target));
  torch::Tensor loss = -torch::log(pt.clamp_min(eps)) * asymmetric_weight;
  torch::Tensor w = weight;
  if (w.defined()) {
    if (w.dim() != 1) throw Error("AssertionError", "asymmetric_loss: weight must be 1-D");
    w = w.to(torch::kFloat);
    if (pred.dim() > 1) w = w.reshape({-1, 1});
  }
  return weight_reduce_loss(loss, w, reduction, avg_factor);
}

torch::Tensor AsymmetricLossImpl::forward(const torch::Tensor& pred, const torch::Tensor& target,
                                          const torch::Tensor& weight,
                                          std::optional<double> avg_factor,
                                          const std::optional<std::string>& reduction_override) {
  const std::string reduction = resolve_reduction(reduction_override, options_.reduction);
  torch::Tensor t = target;
  if (t.dim() == 1 || (t.dim() == 2 && t.size(1) == 1))
    t = convert_to_one_hot(t.view({-1, 1}), pred.size(-1));
  return options_.loss_weight * asymmetric_loss(pred, t, weight, options_.gamma_pos,
                                                options_.gamma_neg, options_.clip, reduction,
                                                avg_factor, options_.use_sigmoid, options_.eps);
}

std::shared_ptr<AsymmetricLossImpl> AsymmetricLossImpl::from_config(registry::BuildArgs& args) {
  AsymmetricLossOptions o;
  o.gamma_pos = args.get_float("gamma_pos", 0.0);
  o.gamma_neg = args.get_float("gamma_neg", 4.0);
  o.clip = args.has("clip") ? args.get_opt_float("clip") : std::optional<double>(0.05);
  o.reduction = args.get_str("reduction", "mean");
  o.loss_weight = args.get_float("loss_weight", 1.0);
  o.use_sigmoid = args.get_bool("use_sigmoid", true);
  o.eps = args.get_float("eps", 1e-8);
  return std::make_shared<AsymmetricLossImpl>(o);
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::AsymmetricLossImpl, "AsymmetricLoss",
                  "dict(type='AsymmetricLoss', gamma_pos=0.0, gamma_neg=4.0, clip=0.05)");
