// AsymmetricLoss (mmpretrain/models/losses/asymmetric_loss.py).
// AsymmetricLoss(gamma_pos=0.0, gamma_neg=4.0, clip=0.05, reduction='mean',
// loss_weight=1.0, use_sigmoid=True, eps=1e-8); index labels become one-hot.
#pragma once

#include "mmcpp/pretrain/models/losses/base_loss.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

torch::Tensor asymmetric_loss(const torch::Tensor& pred, const torch::Tensor& target,
                              const torch::Tensor& weight = torch::Tensor(), double gamma_pos = 1.0,
                              double gamma_neg = 4.0, std::optional<double> clip = 0.05,
                              const std::string& reduction = "mean",
                              std::optional<double> avg_factor = std::nullopt,
                              bool use_sigmoid = true, double eps = 1e-8);

struct AsymmetricLossOptions {
  double gamma_pos = 0.0;
  double gamma_neg = 4.0;
  std::optional<double> clip = 0.05;
  std::string reduction = "mean";
  double loss_weight = 1.0;
  bool use_sigmoid = true;
  double eps = 1e-8;
};

class AsymmetricLossImpl : public BaseLoss {
 public:
  MMCPP_PYTHON_CLASS("AsymmetricLoss", "Module")
  explicit AsymmetricLossImpl(AsymmetricLossOptions options = {}) : options_(options) {}
  // Example: dict(type='AsymmetricLoss', gamma_pos=0.0, gamma_neg=4.0, clip=0.05).
  static std::shared_ptr<AsymmetricLossImpl> from_config(registry::BuildArgs& args);
  torch::Tensor forward(
      const torch::Tensor& pred, const torch::Tensor& target,
      const torch::Tensor& weight = torch::Tensor(),
      std::optional<double> avg_factor = std::nullopt,
      const std::optional<std::string>& reduction_override = std::nullopt) override;

 private:
  AsymmetricLossOptions options_;
};
TORCH_MODULE(AsymmetricLoss);

}  // namespace mmcpp::pretrain
