// AttentionWithRoPE, EVA02EndcoderLayer (sic, MMPretrain's spelling) and
// ViTEVA02 (mmpretrain/models/backbones/vit_eva02.py).
//
// ViTEVA02(arch='tiny', sub_ln=False, drop_rate=0., attn_drop_rate=0.,
// proj_drop_rate=0., drop_path_rate=0., qkv_bias=True,
// norm_cfg=dict(type='LN'), with_cls_token=True, layer_cfgs=dict(),
// **VisionTransformer kwargs: img_size, patch_size, in_channels, out_indices,
// final_norm, out_type, frozen_stages, interpolate_mode,
// layer_scale_init_value, patch_cfg, pre_norm, init_cfg).
// arch: t/ti/tiny, s/small, b/base, l/large (feedforward_channels =
// int(embed_dims * 4 * 2 / 3)) or a dict with embed_dims, num_layers,
// num_heads, feedforward_channels.
// A VisionTransformer whose `layers` are EVA02EndcoderLayer: norm1, attn
// (AttentionWithRoPE: qkv, attn_drop, proj, proj_drop, rope), drop_path,
// norm2, mlp (SwiGLUFFN(embed_dims, feedforward_channels, dropout_layer
// Dropout(drop_rate) when > 0, norm_cfg=norm_cfg with sub_ln, add_identity=
// False)). One RotaryEmbeddingFast(head_dims, patch_resolution) is shared by
// the backbone (`rope`, after ln1/ln2) and every attention, so its persistent
// buffers freqs_cos/freqs_sin appear under each of them in the state dict, as
// in Python. The RoPE rotates the patch tokens of q and k (not the cls token).
// (frozen_stages also freezes the EVA layers; MMPretrain freezes the
// VisionTransformer layers it then replaces.)
#pragma once

#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include <map>
#include <optional>
#include <string>

#include "mmcpp/pretrain/models/backbones/vision_transformer.h"
#include "mmcpp/pretrain/models/utils/rotary_embedding.h"
#include "mmcpp/pretrain/models/utils/swiglu_ffn.h"

namespace mmcpp::pretrain {

struct AttentionWithRoPEOptions {
  std::int64_t embed_dims = 0, num_heads = 0;
  double attn_drop = 0., proj_drop = 0.;
  bool qkv_bias = true;
  std::optional<double> qk_scale;
  bool proj_bias = true;
  bool with_cls_token = true;
  config::Value init_cfg;
};

class AttentionWithRoPEImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("AttentionWithRoPE", "BaseModule")
  // rope may be null (no rotation).
  AttentionWithRoPEImpl(AttentionWithRoPEOptions options, RotaryEmbeddingFast rope);
  torch::Tensor forward(const torch::Tensor& x, mmcv::Size2 patch_resolution);

 private:
  AttentionWithRoPEOptions options_;
  std::int64_t head_dims_;
  double scale_;
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr};
  torch::nn::Dropout attn_drop_{nullptr}, proj_drop_{nullptr};
  RotaryEmbeddingFast rope_{nullptr};
};
TORCH_MODULE(AttentionWithRoPE);

struct EVA02EndcoderLayerOptions {
  std::int64_t embed_dims = 0, num_heads = 0, feedforward_channels = 0;
  bool sub_ln = false;
  double attn_drop = 0., proj_drop = 0.;
  bool qkv_bias = false;
  std::optional<double> qk_scale;
  bool proj_bias = true;
  bool with_cls_token = true;
  double drop_rate = 0., drop_path_rate = 0.;
  config::Value norm_cfg;  // dict(type='LN')
  config::Value init_cfg;
  EVA02EndcoderLayerOptions();
  // Every argument but rope.
  static EVA02EndcoderLayerOptions read(registry::BuildArgs& args);
};

class EVA02EndcoderLayerImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("EVA02EndcoderLayer", "BaseModule")
  EVA02EndcoderLayerImpl(EVA02EndcoderLayerOptions options, RotaryEmbeddingFast rope);
  torch::Tensor forward(const torch::Tensor& x, mmcv::Size2 patch_resolution);

 private:
  engine::Layer norm1_, drop_path_, norm2_;
  AttentionWithRoPE attn_{nullptr};
  SwiGLUFFN mlp_{nullptr};
};
TORCH_MODULE(EVA02EndcoderLayer);

// ViTEVA02.arch_zoo (every name and alias).
const std::map<std::string, ViTArch>& vit_eva02_arch_zoo();

struct ViTEVA02Options {
  VisionTransformerOptions vit;  // the VisionTransformer kwargs
  config::Value arch = config::Value("tiny");
  bool sub_ln = false;
  double drop_rate = 0., attn_drop_rate = 0., proj_drop_rate = 0., drop_path_rate = 0.;
  bool qkv_bias = true;
  config::Value norm_cfg;  // dict(type='LN')
  bool with_cls_token = true;
  config::Value layer_cfgs;  // dict() or a list of dicts
  ViTEVA02Options();
  explicit ViTEVA02Options(registry::BuildArgs& args);
};

class ViTEVA02Impl : public VisionTransformerImpl {
 public:
  MMCPP_PYTHON_CLASS("ViTEVA02", "VisionTransformer")
  explicit ViTEVA02Impl(ViTEVA02Options options);
  // Example: dict(type='ViTEVA02', arch='t', img_size=28, patch_size=14).
  static std::shared_ptr<ViTEVA02Impl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  RotaryEmbeddingFast& rope() { return rope_; }

 private:
  static VisionTransformerOptions vit_options(const ViTEVA02Options& o);

  RotaryEmbeddingFast rope_{nullptr};
  std::vector<EVA02EndcoderLayer> eva_layers_;
};
TORCH_MODULE(ViTEVA02);

}  // namespace mmcpp::pretrain
