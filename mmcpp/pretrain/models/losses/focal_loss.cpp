#include "mmcpp/pretrain/models/losses/focal_loss.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/losses/utils.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

torch::Tensor sigmoid_focal_loss(const torch::Tensor& pred, const torch::Tensor& target_in,
                                 const torch::Tensor& weight, double gamma, double alpha,
                                 const std::string& reduction, std::optional<double> avg_factor) {
  if (pred.sizes() != target_in.sizes())
    throw Error("AssertionError", "pred and target should be in the same shape.");
  torch::Tensor pred_sigmoid = pred.sigmoid();
  torch::Tensor target = target_in.to(pred.scalar_type());
  torch::Tensor pt = (1 - pred_sigmoid) * target + pred_sigmoid * (1 - target);
  torch::Tensor focal_weight = (alpha * target + (1 - alpha) * (1 - target)) * pt.pow(gamma);
  torch::Tensor loss =
      torch::binary_cross_entropy_with_logits(pred, target, {}, {}, at::Reduction::None) *
      focal_weight;
  torch::Tensor w = weight;
  if (w.defined()) {
    if (w.dim() != 1) throw Error("AssertionError", "sigmoid_focal_loss: weight must be 1-D");
    w = w.to(torch::kFloat);
    if (pred.dim() > 1) w = w.reshape({-1, 1});
  }
  return weight_reduce_loss(loss, w, reduction, avg_factor);
}

FocalLossImpl::FocalLossImpl(double gamma, double alpha, std::string reduction, double loss_weight)
    : gamma_(gamma), alpha_(alpha), reduction_(std::move(reduction)), loss_weight_(loss_weight) {}

torch::Tensor FocalLossImpl::forward(const torch::Tensor& pred, const torch::Tensor& target,
                                     const torch::Tensor& weight, std::optional<double> avg_factor,
                                     const std::optional<std::string>& reduction_override) {
  const std::string reduction = resolve_reduction(reduction_override, reduction_);
  torch::Tensor t = target;
  if (t.dim() == 1 || (t.dim() == 2 && t.size(1) == 1))
    t = convert_to_one_hot(t.view({-1, 1}), pred.size(-1));
  return loss_weight_ * sigmoid_focal_loss(pred, t, weight, gamma_, alpha_, reduction, avg_factor);
}

std::shared_ptr<FocalLossImpl> FocalLossImpl::from_config(registry::BuildArgs& args) {
  return std::make_shared<FocalLossImpl>(
      args.get_float("gamma", 2.0), args.get_float("alpha", 0.25),
      args.get_str("reduction", "mean"), args.get_float("loss_weight", 1.0));
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::FocalLossImpl, "FocalLoss",
                  "dict(type='FocalLoss', gamma=2.0, alpha=0.25)");
