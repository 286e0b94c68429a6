// SEResNet (mmpretrain/models/backbones/seresnet.py): ResNet of SEBottleneck
// blocks (a SELayer(out_channels, ratio=se_ratio) after the last norm, no drop
// path). SEResNet(depth in {50, 101, 152}, se_ratio=16, **ResNet kwargs).
#pragma once

#include "mmcpp/pretrain/models/backbones/resnet.h"

namespace mmcpp::pretrain {

class SEResNetImpl : public ResNetImpl {
 public:
  MMCPP_PYTHON_CLASS("SEResNet", "ResNet")
  explicit SEResNetImpl(ResNetOptions options);
  // Example: dict(type='SEResNet', depth=50).
  static std::shared_ptr<SEResNetImpl> from_config(registry::BuildArgs& args);
};
TORCH_MODULE(SEResNet);

}  // namespace mmcpp::pretrain
