// InvertedResidual (mmpretrain/models/utils/inverted_residual.py): the block
// of MobileNetV3 and EfficientNet.
//
// InvertedResidual(in_channels, out_channels, mid_channels, kernel_size=3,
// stride=1, se_cfg=None, conv_cfg=None, norm_cfg=dict(type='BN'),
// act_cfg=dict(type='ReLU'), drop_path_rate=0., with_cp=False, init_cfg=None).
// Submodules: drop_path (DropPath or Identity), expand_conv (1x1 ConvModule,
// when mid_channels != in_channels), depthwise_conv (k x k, stride, padding
// k // 2, groups mid), se (SELayer(**se_cfg)), linear_conv (1x1 ConvModule,
// no activation). The residual is added when stride == 1 and
// in_channels == out_channels. with_cp is accepted and changes nothing.
#pragma once

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/utils/se_layer.h"

namespace mmcpp::pretrain {

// SELayer(**se_cfg) for an se_cfg dict (channels, squeeze_channels, ratio,
// divisor, bias, conv_cfg, act_cfg, return_weight, init_cfg).
SELayer build_se_layer(const config::Value& se_cfg);

struct InvertedResidualOptions {
  std::int64_t in_channels = 0;
  std::int64_t out_channels = 0;
  std::int64_t mid_channels = 0;
  std::int64_t kernel_size = 3;
  std::int64_t stride = 1;
  config::Value se_cfg;
  config::Value conv_cfg;
  config::Value norm_cfg;  // dict(type='BN')
  config::Value act_cfg;   // dict(type='ReLU')
  double drop_path_rate = 0.;
  bool with_cp = false;
  config::Value init_cfg;

  InvertedResidualOptions();
};

class InvertedResidualImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("InvertedResidual", "BaseModule")
  explicit InvertedResidualImpl(InvertedResidualOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  bool with_res_shortcut_;
  engine::Layer drop_path_;
  mmcv::ConvModule expand_conv_{nullptr}, depthwise_conv_{nullptr}, linear_conv_{nullptr};
  SELayer se_{nullptr};
};
TORCH_MODULE(InvertedResidual);

}  // namespace mmcpp::pretrain
