// HRFuseScales (mmpretrain/models/necks/hr_fuse.py): fuses HRNet's
// multi-scale outputs into one feature map.
//
// HRFuseScales(in_channels, out_channels=2048,
// norm_cfg=dict(type='BN', momentum=0.1),
// init_cfg=dict(type='Normal', layer='Linear', std=0.01)).
// Submodules as MMPretrain's: increase_layers (ModuleList: per scale a
// one-Bottleneck ResLayer to 128, 256, 512, 1024 channels, default BN),
// downsample_layers (ModuleList of 3x3/2 ConvModule(norm_cfg, bias=False)),
// final_layer (1x1 ConvModule to out_channels). The output is one tensor:
// final_layer(down[i](feat) + increase[i + 1](x[i + 1]) ...).
#pragma once

#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

struct HRFuseScalesOptions {
  std::vector<std::int64_t> in_channels;
  std::int64_t out_channels = 2048;
  config::Value norm_cfg;  // dict(type='BN', momentum=0.1)
  config::Value init_cfg;  // dict(type='Normal', layer='Linear', std=0.01)
  HRFuseScalesOptions();
};

class HRFuseScalesImpl : public engine::BaseModule, public NeckInterface {
 public:
  MMCPP_PYTHON_CLASS("HRFuseScales", "BaseModule")
  explicit HRFuseScalesImpl(HRFuseScalesOptions options);
  // Example: dict(type='HRFuseScales', in_channels=(18, 36, 72, 144)).
  static std::shared_ptr<HRFuseScalesImpl> from_config(registry::BuildArgs& args);
  Feats forward(const Feats& inputs) override;

 private:
  HRFuseScalesOptions options_;
  std::vector<engine::Layer> increase_, downsample_;
  engine::Layer final_layer_;
};
TORCH_MODULE(HRFuseScales);

}  // namespace mmcpp::pretrain
