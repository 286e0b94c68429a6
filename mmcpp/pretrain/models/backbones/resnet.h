// ResNet, ResNetV1c, ResNetV1d and their blocks (mmpretrain/models/backbones/resnet.py).
//
// ResNet(depth, in_channels=3, stem_channels=64, base_channels=64,
// expansion=None, num_stages=4, strides=(1, 2, 2, 2), dilations=(1, 1, 1, 1),
// out_indices=(3, ), style='pytorch', deep_stem=False, avg_down=False,
// frozen_stages=-1, conv_cfg=None, norm_cfg=dict(type='BN', requires_grad=True),
// norm_eval=False, with_cp=False, zero_init_residual=True,
// init_cfg=[dict(type='Kaiming', layer=['Conv2d']), dict(type='Constant',
// val=1, layer=['_BatchNorm', 'GroupNorm'])], drop_path_rate=0.0).
// depth: 18, 34 (BasicBlock), 50, 101, 152 (Bottleneck) (arch_settings).
// ResNetV1c = deep_stem=True; ResNetV1d = deep_stem=True, avg_down=True.
// with_cp (gradient checkpointing) is accepted and changes nothing here: the
// results are the same, only memory use would differ.
//
// Submodules as MMPretrain's: conv1/bn1/relu or `stem` (3 ConvModules), maxpool,
// layer1..layerN (ResLayer of blocks; the first block's `downsample` is
// [AvgPool2d,] 1x1 conv, norm). Blocks: conv1, bn1, conv2, bn2 (, conv3, bn3),
// relu, downsample, drop_path (, se_layer for SE blocks).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/models/utils/layer_depth.h"
#include "mmcpp/pretrain/models/utils/se_layer.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

enum class ResBlockType { Basic, Bottleneck };

// The arguments of BasicBlock / Bottleneck and of their ResNeXt / SE variants.
struct ResBlockOptions {
  std::int64_t in_channels = 0;
  std::int64_t out_channels = 0;
  std::int64_t expansion = 1;
  std::int64_t stride = 1;
  std::int64_t dilation = 1;
  engine::Layer downsample;  // empty: identity
  std::string style = "pytorch";
  bool with_cp = false;
  config::Value conv_cfg;
  config::Value norm_cfg;  // dict(type='BN')
  config::Value act_cfg;   // dict(type='ReLU', inplace=True)
  double drop_path_rate = 0.0;
  // ResNeXt (groups > 1 widens conv2 to groups * width_per_group * mid / base_channels).
  std::int64_t groups = 1;
  std::int64_t width_per_group = 4;
  std::int64_t base_channels = 64;
  // SE blocks: SELayer(out_channels, ratio=se_ratio) after the last norm.
  std::optional<std::int64_t> se_ratio;
  // The Python class the block stands for ("Bottleneck", "SEBottleneck", ...).
  engine::PythonClass python_class{"Bottleneck", {"BaseModule"}};
  config::Value init_cfg;

  ResBlockOptions();
};

class BasicBlockImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  explicit BasicBlockImpl(ResBlockOptions options);
  engine::PythonClass python_class() const override { return options_.python_class; }
  torch::Tensor forward(const torch::Tensor& x) override;
  const engine::Layer& norm1() const { return norm1_; }
  const engine::Layer& norm2() const { return norm2_; }
  std::int64_t out_channels() const { return options_.out_channels; }

 private:
  ResBlockOptions options_;
  engine::Layer conv1_, norm1_, conv2_, norm2_, relu_, drop_path_;
};
TORCH_MODULE(BasicBlock);

class BottleneckImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  explicit BottleneckImpl(ResBlockOptions options);
  engine::PythonClass python_class() const override { return options_.python_class; }
  torch::Tensor forward(const torch::Tensor& x) override;
  const engine::Layer& norm3() const { return norm3_; }
  std::int64_t out_channels() const { return options_.out_channels; }
  std::int64_t mid_channels() const { return mid_channels_; }

 private:
  ResBlockOptions options_;
  std::int64_t mid_channels_;
  engine::Layer conv1_, norm1_, conv2_, norm2_, conv3_, norm3_, relu_, drop_path_;
  SELayer se_layer_{nullptr};
};
TORCH_MODULE(Bottleneck);

// ResLayer (an nn.Sequential of blocks): `num_blocks` blocks, the first with
// `stride` and the downsample when stride != 1 or the channels change
// (avg_down: AvgPool2d(stride, stride, ceil_mode=True,
// count_include_pad=False) then a stride-1 conv). `block` carries the block
// arguments (in/out channels and stride are set here); drop_path_rates has one
// rate per block.
class ResLayerImpl : public engine::LayerSequentialImpl {
 public:
  MMCPP_PYTHON_CLASS("ResLayer", "Sequential")
  ResLayerImpl(ResBlockType type, std::int64_t num_blocks, std::int64_t in_channels,
               std::int64_t out_channels, std::int64_t stride, bool avg_down,
               const ResBlockOptions& block, const std::vector<double>& drop_path_rates);
  std::int64_t out_channels() const { return out_channels_; }

