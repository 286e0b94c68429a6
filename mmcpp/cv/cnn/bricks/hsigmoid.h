// HSigmoid (mmcv/cnn/bricks/hsigmoid.py): min(max((x + bias) / divisor,
// min_value), max_value), defaults bias=3.0, divisor=6.0, min_value=0.0,
// max_value=1.0 (MMCV >= 1.4.4, as PyTorch's Hardsigmoid). Registered as
// 'HSigmoid'.
#pragma once

#include <torch/nn/module.h>

#include "mmcpp/engine/model/layer.h"
#include "mmcpp/engine/model/python_class.h"

namespace mmcpp::mmcv {

class HSigmoidImpl : public torch::nn::Module,
                     public engine::TensorForward,
                     public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("HSigmoid", "Module")
  HSigmoidImpl(double bias = 3.0, double divisor = 6.0, double min_value = 0.0,
               double max_value = 1.0);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  double bias_, divisor_, min_value_, max_value_;
};
TORCH_MODULE(HSigmoid);

}  // namespace mmcpp::mmcv
