// EfficientNet and EdgeResidual (mmpretrain/models/backbones/efficientnet.py).
//
// EfficientNet(arch='b0', drop_path_rate=0., out_indices=(6, ),
// frozen_stages=0, conv_cfg=dict(type='Conv2dAdaptivePadding'),
// norm_cfg=dict(type='BN', eps=1e-3), act_cfg=dict(type='Swish'),
// norm_eval=False, with_cp=False,
// init_cfg=[dict(type='Kaiming', layer='Conv2d'),
//           dict(type='Constant', layer=['_BatchNorm', 'GroupNorm'], val=1)]).
// arch: b0..b8, l2 (layer_settings 'b'), es, em, el (EdgeTPU, 'e');
// arch_settings = (widen factor, depth factor, resolution). model_scaling
// widens every row (make_divisible(c * w, 8)), splits the middle layers where
// the channels change, repeats rows by ceil(depth * n) and merges stride-1
// groups back, as MMPretrain does.
// Submodules: layers (ModuleList): ConvModule stem, one Sequential of blocks
// per middle layer (InvertedResidual with SE (ratio expand * se_ratio,
// divisor 1, (act_cfg, Sigmoid)), or EdgeResidual for EdgeTPU rows), the
// final 1x1 ConvModule. with_cp is accepted and changes nothing.
#pragma once

#include <torch/nn/modules/container/modulelist.h>

#include <array>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/cv/cnn/bricks/conv_module.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/models/utils/se_layer.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

// EdgeResidual(in_channels, out_channels, mid_channels, kernel_size=3,
// stride=1, se_cfg=None, with_residual=True, conv_cfg=None,
// norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'), drop_path_rate=0.,
// with_cp=False, init_cfg=None): drop_path, conv1 (k x k ConvModule with
// conv_cfg), se, conv2 (1x1 ConvModule, plain Conv2d, no activation).
struct EdgeResidualOptions {
  std::int64_t in_channels = 0, out_channels = 0, mid_channels = 0;
  std::int64_t kernel_size = 3, stride = 1;
  config::Value se_cfg;
  bool with_residual = true;
  config::Value conv_cfg, norm_cfg, act_cfg;
  double drop_path_rate = 0.;
  bool with_cp = false;
  config::Value init_cfg;
  EdgeResidualOptions();
};

class EdgeResidualImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("EdgeResidual", "BaseModule")
  explicit EdgeResidualImpl(EdgeResidualOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  bool with_residual_;
  engine::Layer drop_path_;
  mmcv::ConvModule conv1_{nullptr}, conv2_{nullptr};
  SELayer se_{nullptr};
};
TORCH_MODULE(EdgeResidual);

// The fields an EfficientNet / EfficientNetV2 layer loop gives each block, and
// the block they make: EdgeResidual (`edge`) or InvertedResidual.
struct EfficientBlockArgs {
  std::int64_t in_channels = 0, out_channels = 0, mid_channels = 0;
  std::int64_t kernel_size = 3, stride = 1;
  config::Value se_cfg, conv_cfg, norm_cfg, act_cfg;
  double drop_path_rate = 0.;
  bool with_cp = false;
  bool with_residual = true;  // EdgeResidual only
};
engine::Layer make_efficient_block(bool edge, const EfficientBlockArgs& args);

// One row: kernel_size, out_channels, se_ratio, stride, expand_ratio, block_type.
using EfficientNetBlockCfg = std::array<double, 6>;
using EfficientNetLayerSetting = std::vector<std::vector<EfficientNetBlockCfg>>;
// model_scaling(layer_setting, (widen, depth)).
EfficientNetLayerSetting efficientnet_model_scaling(const EfficientNetLayerSetting& layer_setting,
                                                    double widen, double depth);

struct EfficientNetOptions {
  std::string arch = "b0";
  double drop_path_rate = 0.;
  std::vector<std::int64_t> out_indices = {6};
  std::int64_t frozen_stages = 0;
  config::Value conv_cfg;  // dict(type='Conv2dAdaptivePadding')
  config::Value norm_cfg;  // dict(type='BN', eps=1e-3)
  config::Value act_cfg;   // dict(type='Swish')
  bool norm_eval = false;
  bool with_cp = false;
  config::Value init_cfg;
  EfficientNetOptions();
};

class EfficientNetImpl : public BaseBackboneImpl {
 public:
  MMCPP_PYTHON_CLASS("EfficientNet", "BaseBackbone")
  explicit EfficientNetImpl(EfficientNetOptions options);
  // Example: dict(type='EfficientNet', arch='b0').
  static std::shared_ptr<EfficientNetImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  std::int64_t out_channels() const { return out_channels_; }

 private:
  void freeze_stages();

  EfficientNetOptions options_;
  torch::nn::ModuleList layers_{nullptr};  // nn.ModuleList: no init_weights recursion
  std::vector<engine::Layer> layer_calls_;
  std::int64_t out_channels_ = 0;
};
TORCH_MODULE(EfficientNet);

}  // namespace mmcpp::pretrain
