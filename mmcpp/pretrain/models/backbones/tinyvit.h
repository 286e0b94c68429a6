// TinyViT and its parts (mmpretrain/models/backbones/tinyvit.py): ConvBN2d,
// PatchEmbed, PatchMerging, MBConvBlock, ConvStage, MLP, TinyViTBlock,
// BasicStage; LeAttention is in models/utils/le_attention.h.
//
// TinyViT(arch='5m', img_size=(224, 224), window_size=[7, 7, 14, 7],
// in_channels=3, mlp_ratio=4., drop_rate=0., drop_path_rate=0.1,
// use_checkpoint=False, mbconv_expand_ratio=4.0, local_conv_size=3,
// layer_lr_decay=1.0, out_indices=-1, frozen_stages=0,
// gap_before_final_norm=True, act_cfg=dict(type='GELU'),
// norm_cfg=dict(type='LN'), init_cfg=None).
// arch: '5m', '11m', '21m' (arch_settings; MMPretrain has no aliases) or a
// dict with channels, num_heads and depths.
//
// Submodules as MMPretrain's: patch_embed (`seq`: ConvBN2d 3x3/2, act,
// ConvBN2d 3x3/2), stages (ModuleList: stage 0 a ConvStage of MBConvBlocks
// on NCHW maps, the others BasicStage of TinyViTBlocks on (B, L, C) tokens;
// every stage but the last ends with a PatchMerging `downsample`), norm{i}
// (norm_cfg over channels[min(i + 1, last)]) for each out index i (negative
// + 4). gap_before_final_norm: out i = norm(mean over tokens), else the
// normed tokens as (B, C, H, W). frozen_stages freezes stages[0..k) in
// train() (as MMPretrain, not at construction). use_checkpoint is accepted
// and changes nothing (same results); layer_lr_decay is accepted and unused,
// as in MMPretrain.
#pragma once

#include <torch/nn/modules/container/modulelist.h>

#include <map>

#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/models/utils/le_attention.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

// ConvBN2d (an mmengine Sequential): conv2d (no bias) and bn2d, whose weight
// starts at bn_weight_init and bias at 0.
class ConvBN2dImpl : public engine::SequentialImpl {
 public:
  MMCPP_PYTHON_CLASS("ConvBN2d", "Sequential")
  ConvBN2dImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size = 1,
               std::int64_t stride = 1, std::int64_t padding = 0, std::int64_t dilation = 1,
               std::int64_t groups = 1, double bn_weight_init = 1.0);
};
TORCH_MODULE(ConvBN2d);

// PatchMerging(resolution, in_channels, out_channels, act_cfg): act, conv1
// (1x1), conv2 (3x3/2 depthwise), conv3 (1x1) ConvBN2d; (B, L, C) inputs are
// viewed as `resolution` maps; the output is (B, L / 4, out_channels).
class TinyViTPatchMergingImpl : public torch::nn::Module,
                                public engine::TensorForward,
                                public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("PatchMerging", "Module")
  TinyViTPatchMergingImpl(std::pair<std::int64_t, std::int64_t> resolution,
                          std::int64_t in_channels, std::int64_t out_channels,
                          const config::Value& act_cfg);
  torch::Tensor forward(const torch::Tensor& x) override;
  std::pair<std::int64_t, std::int64_t> out_resolution() const { return out_resolution_; }

 private:
  std::pair<std::int64_t, std::int64_t> resolution_, out_resolution_;
  engine::Layer act_, conv1_, conv2_, conv3_;
};
TORCH_MODULE(TinyViTPatchMerging);

// MBConvBlock(in_channels, out_channels, expand_ratio, drop_path, act_cfg):
// conv1 (1x1), act, conv2 (3x3 depthwise), conv3 (1x1, BN weight 0),
// drop_path; act(x + drop_path(...)).
class MBConvBlockImpl : public torch::nn::Module,
                        public engine::TensorForward,
                        public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("MBConvBlock", "Module")
  MBConvBlockImpl(std::int64_t in_channels, std::int64_t out_channels, double expand_ratio,
                  double drop_path, const config::Value& act_cfg);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  engine::Layer conv1_, act_, conv2_, conv3_, drop_path_;
};
TORCH_MODULE(MBConvBlock);

