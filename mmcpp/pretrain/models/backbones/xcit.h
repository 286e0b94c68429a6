// XCiT and its parts (mmpretrain/models/backbones/xcit.py).
//
// ClassAttntion(dim, num_heads=8, qkv_bias=False, attn_drop=0., proj_drop=0.)
//   (MMPretrain's spelling): q, k, v, proj Linears; only the cls token queries.
// PositionalEncodingFourier(hidden_dim=32, dim=768, temperature=10000):
//   sine/cosine features of the normalised patch grid, projected by a 1x1
//   ConvModule `token_projection` (with bias, no norm/act).
// ConvPatchEmbed(img_size=224, patch_size=16, in_channels=3, embed_dims=768,
//   norm_cfg=dict(type='BN'), act_cfg=dict(type='GELU')): `proj`, a Sequential
//   of 3x3 stride-2 ConvModules (patch 16: C/8, C/4, C/2, C; patch 8: C/4,
//   C/2, C; the last without activation). Other patch sizes: ValueError.
// ClassAttentionBlock(dim, num_heads, mlp_ratio=4., qkv_bias=False, drop=0.,
//   attn_drop=0., drop_path=0., layer_scale_init_value=1., tokens_norm=False,
//   norm_cfg=dict(type='LN', eps=1e-6), act_cfg=dict(type='GELU')): gamma1,
//   gamma2 (only when layer_scale_init_value > 0), norm1, attn, norm2, ffn.
// LPI(in_features, out_features=None, kernel_size=3, norm_cfg=dict(type='BN'),
//   act_cfg=dict(type='GELU')): conv1 (depthwise, bias, order conv-act-norm),
//   conv2 (depthwise, bias).
// XCA(dim, num_heads=8, qkv_bias=False, attn_drop=0., proj_drop=0.):
//   temperature (num_heads, 1, 1), qkv, proj; attention between the channels
//   of l2-normalised q and k.
// XCABlock(dim, num_heads, mlp_ratio=4., qkv_bias=False, drop=0.,
//   attn_drop=0., drop_path=0., layer_scale_init_value=1.,
//   bn_norm_cfg=dict(type='BN'), norm_cfg=dict(type='LN', eps=1e-6),
//   act_cfg=dict(type='GELU')): gamma1, gamma3, gamma2, norm1, attn, norm3,
//   local_mp (LPI), norm2, ffn; forward runs attn, local_mp, ffn.
// XCiT(img_size=224, patch_size=16, in_channels=3, embed_dims=768, depth=12,
//   cls_attn_layers=2, num_heads=12, mlp_ratio=4., qkv_bias=True,
//   drop_rate=0., attn_drop_rate=0., drop_path_rate=0., use_pos_embed=True,
//   layer_scale_init_value=1., tokens_norm=False, out_type='cls_token',
//   out_indices=(-1,), final_norm=True, frozen_stages=-1,
//   bn_norm_cfg=dict(type='BN'), norm_cfg=dict(type='LN', eps=1e-6),
//   act_cfg=dict(type='GELU'), init_cfg=dict(type='TruncNormal', layer='Linear')).
//   MMPretrain has no arch table for XCiT: its configs give the sizes. Every
//   XCABlock gets drop_path_rate itself (not a linear ramp), the class-attention
//   blocks none. Layers count xca_layers then ca_layers (num_layers = depth +
//   cls_attn_layers); out_indices index them (negative from num_layers). The
//   final norm follows the last class-attention layer. out_type: raw (B, L, C),
//   cls_token (B, C; a ValueError for an XCA layer, which has no cls token),
//   featmap (B, C, h, w), avg_featmap (mean patch token, B, C). As in
//   MMPretrain, final_norm=False with class-attention layers fails in forward
//   (AttributeError), and so does freezing every layer (frozen_stages ==
//   num_layers). frozen_stages is applied by train() only, as in Python.
//   init_weights: init_cfg, then cls_token ~ trunc_normal(std=.02) unless
//   init_cfg is Pretrained. xca_layers/ca_layers are torch ModuleLists (their
//   blocks' own init_weights are not called).
#pragma once

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/cv/cnn/bricks/conv_module.h"
#include "mmcpp/cv/cnn/bricks/transformer.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

