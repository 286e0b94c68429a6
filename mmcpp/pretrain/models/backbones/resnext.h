// ResNeXt (mmpretrain/models/backbones/resnext.py): ResNet whose Bottleneck
// conv2 is a grouped conv of groups * width_per_group * mid / base_channels
// channels. ResNeXt(depth in {50, 101, 152}, groups=32, width_per_group=4,
// **ResNet kwargs).
#pragma once

#include "mmcpp/pretrain/models/backbones/resnet.h"

namespace mmcpp::pretrain {

// arch_settings of ResNeXt, SEResNet and SEResNeXt: 50, 101, 152.
const std::map<std::int64_t, ResNetArch>& bottleneck_arch_settings();

class ResNeXtImpl : public ResNetImpl {
 public:
  MMCPP_PYTHON_CLASS("ResNeXt", "ResNet")
  explicit ResNeXtImpl(ResNetOptions options);
  // Example: dict(type='ResNeXt', depth=50, groups=32, width_per_group=4).
  static std::shared_ptr<ResNeXtImpl> from_config(registry::BuildArgs& args);
};
TORCH_MODULE(ResNeXt);

}  // namespace mmcpp::pretrain
