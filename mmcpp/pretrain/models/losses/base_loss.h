// The interface of MMPretrain's classification losses (C++ only): every loss
// is an nn.Module called as loss(cls_score, label, weight=None,
// avg_factor=None, reduction_override=None); heads pass avg_factor =
// batch size. `label` holds class indices (N,) or scores (N, C).
#pragma once

#include <torch/nn/module.h>

#include <optional>
#include <string>

#include "mmcpp/engine/model/python_class.h"

namespace mmcpp::pretrain {

class BaseLoss : public torch::nn::Module, public engine::DeclaresPythonClass {
 public:
  virtual torch::Tensor forward(
      const torch::Tensor& cls_score, const torch::Tensor& label,
      const torch::Tensor& weight = torch::Tensor(),
      std::optional<double> avg_factor = std::nullopt,
      const std::optional<std::string>& reduction_override = std::nullopt) = 0;
};

}  // namespace mmcpp::pretrain
