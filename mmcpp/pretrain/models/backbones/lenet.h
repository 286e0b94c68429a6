// LeNet5 (mmpretrain/models/backbones/lenet.py): 32x32 grey images.
// LeNet5(num_classes=-1): `features` = Conv2d(1, 6, 5), Tanh, AvgPool2d(2),
// Conv2d(6, 16, 5), Tanh, AvgPool2d(2), Conv2d(16, 120, 5), Tanh; with
// num_classes > 0 also `classifier` = Linear(120, 84), Tanh,
// Linear(84, num_classes) on x.squeeze() (so a batch of one loses its batch
// dimension, as in MMPretrain). Returns a 1-tuple.
#pragma once

#include <torch/nn/modules/container/sequential.h>

#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class LeNet5Impl : public BaseBackboneImpl {
 public:
  MMCPP_PYTHON_CLASS("LeNet5", "BaseBackbone")
  explicit LeNet5Impl(std::int64_t num_classes = -1);
  // Example: dict(type='LeNet5', num_classes=10).
  static std::shared_ptr<LeNet5Impl> from_config(registry::BuildArgs& args);
  Feats forward(const torch::Tensor& x) override;

 private:
  std::int64_t num_classes_;
  torch::nn::Sequential features_{nullptr}, classifier_{nullptr};
};
TORCH_MODULE(LeNet5);

}  // namespace mmcpp::pretrain
