// MobileNetV2 and its InvertedResidual block
// (mmpretrain/models/backbones/mobilenet_v2.py).
//
// MobileNetV2(widen_factor=1., out_indices=(7, ), frozen_stages=-1,
// conv_cfg=None, norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU6'),
// norm_eval=False, with_cp=False,
// init_cfg=[dict(type='Kaiming', layer=['Conv2d']),
//           dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])]).
// arch_settings: (expand_ratio, channels, num_blocks, stride) per layer.
// Submodules: conv1 (ConvModule 3x3 s2), layer1..layer7 (Sequential of
// InvertedResidual: `conv` = Sequential of [1x1 expand ConvModule,] 3x3
// depthwise ConvModule, 1x1 linear ConvModule), conv2 (1x1 ConvModule to
// 1280, or int(1280 * widen_factor) when widen_factor > 1). Out index i is the
// output of layers[i] (layer1..layer7, conv2). Frozen stages are applied in
// train(), as in Python. with_cp is accepted and changes nothing (same
// results; only memory use would differ).
#pragma once

#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

// InvertedResidual(in_channels, out_channels, stride, expand_ratio,
// conv_cfg=None, norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU6'),
// with_cp=False, init_cfg=None) of mobilenet_v2.py.
class MobileNetV2InvertedResidualImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("InvertedResidual", "BaseModule")
  MobileNetV2InvertedResidualImpl(std::int64_t in_channels, std::int64_t out_channels,
                                  std::int64_t stride, double expand_ratio,
                                  const config::Value& conv_cfg, const config::Value& norm_cfg,
                                  const config::Value& act_cfg, bool with_cp = false,
                                  config::Value init_cfg = config::Value());
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  bool use_res_connect_;
  engine::LayerSequential conv_{nullptr};
};
TORCH_MODULE(MobileNetV2InvertedResidual);

struct MobileNetV2Options {
  double widen_factor = 1.;
  std::vector<std::int64_t> out_indices = {7};
  std::int64_t frozen_stages = -1;
  config::Value conv_cfg;
  config::Value norm_cfg;  // dict(type='BN')
  config::Value act_cfg;   // dict(type='ReLU6')
  bool norm_eval = false;
  bool with_cp = false;
  config::Value init_cfg;

  MobileNetV2Options();
};

class MobileNetV2Impl : public BaseBackboneImpl {
 public:
  MMCPP_PYTHON_CLASS("MobileNetV2", "BaseBackbone")
  explicit MobileNetV2Impl(MobileNetV2Options options);
  // Example: dict(type='MobileNetV2', widen_factor=0.5).
  static std::shared_ptr<MobileNetV2Impl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  std::int64_t out_channel() const { return out_channel_; }

 private:
  void freeze_stages();

  MobileNetV2Options options_;
  engine::Layer conv1_;
  std::vector<engine::Layer> layers_;  // layer1..layer7, conv2
  std::int64_t out_channel_ = 1280;
};
TORCH_MODULE(MobileNetV2);

}  // namespace mmcpp::pretrain
