// SeesawLoss (mmpretrain/models/losses/seesaw_loss.py).
// SeesawLoss(use_sigmoid=False, p=0.8, q=2.0, num_classes=1000, eps=1e-2,
// reduction='mean', loss_weight=1.0). The persistent buffer `cum_samples`
// (num_classes,) counts the samples seen per class (in the state dict).
#pragma once

#include "mmcpp/pretrain/models/losses/base_loss.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

torch::Tensor seesaw_ce_loss(const torch::Tensor& cls_score, const torch::Tensor& labels,
                             const torch::Tensor& weight, const torch::Tensor& cum_samples,
                             std::int64_t num_classes, double p, double q, double eps,
                             const std::string& reduction = "mean",
                             std::optional<double> avg_factor = std::nullopt);

class SeesawLossImpl : public BaseLoss {
 public:
  MMCPP_PYTHON_CLASS("SeesawLoss", "Module")
  SeesawLossImpl(double p = 0.8, double q = 2.0, std::int64_t num_classes = 1000, double eps = 1e-2,
                 std::string reduction = "mean", double loss_weight = 1.0);
  // Example: dict(type='SeesawLoss', num_classes=10).
  static std::shared_ptr<SeesawLossImpl> from_config(registry::BuildArgs& args);
  torch::Tensor forward(
      const torch::Tensor& cls_score, const torch::Tensor& labels,
      const torch::Tensor& weight = torch::Tensor(),
      std::optional<double> avg_factor = std::nullopt,
      const std::optional<std::string>& reduction_override = std::nullopt) override;
  torch::Tensor cum_samples;

 private:
  double p_, q_;
  std::int64_t num_classes_;
  double eps_;
  std::string reduction_;
  double loss_weight_;
};
TORCH_MODULE(SeesawLoss);

}  // namespace mmcpp::pretrain
