// Swish (mmcv/cnn/bricks/swish.py): x * sigmoid(x). Registered as 'Swish'.
#pragma once

#include <torch/nn/module.h>

#include "mmcpp/engine/model/layer.h"
#include "mmcpp/engine/model/python_class.h"

namespace mmcpp::mmcv {

class SwishImpl : public torch::nn::Module,
                  public engine::TensorForward,
                  public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("Swish", "Module")
  torch::Tensor forward(const torch::Tensor& x) override { return x * torch::sigmoid(x); }
};
TORCH_MODULE(Swish);

}  // namespace mmcpp::mmcv