 private:
  std::int64_t out_channels_;
};
TORCH_MODULE(ResLayer);

struct ResNetOptions {
  std::int64_t depth = 50;
  std::int64_t in_channels = 3;
  std::int64_t stem_channels = 64;
  std::int64_t base_channels = 64;
  std::optional<std::int64_t> expansion;
  std::int64_t num_stages = 4;
  std::vector<std::int64_t> strides = {1, 2, 2, 2};
  std::vector<std::int64_t> dilations = {1, 1, 1, 1};
  std::vector<std::int64_t> out_indices = {3};
  std::string style = "pytorch";
  bool deep_stem = false;
  bool avg_down = false;
  std::int64_t frozen_stages = -1;
  config::Value conv_cfg;
  config::Value norm_cfg;  // dict(type='BN', requires_grad=True)
  bool norm_eval = false;
  bool with_cp = false;
  bool zero_init_residual = true;
  config::Value init_cfg;  // Kaiming on Conv2d, Constant 1 on _BatchNorm/GroupNorm
  double drop_path_rate = 0.0;
  // Variants: ResNeXt (groups, width_per_group), SEResNet (se_ratio).
  std::int64_t groups = 1;
  std::int64_t width_per_group = 4;
  std::optional<std::int64_t> se_ratio;
  engine::PythonClass block_class{"Bottleneck", {"BaseModule"}};

  ResNetOptions();
  // Reads ResNet's arguments (everything but `depth`, read by the caller).
  void read(registry::BuildArgs& args);
};

// arch_settings: depth -> (block, stage blocks).
struct ResNetArch {
  ResBlockType block;
  std::vector<std::int64_t> stage_blocks;
};
const std::map<std::int64_t, ResNetArch>& resnet_arch_settings();

class ResNetImpl : public BaseBackboneImpl, public LayerDepthInterface {
 public:
  MMCPP_PYTHON_CLASS("ResNet", "BaseBackbone")
  // `arch` is the variant's arch_settings (ResNeXt and SE nets accept 50/101/152).
  explicit ResNetImpl(ResNetOptions options,
                      const std::map<std::int64_t, ResNetArch>& arch = resnet_arch_settings());
  // Example: dict(type='ResNet', depth=18).
  static std::shared_ptr<ResNetImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  void init_weights() override;
  std::pair<std::int64_t, std::int64_t> get_layer_depth(const std::string& param_name,
                                                        const std::string& prefix) const override;

  const ResNetOptions& options() const { return options_; }
  std::int64_t feat_dim() const { return feat_dim_; }
  const std::vector<std::int64_t>& stage_blocks() const { return stage_blocks_; }

 protected:
  // ResNet_CIFAR replaces the stem; called by the constructor.
  struct NoStem {};
  ResNetImpl(ResNetOptions options, const std::map<std::int64_t, ResNetArch>& arch, NoStem);
  void build_stages();
  void freeze_stages();
  torch::Tensor forward_stages(torch::Tensor x, Feats& outs);

  ResNetOptions options_;
  ResBlockType block_;
  std::int64_t expansion_;
  std::vector<std::int64_t> stage_blocks_;
  std::vector<std::int64_t> arch_stage_blocks_;
  engine::Layer conv1_, norm1_, relu_, maxpool_;
  engine::LayerSequential stem_{nullptr};
  std::vector<ResLayer> res_layers_;
  std::int64_t feat_dim_ = 0;

 private:
  void make_stem_layer();
};
TORCH_MODULE(ResNet);

class ResNetV1cImpl : public ResNetImpl {
 public:
  MMCPP_PYTHON_CLASS("ResNetV1c", "ResNet")
  using ResNetImpl::ResNetImpl;
  // Example: dict(type='ResNetV1c', depth=50).
  static std::shared_ptr<ResNetV1cImpl> from_config(registry::BuildArgs& args);
};
TORCH_MODULE(ResNetV1c);

class ResNetV1dImpl : public ResNetImpl {
 public:
  MMCPP_PYTHON_CLASS("ResNetV1d", "ResNet")
  using ResNetImpl::ResNetImpl;
  // Example: dict(type='ResNetV1d', depth=50).
  static std::shared_ptr<ResNetV1dImpl> from_config(registry::BuildArgs& args);
};
TORCH_MODULE(ResNetV1d);

}  // namespace mmcpp::pretrain
