// CrossEntropyLoss (mmpretrain/models/losses/cross_entropy_loss.py).
//
// CrossEntropyLoss(use_sigmoid=False, use_soft=False, reduction='mean',
// loss_weight=1.0, class_weight=None, pos_weight=None):
//   default   F.cross_entropy(pred, label, weight=class_weight) per sample
//             (labels may be indices or class probabilities);
//   use_soft  -label * log_softmax(pred) (x class_weight) summed over classes;
//   use_sigmoid  BCE-with-logits (class_weight repeated per sample,
//             pos_weight), for multi-label scores;
// then sample weights and reduction (avg_factor: sum / avg_factor), times
// loss_weight. use_sigmoid and use_soft together are an AssertionError.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mmcpp/pretrain/models/losses/base_loss.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

torch::Tensor cross_entropy(const torch::Tensor& pred, const torch::Tensor& label,
                            const torch::Tensor& weight, const std::string& reduction,
                            std::optional<double> avg_factor, const torch::Tensor& class_weight);
torch::Tensor soft_cross_entropy(const torch::Tensor& pred, const torch::Tensor& label,
                                 const torch::Tensor& weight, const std::string& reduction,
                                 const torch::Tensor& class_weight,
                                 std::optional<double> avg_factor);
torch::Tensor binary_cross_entropy(const torch::Tensor& pred, const torch::Tensor& label,
                                   const torch::Tensor& weight, const std::string& reduction,
                                   std::optional<double> avg_factor,
                                   const torch::Tensor& class_weight,
                                   const torch::Tensor& pos_weight);

struct CrossEntropyLossOptions {
  bool use_sigmoid = false;
  bool use_soft = false;
  std::string reduction = "mean";
  double loss_weight = 1.0;
  std::optional<std::vector<double>> class_weight;
  std::optional<std::vector<double>> pos_weight;
};

class CrossEntropyLossImpl : public BaseLoss {
 public:
  MMCPP_PYTHON_CLASS("CrossEntropyLoss", "Module")
  explicit CrossEntropyLossImpl(CrossEntropyLossOptions options = {});
  // Example: dict(type='CrossEntropyLoss', loss_weight=1.0).
  static std::shared_ptr<CrossEntropyLossImpl> from_config(registry::BuildArgs& args);
  torch::Tensor forward(
      const torch::Tensor& cls_score, const torch::Tensor& label,
      const torch::Tensor& weight = torch::Tensor(),
      std::optional<double> avg_factor = std::nullopt,
      const std::optional<std::string>& reduction_override = std::nullopt) override;
  const CrossEntropyLossOptions& options() const { return options_; }

 private:
  CrossEntropyLossOptions options_;
};
TORCH_MODULE(CrossEntropyLoss);

// class_weight / pos_weight: a list of numbers or None.
std::optional<std::vector<double>> optional_float_list(registry::BuildArgs& args,
                                                       const std::string& key);

}  // namespace mmcpp::pretrain
