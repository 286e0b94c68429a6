// LeViT and its blocks (mmpretrain/models/backbones/levit.py).
//
// LeViT(arch, img_size=224, patch_size=16, attn_ratio=2, mlp_ratio=2,
// act_cfg=dict(type='HSwish'), hybrid_backbone=HybridBackbone,
// out_indices=-1, deploy=False, drop_path_rate=0, init_cfg=None).
// arch: '128s', '128', '192', '256', '384' (case-insensitive, arch_zoo), or a
// dict with exactly the keys embed_dims, key_dims, num_heads, depths (one
// entry per stage). (MMPretrain 1.2 asserts the keys embed_dim, num_heads,
// depth, key_dim and then reads embed_dims: every custom dict fails there;
// we accept the keys the arch_zoo uses.) hybrid_backbone: only the default
// (None) is accepted from a config. No init of its own: PyTorch's defaults.
//
// Submodules as MMPretrain's: patch_embed (HybridBackbone: patch_embed =
// Sequential of 4 ConvolutionBatchNorm (conv 3x3 stride 2 + BN) at even
// indices with the activation between them), stages (ModuleList of
// Sequential). Stage i > 0 starts with an AttentionSubsample (kv, q =
// Sequential(Subsample, LinearBatchNorm), proj = Sequential(act,
// LinearBatchNorm)) and a Residual(MLP) when mlp_ratio > 0; then `depth`
// times Residual(Attention) (qkv, proj) and Residual(MLP) (linear1,
// activation, linear2). A LinearBatchNorm is linear (no bias) + bn (BN1d over
// the flattened tokens). Attentions hold the parameter attention_biases
// (heads, offsets) and the persistent buffer attention_bias_idxs (int64
// queries x keys) as MMPretrain registers them. The bias table is gathered
// at every forward (Python caches it as `ab` when switched to eval mode, so
// weights loaded after eval() are not seen there until the next train/eval).
//
// forward: tokens (B, L, C) through the stages; each out index gives
// (B, C, r, r). switch_to_deploy() (and deploy=True, which builds then
// fuses, as Python) replaces every ConvolutionBatchNorm by its fused Conv2d
// (with bias) and every LinearBatchNorm by its fused Linear (with bias), in
// place: `patch_embed.patch_embed.0.weight`, `...qkv.weight`/`bias`.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/models/backbones/repvgg.h"  // SwitchToDeployInterface
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

// A LeViT block that fuses its conv/linear + BN children in place.
class LeViTFusable {
 public:
  virtual ~LeViTFusable() = default;
  virtual void fuse_children() = 0;
};

// The Sequential containers of LeViT (mmengine's Sequential, or
// torch.nn.Sequential with `torch_nn`): children "0", "1", ... run in order;
// replace() swaps the i-th child in place (same name and position), as
// Python's fuse_parameters does with setattr.
class LeViTSequentialImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  explicit LeViTSequentialImpl(bool torch_nn = false) : torch_nn_(torch_nn) {}
  engine::PythonClass python_class() const override {
    return torch_nn_ ? engine::PythonClass{"Sequential", {"Module"}}
                     : engine::PythonClass{"Sequential", {"BaseModule", "Sequential"}};
  }
  void push_back(engine::Layer layer);
  void replace(std::size_t i, engine::Layer layer);
  torch::Tensor forward(const torch::Tensor& x) override;
  std::size_t size() const { return layers_.size(); }
  const engine::Layer& operator[](std::size_t i) const { return layers_.at(i); }

 private:
  bool torch_nn_;
  std::vector<engine::Layer> layers_;
};
TORCH_MODULE(LeViTSequential);

// ConvolutionBatchNorm(in_channel, out_channel, kernel_size=3, stride=2,
// pad=1, dilation=1, groups=1, norm_cfg=dict(type='BN')): conv (no bias), bn.
class ConvolutionBatchNormImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("ConvolutionBatchNorm", "BaseModule")
  ConvolutionBatchNormImpl(std::int64_t in_channel, std::int64_t out_channel,
                           std::int64_t kernel_size, std::int64_t stride, std::int64_t pad,
                           std::int64_t dilation, std::int64_t groups,
                           const config::Value& norm_cfg);
  torch::Tensor forward(const torch::Tensor& x) override;
  // fuse(): a Conv2d with bias computing conv + (eval-mode) bn.
  engine::Layer fuse() const;

 private:
  torch::nn::Conv2d conv_{nullptr};
  engine::Layer bn_;
};
TORCH_MODULE(ConvolutionBatchNorm);

