// 'HSwish' (mmcv/cnn/bricks/hswish.py): on PyTorch >= 1.7 MMCV registers
// torch.nn.Hardswish(inplace=False) under this name, so the Python class is
// Hardswish: x * ReLU6(x + 3) / 6.
#pragma once

#include <torch/nn/module.h>

#include "mmcpp/engine/model/layer.h"
#include "mmcpp/engine/model/python_class.h"

namespace mmcpp::mmcv {

class HSwishImpl : public torch::nn::Module,
                   public engine::TensorForward,
                   public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("Hardswish", "Module")
  explicit HSwishImpl(bool inplace = false) : inplace_(inplace) {}
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  bool inplace_;
};
TORCH_MODULE(HSwish);

}  // namespace mmcpp::mmcv