// MLP(in_channels, hidden_channels, out_channels, act_cfg, drop): norm
// (LayerNorm), fc1, fc2, act, drop.
class TinyViTMLPImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("MLP", "BaseModule")
  TinyViTMLPImpl(std::int64_t in_channels, std::int64_t hidden_channels, std::int64_t out_channels,
                 const config::Value& act_cfg, double drop);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  engine::Layer norm_, fc1_, fc2_, act_, drop_;
};
TORCH_MODULE(TinyViTMLP);

struct TinyViTBlockOptions {
  std::int64_t in_channels = 0;
  std::pair<std::int64_t, std::int64_t> resolution{0, 0};
  std::int64_t num_heads = 1;
  std::int64_t window_size = 7;
  double mlp_ratio = 4.;
  double drop = 0.;
  double drop_path = 0.;
  std::int64_t local_conv_size = 3;
  config::Value act_cfg;  // dict(type='GELU')
  TinyViTBlockOptions();
};

// TinyViTBlock: drop_path, attn (LeAttention over windows of window_size,
// zero-padded at the bottom/right), mlp, local_conv (depthwise ConvBN2d).
class TinyViTBlockImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("TinyViTBlock", "BaseModule")
  explicit TinyViTBlockImpl(TinyViTBlockOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  TinyViTBlockOptions options_;
  engine::Layer drop_path_;
  LeAttention attn_{nullptr};
  engine::Layer mlp_, local_conv_;
};
TORCH_MODULE(TinyViTBlock);

// ConvStage / BasicStage: `blocks` (ModuleList), then `downsample`
// (PatchMerging) when given.
class TinyViTStageImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  engine::PythonClass python_class() const override {
    return engine::PythonClass{conv_ ? "ConvStage" : "BasicStage", {"BaseModule"}};
  }
  // blocks built by the caller; downsample may be empty.
  TinyViTStageImpl(bool conv, std::vector<engine::Layer> blocks, TinyViTPatchMerging downsample,
                   std::pair<std::int64_t, std::int64_t> resolution);
  torch::Tensor forward(const torch::Tensor& x) override;
  std::pair<std::int64_t, std::int64_t> resolution() const { return resolution_; }

 private:
  bool conv_;
  std::vector<engine::Layer> blocks_;
  TinyViTPatchMerging downsample_{nullptr};
  std::pair<std::int64_t, std::int64_t> resolution_;
};
TORCH_MODULE(TinyViTStage);

struct TinyViTArch {
  std::vector<std::int64_t> channels, num_heads, depths;
};
// arch_settings, in MMPretrain's order.
const std::vector<std::pair<std::string, TinyViTArch>>& tinyvit_arch_settings();

struct TinyViTOptions {
  TinyViTArch arch;
  std::pair<std::int64_t, std::int64_t> img_size{224, 224};
  std::vector<std::int64_t> window_size = {7, 7, 14, 7};
  std::int64_t in_channels = 3;
  double mlp_ratio = 4.;
  double drop_rate = 0.;
  double drop_path_rate = 0.1;
  bool use_checkpoint = false;
  double mbconv_expand_ratio = 4.0;
  std::int64_t local_conv_size = 3;
  double layer_lr_decay = 1.0;
  std::vector<std::int64_t> out_indices = {-1};
  std::int64_t frozen_stages = 0;
  bool gap_before_final_norm = true;
  config::Value act_cfg;   // dict(type='GELU')
  config::Value norm_cfg;  // dict(type='LN')
  config::Value init_cfg;
  TinyViTOptions();  // arch 5m
  explicit TinyViTOptions(registry::BuildArgs& args);
};

class TinyViTImpl : public BaseBackboneImpl {
 public:
  MMCPP_PYTHON_CLASS("TinyViT", "BaseBackbone")
  explicit TinyViTImpl(TinyViTOptions options);
  // Example: dict(type='TinyViT', arch='5m').
  static std::shared_ptr<TinyViTImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  const TinyViTOptions& options() const { return options_; }
  const std::vector<std::int64_t>& out_indices() const { return out_indices_; }

 private:
  TinyViTOptions options_;
  std::vector<std::int64_t> out_indices_;
  engine::Layer patch_embed_;
  std::vector<TinyViTStage> stages_;
  std::map<std::int64_t, engine::Layer> norms_;
};
TORCH_MODULE(TinyViT);

}  // namespace mmcpp::pretrain
