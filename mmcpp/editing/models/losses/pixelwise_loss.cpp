#include "mmcpp/editing/models/losses/pixelwise_loss.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

PixelLoss::PixelLoss(double loss_weight, std::string reduction, bool sample_wise)
    : loss_weight_(loss_weight), reduction_(std::move(reduction)), sample_wise_(sample_wise) {
  if (reduction_ != "none" && reduction_ != "mean" && reduction_ != "sum")
    throw Error("ValueError", "Unsupported reduction mode: " + reduction_ +
                                  ". Supported ones are: ['none', 'mean', 'sum']");
}

torch::Tensor PixelLoss::forward(const torch::Tensor& pred, const torch::Tensor& target,
                                 const torch::Tensor& weight_in) {
  torch::Tensor loss = elementwise(pred, target);
  torch::Tensor weight = weight_in;
  if (weight.defined()) {
    if (weight.dim() != loss.dim())
      throw Error("AssertionError", "the loss weight must have the loss's dimensions");
    if (weight.size(1) != 1 && weight.size(1) != loss.size(1))
      throw Error("AssertionError", "the loss weight must have 1 or C channels");
    loss = loss * weight;
  }
  if (!weight.defined() || reduction_ == "sum") {
    if (reduction_ == "mean")
      loss = loss.mean();
    else if (reduction_ == "sum")
      loss = loss.sum();
  } else if (reduction_ == "mean") {
    if (weight.size(1) == 1) weight = weight.expand_as(loss);
    const double eps = 1e-12;
    if (sample_wise_) {
      torch::Tensor w = weight.sum({1, 2, 3}, /*keepdim=*/true);
      loss = (loss / (w + eps)).sum() / weight.size(0);
    } else {
      loss = loss.sum() / (weight.sum() + eps);
    }
  }
  return loss_weight_ * loss;
}

torch::Tensor L1Loss::elementwise(const torch::Tensor& pred, const torch::Tensor& target) {
  return torch::l1_loss(pred, target, at::Reduction::None);
}

torch::Tensor MSELoss::elementwise(const torch::Tensor& pred, const torch::Tensor& target) {
  return torch::mse_loss(pred, target, at::Reduction::None);
}

CharbonnierLoss::CharbonnierLoss(double loss_weight, std::string reduction, bool sample_wise,
                                 double eps)
    : PixelLoss(loss_weight, std::move(reduction), sample_wise), eps_(eps) {}

torch::Tensor CharbonnierLoss::elementwise(const torch::Tensor& pred, const torch::Tensor& target) {
  return torch::sqrt((pred - target).pow(2) + eps_);
}

namespace {
template <class T>
std::shared_ptr<T> build_pixel_loss(registry::BuildArgs& args) {
  double w = args.get_float("loss_weight", 1.0);
  std::string r = args.get_str("reduction", "mean");
  bool s = args.get_bool("sample_wise", false);
  return std::make_shared<T>(w, r, s);
}
}  // namespace

std::shared_ptr<L1Loss> L1Loss::from_config(registry::BuildArgs& args) {
  return build_pixel_loss<L1Loss>(args);
}
std::shared_ptr<MSELoss> MSELoss::from_config(registry::BuildArgs& args) {
  return build_pixel_loss<MSELoss>(args);
}
std::shared_ptr<CharbonnierLoss> CharbonnierLoss::from_config(registry::BuildArgs& args) {
  double w = args.get_float("loss_weight", 1.0);
  std::string r = args.get_str("reduction", "mean");
  bool s = args.get_bool("sample_wise", false);
  double eps = args.get_float("eps", 1e-12);
  return std::make_shared<CharbonnierLoss>(w, r, s, eps);
}

MMCPP_REGISTER(MODELS, L1Loss, "dict(type='L1Loss', loss_weight=1.0, reduction='mean')");
MMCPP_REGISTER(MODELS, MSELoss, "dict(type='MSELoss')");
MMCPP_REGISTER(MODELS, CharbonnierLoss, "dict(type='CharbonnierLoss', eps=1e-12)");

}  // namespace mmcpp::editing
