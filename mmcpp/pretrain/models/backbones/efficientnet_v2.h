// EfficientNetV2 and EnhancedConvModule
// (mmpretrain/models/backbones/efficientnet_v2.py).
//
// EfficientNetV2(arch='s', in_channels=3, drop_path_rate=0., out_indices=(-1, ),
// frozen_stages=0, conv_cfg=dict(type='Conv2dAdaptivePadding'),
// norm_cfg=dict(type='BN', eps=1e-3, momentum=0.1), act_cfg=dict(type='Swish'),
// norm_eval=False, with_cp=False,
// init_cfg=[dict(type='Kaiming', layer='Conv2d'),
//           dict(type='Constant', layer=['_BatchNorm', 'GroupNorm'], val=1)]).
// arch: small/s, m/medium, l/large, xl, b0, b1, b2, b3 (rows: repeat, kernel,
// stride, expand ratio, in, out, se ratio, block type: -1 EnhancedConvModule,
// 0 FusedMBConv (EdgeResidual), 1 MBConv (InvertedResidual), -2 the final
// 1x1 ConvModule). MBConv/FusedMBConv get conv_cfg only when their stride is
// 2; SE ratio expand / se_ratio, divisor 1, (act_cfg, Sigmoid). Negative
// out_indices count from len(layers). Submodules: layers (ModuleList: stem
// ConvModule 3x3 s2, one Sequential per row, final ConvModule). with_cp is
// accepted and changes nothing.
#pragma once

#include <torch/nn/modules/container/modulelist.h>

#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/cv/cnn/bricks/conv_module.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

// ConvModule with an optional residual (has_skip) through DropPath.
class EnhancedConvModuleImpl : public mmcv::ConvModuleImpl {
 public:
  MMCPP_PYTHON_CLASS("EnhancedConvModule", "ConvModule")
  EnhancedConvModuleImpl(mmcv::ConvModuleOptions options, bool has_skip, double drop_path_rate);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  bool has_skip_;
  engine::Layer drop_path_;
};
TORCH_MODULE(EnhancedConvModule);

struct EfficientNetV2Options {
  std::string arch = "s";
  std::int64_t in_channels = 3;
  double drop_path_rate = 0.;
  std::vector<std::int64_t> out_indices = {-1};
  std::int64_t frozen_stages = 0;
  config::Value conv_cfg;  // dict(type='Conv2dAdaptivePadding')
  config::Value norm_cfg;  // dict(type='BN', eps=1e-3, momentum=0.1)
  config::Value act_cfg;   // dict(type='Swish')
  bool norm_eval = false;
  bool with_cp = false;
  config::Value init_cfg;
  EfficientNetV2Options();
};

class EfficientNetV2Impl : public BaseBackboneImpl {
 public:
  MMCPP_PYTHON_CLASS("EfficientNetV2", "BaseBackbone")
  explicit EfficientNetV2Impl(EfficientNetV2Options options);
  // Example: dict(type='EfficientNetV2', arch='b0').
  static std::shared_ptr<EfficientNetV2Impl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  const std::vector<std::int64_t>& out_indices() const { return out_indices_; }

 private:
  void freeze_stages();

  EfficientNetV2Options options_;
  std::vector<std::int64_t> out_indices_;
  torch::nn::ModuleList layers_{nullptr};  // nn.ModuleList: no init_weights recursion
  std::vector<engine::Layer> layer_calls_;
};
TORCH_MODULE(EfficientNetV2);

}  // namespace mmcpp::pretrain