// LinearBatchNorm(in_feature, out_feature, norm_cfg=dict(type='BN1d')):
// linear (no bias), bn over x.flatten(0, 1).
class LinearBatchNormImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("LinearBatchNorm", "BaseModule")
  LinearBatchNormImpl(std::int64_t in_feature, std::int64_t out_feature,
                      const config::Value& norm_cfg);
  torch::Tensor forward(const torch::Tensor& x) override;
  // fuse(): a Linear with bias computing linear + (eval-mode) bn.
  engine::Layer fuse() const;

 private:
  torch::nn::Linear linear_{nullptr};
  engine::Layer bn_;
};
TORCH_MODULE(LinearBatchNorm);

// HybridBackbone(embed_dim, kernel_size=3, stride=2, pad=1, dilation=1,
// groups=1, act_cfg=dict(type='HSwish'), conv_cfg=None,
// norm_cfg=dict(type='BN')): channels 3 -> e/8 -> e/4 -> e/2 -> e.
class HybridBackboneImpl : public engine::BaseModule,
                           public engine::TensorForward,
                           public LeViTFusable {
 public:
  MMCPP_PYTHON_CLASS("HybridBackbone", "BaseModule")
  HybridBackboneImpl(std::int64_t embed_dim, const config::Value& act_cfg,
                     const config::Value& norm_cfg);
  torch::Tensor forward(const torch::Tensor& x) override;
  void fuse_children() override;

 private:
  LeViTSequential patch_embed_{nullptr};
  std::vector<std::size_t> conv_bn_index_;
};
TORCH_MODULE(HybridBackbone);

// Residual(block, drop_path_rate=0.): x + drop_path(block(x)).
class LeViTResidualImpl : public engine::BaseModule,
                          public engine::TensorForward,
                          public LeViTFusable {
 public:
  MMCPP_PYTHON_CLASS("Residual", "BaseModule")
  LeViTResidualImpl(engine::Layer block, double drop_path_rate);
  torch::Tensor forward(const torch::Tensor& x) override;
  void fuse_children() override;

 private:
  engine::Layer block_, drop_path_;
};
TORCH_MODULE(LeViTResidual);

// (scale, shift) of an eval-mode BatchNorm1d/2d: bn(x) = x * scale + shift
// (AttributeError for other layers).
std::pair<torch::Tensor, torch::Tensor> levit_bn_scale_shift(const engine::Layer& bn);

// The attention bias index tables of MMPretrain: for each query point (the
// key grid subsampled by `stride`) and key point of a resolution x resolution
// grid, the index of their |offset| in first-seen order. Returns (idxs of
// shape (queries, keys), number of offsets).
std::pair<torch::Tensor, std::int64_t> levit_attention_bias_idxs(std::int64_t resolution,
                                                                 std::int64_t stride);

// Attention(dim, key_dim, num_heads=8, attn_ratio=4, act_cfg=dict(type='HSwish'),
// resolution=14).
class LeViTAttentionImpl : public engine::BaseModule,
                           public engine::TensorForward,
                           public LeViTFusable {
 public:
  MMCPP_PYTHON_CLASS("Attention", "BaseModule")
  LeViTAttentionImpl(std::int64_t dim, std::int64_t key_dim, std::int64_t num_heads,
                     double attn_ratio, const config::Value& act_cfg, std::int64_t resolution);
  torch::Tensor forward(const torch::Tensor& x) override;
  void fuse_children() override;

 private:
  std::int64_t num_heads_, key_dim_, d_, dh_;
  double scale_;
  engine::Layer qkv_;
  LeViTSequential proj_{nullptr};
  torch::Tensor attention_biases_, attention_bias_idxs_;
};
TORCH_MODULE(LeViTAttention);