struct XCiTAttentionOptions {  // ClassAttntion and XCA
  std::int64_t dim = 0;
  std::int64_t num_heads = 8;
  bool qkv_bias = false;
  double attn_drop = 0.;
  double proj_drop = 0.;
};

class ClassAttntionImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("ClassAttntion", "BaseModule")
  explicit ClassAttntionImpl(const XCiTAttentionOptions& options);
  // (B, N, C) -> (B, 1, C): the cls token's attention over all tokens.
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  std::int64_t num_heads_;
  double scale_;
  torch::nn::Linear q_{nullptr}, k_{nullptr}, v_{nullptr}, proj_{nullptr};
  torch::nn::Dropout attn_drop_{nullptr}, proj_drop_{nullptr};
};
TORCH_MODULE(ClassAttntion);

class PositionalEncodingFourierImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("PositionalEncodingFourier", "BaseModule")
  explicit PositionalEncodingFourierImpl(std::int64_t hidden_dim = 32, std::int64_t dim = 768,
                                         double temperature = 10000);
  // (B, dim, H, W).
  torch::Tensor forward(std::int64_t B, std::int64_t H, std::int64_t W);

 private:
  std::int64_t hidden_dim_;
  double temperature_;
  mmcv::ConvModule token_projection_{nullptr};
};
TORCH_MODULE(PositionalEncodingFourier);

struct ConvPatchEmbedOptions {
  config::Value img_size = 224;  // int or (h, w)
  std::int64_t patch_size = 16;
  std::int64_t in_channels = 3;
  std::int64_t embed_dims = 768;
  config::Value norm_cfg;  // dict(type='BN')
  config::Value act_cfg;   // dict(type='GELU')
  ConvPatchEmbedOptions();
};

class ConvPatchEmbedImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("ConvPatchEmbed", "BaseModule")
  explicit ConvPatchEmbedImpl(ConvPatchEmbedOptions options);
  // (B, N, C) and the patch grid (Hp, Wp).
  std::pair<torch::Tensor, mmcv::Size2> forward(const torch::Tensor& x);
  std::int64_t num_patches() const { return num_patches_; }

 private:
  std::int64_t num_patches_ = 0;
  engine::Sequential proj_{nullptr};
};
TORCH_MODULE(ConvPatchEmbed);

struct XCiTBlockOptions {  // ClassAttentionBlock and XCABlock
  std::int64_t dim = 0;
  std::int64_t num_heads = 0;
  double mlp_ratio = 4.;
  bool qkv_bias = false;
  double drop = 0.;
  double attn_drop = 0.;
  double drop_path = 0.;
  double layer_scale_init_value = 1.;
  bool tokens_norm = false;   // ClassAttentionBlock only
  config::Value bn_norm_cfg;  // XCABlock only: dict(type='BN')
  config::Value norm_cfg;     // dict(type='LN', eps=1e-6)
  config::Value act_cfg;      // dict(type='GELU')
  XCiTBlockOptions();
};

class ClassAttentionBlockImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("ClassAttentionBlock", "BaseModule")
  explicit ClassAttentionBlockImpl(const XCiTBlockOptions& options);
  torch::Tensor forward(const torch::Tensor& x) override;
  torch::Tensor gamma1, gamma2;  // undefined without layer scale (Python's 1.0)

 private:
  bool tokens_norm_;
  engine::Layer norm1_, drop_path_, norm2_;
  ClassAttntion attn_{nullptr};
  mmcv::FFN ffn_{nullptr};
};
TORCH_MODULE(ClassAttentionBlock);

class LPIImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("LPI", "BaseModule")
  // norm_cfg/act_cfg: Python's defaults are dict(type='BN') and dict(type='GELU'); None
  // builds no norm/activation.
  LPIImpl(std::int64_t in_features, std::optional<std::int64_t> out_features,
          std::int64_t kernel_size, const config::Value& norm_cfg, const config::Value& act_cfg);
  // (B, N, C) tokens of an H x W grid.
  torch::Tensor forward(const torch::Tensor& x, std::int64_t H, std::int64_t W);

 private:
  mmcv::ConvModule conv1_{nullptr}, conv2_{nullptr};
};
TORCH_MODULE(LPI);

class XCAImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("XCA", "BaseModule")
  explicit XCAImpl(const XCiTAttentionOptions& options);
  torch::Tensor forward(const torch::Tensor& x) override;
  torch::Tensor temperature;

 private:
  std::int64_t num_heads_;
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr};
  torch::nn::Dropout attn_drop_{nullptr}, proj_drop_{nullptr};
};
TORCH_MODULE(XCA);

class XCABlockImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("XCABlock", "BaseModule")
  explicit XCABlockImpl(const XCiTBlockOptions& options);
  torch::Tensor forward(const torch::Tensor& x, std::int64_t H, std::int64_t W);
  torch::Tensor gamma1, gamma3, gamma2;

 private:
  engine::Layer norm1_, drop_path_, norm3_, norm2_;
  XCA attn_{nullptr};
  LPI local_mp_{nullptr};
  mmcv::FFN ffn_{nullptr};
};
TORCH_MODULE(XCABlock);

struct XCiTOptions {
  config::Value img_size = 224;  // int or (h, w)
  std::int64_t patch_size = 16;
  std::int64_t in_channels = 3;
  std::int64_t embed_dims = 768;
  std::int64_t depth = 12;
  std::int64_t cls_attn_layers = 2;
  std::int64_t num_heads = 12;
  double mlp_ratio = 4.;
  bool qkv_bias = true;
  double drop_rate = 0.;
  double attn_drop_rate = 0.;
  double drop_path_rate = 0.;
  bool use_pos_embed = true;
  double layer_scale_init_value = 1.;
  bool tokens_norm = false;
  std::string out_type = "cls_token";
  std::vector<std::int64_t> out_indices = {-1};
  bool final_norm = true;
  std::int64_t frozen_stages = -1;
  config::Value bn_norm_cfg;  // dict(type='BN')
  config::Value norm_cfg;     // dict(type='LN', eps=1e-6)
  config::Value act_cfg;      // dict(type='GELU')
  config::Value init_cfg;     // dict(type='TruncNormal', layer='Linear')

  XCiTOptions();
  explicit XCiTOptions(registry::BuildArgs& args);
};

class XCiTImpl : public BaseBackboneImpl {
 public:
  MMCPP_PYTHON_CLASS("XCiT", "BaseBackbone")
  explicit XCiTImpl(XCiTOptions options);
  // Example: dict(type='XCiT', embed_dims=32, depth=2, num_heads=4, img_size=32, patch_size=8).
  static std::shared_ptr<XCiTImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void init_weights() override;
  void train(bool on = true) override;
  const XCiTOptions& options() const { return options_; }
  std::int64_t num_layers() const { return num_layers_; }
  const std::vector<std::int64_t>& out_indices() const { return out_indices_; }
  torch::Tensor cls_token;

 private:
  void freeze_stages();
  torch::Tensor format_output(const torch::Tensor& x, const mmcv::Size2& hw,
                              bool with_cls_token) const;

  XCiTOptions options_;
  std::int64_t num_layers_ = 0;
  std::vector<std::int64_t> out_indices_;
  ConvPatchEmbed patch_embed_{nullptr};
  PositionalEncodingFourier pos_embed_{nullptr};
  torch::nn::Dropout pos_drop_{nullptr};
  torch::nn::ModuleList xca_layers_{nullptr}, ca_layers_{nullptr};  // nn.ModuleList
  std::vector<XCABlock> xca_;
  std::vector<ClassAttentionBlock> ca_;
  engine::Layer norm_;
};
TORCH_MODULE(XCiT);

}  // namespace mmcpp::pretrain
