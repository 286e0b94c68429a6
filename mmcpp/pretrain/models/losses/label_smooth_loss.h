// LabelSmoothLoss (mmpretrain/models/losses/label_smooth_loss.py).
//
// LabelSmoothLoss(label_smooth_val, num_classes=None, use_sigmoid=None,
// mode='original', reduction='mean', loss_weight=1.0, class_weight=None,
// pos_weight=None). Labels (indices (N,) / (N, 1), or one-hot-like scores
// from Mixup/CutMix) become smoothed scores:
//   original       (1 - e) * y + e / K
//   classy_vision  same with e = val / (1 + val)
//   multi_label    e where y == 0, 1 - e where y > 0
// then go to the child `ce`: CrossEntropyLoss(use_sigmoid, use_soft=not
// use_sigmoid, reduction, class_weight, pos_weight) (use_sigmoid defaults to
// True only for multi_label). num_classes is taken from the first scores seen
// when not given. label_smooth_val must be a float in [0, 1).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mmcpp/pretrain/models/losses/cross_entropy_loss.h"

namespace mmcpp::pretrain {

struct LabelSmoothLossOptions {
  double label_smooth_val = 0;
  std::optional<std::int64_t> num_classes;
  std::optional<bool> use_sigmoid;
  std::string mode = "original";
  std::string reduction = "mean";
  double loss_weight = 1.0;
  std::optional<std::vector<double>> class_weight;
  std::optional<std::vector<double>> pos_weight;
};

class LabelSmoothLossImpl : public BaseLoss {
 public:
  MMCPP_PYTHON_CLASS("LabelSmoothLoss", "Module")
  explicit LabelSmoothLossImpl(LabelSmoothLossOptions options);
  // Example: dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original').
  static std::shared_ptr<LabelSmoothLossImpl> from_config(registry::BuildArgs& args);
  torch::Tensor forward(
      const torch::Tensor& cls_score, const torch::Tensor& label,
      const torch::Tensor& weight = torch::Tensor(),
      std::optional<double> avg_factor = std::nullopt,
      const std::optional<std::string>& reduction_override = std::nullopt) override;

  torch::Tensor generate_one_hot_like_label(const torch::Tensor& label) const;
  torch::Tensor smooth_label(const torch::Tensor& one_hot_like_label) const;
  std::optional<std::int64_t> num_classes() const { return num_classes_; }

 private:
  LabelSmoothLossOptions options_;
  std::optional<std::int64_t> num_classes_;
  double eps_;
  CrossEntropyLoss ce_{nullptr};
};
TORCH_MODULE(LabelSmoothLoss);

}  // namespace mmcpp::pretrain