// MLP(embed_dim, mlp_ratio, act_cfg=dict(type='HSwish')): an nn.Sequential
// of linear1, activation, linear2.
class LeViTMLPImpl : public torch::nn::Module,
                     public engine::DeclaresPythonClass,
                     public engine::TensorForward,
                     public LeViTFusable {
 public:
  MMCPP_PYTHON_CLASS("MLP", "Sequential")
  LeViTMLPImpl(std::int64_t embed_dim, std::int64_t mlp_ratio, const config::Value& act_cfg);
  torch::Tensor forward(const torch::Tensor& x) override;
  void fuse_children() override;

 private:
  engine::Layer linear1_, activation_, linear2_;
};
TORCH_MODULE(LeViTMLP);

// Subsample(stride, resolution): (B, r*r, C) -> (B, r'*r', C), every
// stride-th row and column.
class LeViTSubsampleImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("Subsample", "BaseModule")
  LeViTSubsampleImpl(std::int64_t stride, std::int64_t resolution)
      : stride_(stride), resolution_(resolution) {}
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  std::int64_t stride_, resolution_;
};
TORCH_MODULE(LeViTSubsample);

// AttentionSubsample(in_dim, out_dim, key_dim, num_heads=8, attn_ratio=2,
// act_cfg=dict(type='HSwish'), stride=2, resolution=14) (an nn.Sequential in
// Python): kv, q, proj; sub_resolution = (resolution - 1) // stride + 1.
class LeViTAttentionSubsampleImpl : public torch::nn::Module,
                                    public engine::DeclaresPythonClass,
                                    public engine::TensorForward,
                                    public LeViTFusable {
 public:
  MMCPP_PYTHON_CLASS("AttentionSubsample", "Sequential")
  LeViTAttentionSubsampleImpl(std::int64_t in_dim, std::int64_t out_dim, std::int64_t key_dim,
                              std::int64_t num_heads, double attn_ratio,
                              const config::Value& act_cfg, std::int64_t stride,
                              std::int64_t resolution);
  torch::Tensor forward(const torch::Tensor& x) override;
  void fuse_children() override;
  std::int64_t sub_resolution() const { return sub_resolution_; }

 private:
  std::int64_t num_heads_, key_dim_, d_, dh_, sub_resolution_;
  double scale_;
  engine::Layer kv_;
  LeViTSequential q_{nullptr}, proj_{nullptr};
  torch::Tensor attention_biases_, attention_bias_idxs_;
};
TORCH_MODULE(LeViTAttentionSubsample);

struct LeViTArch {
  std::vector<std::int64_t> embed_dims, num_heads, depths, key_dims;
};
// arch_zoo, in MMPretrain's order.
const std::vector<std::pair<std::string, LeViTArch>>& levit_arch_zoo();

struct LeViTOptions {
  LeViTArch arch;
  std::int64_t img_size = 224;
  std::int64_t patch_size = 16;
  double attn_ratio = 2;
  std::int64_t mlp_ratio = 2;
  config::Value act_cfg;  // dict(type='HSwish')
  std::vector<std::int64_t> out_indices = {-1};
  bool deploy = false;
  double drop_path_rate = 0;
  config::Value init_cfg;
  LeViTOptions();
  // Reads every argument (arch included) from a config dict.
  explicit LeViTOptions(registry::BuildArgs& args);
};

class LeViTImpl : public BaseBackboneImpl, public SwitchToDeployInterface {
 public:
  MMCPP_PYTHON_CLASS("LeViT", "BaseBackbone")
  explicit LeViTImpl(LeViTOptions options);
  // Example: dict(type='LeViT', arch='128s').
  static std::shared_ptr<LeViTImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void switch_to_deploy() override;
  bool deploy() const { return deploy_; }
  const std::vector<std::int64_t>& out_indices() const { return out_indices_; }
  const std::vector<std::int64_t>& resolutions() const { return resolutions_; }

 private:
  LeViTOptions options_;
  std::vector<std::int64_t> out_indices_, resolutions_;
  bool deploy_ = false;
  HybridBackbone patch_embed_{nullptr};
  std::vector<LeViTSequential> stages_;
};
TORCH_MODULE(LeViT);

}  // namespace mmcpp::pretrain
