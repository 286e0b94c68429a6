// ResNet_CIFAR (mmpretrain/models/backbones/resnet_cifar.py): ResNet with a
// 3x3 stride-1 stem conv (conv1, bn1, relu) and no max pooling. Same arguments
// as ResNet; deep_stem must stay False.
#pragma once

#include "mmcpp/pretrain/models/backbones/resnet.h"

namespace mmcpp::pretrain {

class ResNet_CIFARImpl : public ResNetImpl {
 public:
  MMCPP_PYTHON_CLASS("ResNet_CIFAR", "ResNet")
  explicit ResNet_CIFARImpl(ResNetOptions options);
  // Example: dict(type='ResNet_CIFAR', depth=18).
  static std::shared_ptr<ResNet_CIFARImpl> from_config(registry::BuildArgs& args);
  Feats forward(const torch::Tensor& x) override;
};
TORCH_MODULE(ResNet_CIFAR);

}  // namespace mmcpp::pretrain
