// FocalLoss (mmpretrain/models/losses/focal_loss.py): sigmoid focal loss.
// FocalLoss(gamma=2.0, alpha=0.25, reduction='mean', loss_weight=1.0);
// index labels become one-hot over pred's last dimension.
#pragma once

#include "mmcpp/pretrain/models/losses/base_loss.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

torch::Tensor sigmoid_focal_loss(const torch::Tensor& pred, const torch::Tensor& target,
                                 const torch::Tensor& weight = torch::Tensor(), double gamma = 2.0,
                                 double alpha = 0.25, const std::string& reduction = "mean",
                                 std::optional<double> avg_factor = std::nullopt);

class FocalLossImpl : public BaseLoss {
 public:
  MMCPP_PYTHON_CLASS("FocalLoss", "Module")
  FocalLossImpl(double gamma = 2.0, double alpha = 0.25, std::string reduction = "mean",
                double loss_weight = 1.0);
  // Example: dict(type='FocalLoss', gamma=2.0, alpha=0.25).
  static std::shared_ptr<FocalLossImpl> from_config(registry::BuildArgs& args);
  torch::Tensor forward(
      const torch::Tensor& pred, const torch::Tensor& target,
      const torch::Tensor& weight = torch::Tensor(),
      std::optional<double> avg_factor = std::nullopt,
      const std::optional<std::string>& reduction_override = std::nullopt) override;

 private:
  double gamma_, alpha_;
  std::string reduction_;
  double loss_weight_;
};
TORCH_MODULE(FocalLoss);

}  // namespace mmcpp::pretrain
