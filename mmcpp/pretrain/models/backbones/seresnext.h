// SEResNeXt (mmpretrain/models/backbones/seresnext.py): SEResNet with ResNeXt's
// grouped conv2. SEResNeXt(depth in {50, 101, 152}, groups=32,
// width_per_group=4, se_ratio=16, **ResNet kwargs).
#pragma once

#include "mmcpp/pretrain/models/backbones/resnet.h"

namespace mmcpp::pretrain {

class SEResNeXtImpl : public ResNetImpl {
 public:
  MMCPP_PYTHON_CLASS("SEResNeXt", "SEResNet")
  explicit SEResNeXtImpl(ResNetOptions options);
  // Example: dict(type='SEResNeXt', depth=50, groups=32, width_per_group=4).
  static std::shared_ptr<SEResNeXtImpl> from_config(registry::BuildArgs& args);
};
TORCH_MODULE(SEResNeXt);

}  // namespace mmcpp::pretrain
