// TransformerEncoderLayer and VisionTransformer
// (mmpretrain/models/backbones/vision_transformer.py).
//
// TransformerEncoderLayer(embed_dims, num_heads, feedforward_channels,
//   layer_scale_init_value=0., drop_rate=0., attn_drop_rate=0.,
//   drop_path_rate=0., num_fcs=2, qkv_bias=True, ffn_type='origin',
//   act_cfg=dict(type='GELU'), norm_cfg=dict(type='LN'), init_cfg=None):
//   ln1, attn (MMPretrain's MultiheadAttention), ln2, ffn (MMCV's FFN);
//   init_weights() sets the FFN's Linear weights Xavier-uniform, biases N(0, 1e-6).
//   ffn_type='swiglu_fused' uses SwiGLUFFNFused (DINOv2) as `ffn`.
// VisionTransformer(arch='base', img_size=224, patch_size=16, in_channels=3,
//   out_indices=-1, drop_rate=0., drop_path_rate=0., qkv_bias=True,
//   norm_cfg=dict(type='LN', eps=1e-6), final_norm=True, out_type='cls_token',
//   with_cls_token=True, frozen_stages=-1, interpolate_mode='bicubic',
//   layer_scale_init_value=0., patch_cfg=dict(), layer_cfgs=dict(),
//   pre_norm=False, init_cfg=None).
//   arch_zoo: s/small, b/base, l/large, h/huge, eva-g/eva-giant, deit-t/deit-tiny,
//   deit-s/deit-small/dinov2-s/dinov2-small, deit-b/deit-base,
//   dinov2-g/dinov2-giant, or a dict with embed_dims, num_layers, num_heads,
//   feedforward_channels.
//   State dict: cls_token, pos_embed, patch_embed.projection.*, layers.N.*,
//   (pre_norm.*), ln1.*, (ln2.* for avg_featmap).
//   forward: one output per out index, formatted by out_type: cls_token (B, C),
//   featmap (B, C, h, w), avg_featmap (ln2 of the mean patch token, (B, C)),
//   raw (B, L, C). The position embedding is resized (interpolate_mode) to the
//   input's patch grid; loading a checkpoint whose pos_embed has another length
//   resizes it (MMPretrain's _prepare_pos_embed hook) and drops its cls-token
//   row when with_cls_token=False.
#pragma once

#include <torch/nn/modules/dropout.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/cv/cnn/bricks/transformer.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/models/utils/attention.h"
#include "mmcpp/pretrain/models/utils/layer_depth.h"
#include "mmcpp/pretrain/models/utils/swiglu_ffn.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

struct TransformerEncoderLayerOptions {
  std::int64_t embed_dims = 0;
  std::int64_t num_heads = 0;
  std::int64_t feedforward_channels = 0;
  double layer_scale_init_value = 0.;
  double drop_rate = 0.;
  double attn_drop_rate = 0.;
  double drop_path_rate = 0.;
  std::int64_t num_fcs = 2;
  bool qkv_bias = true;
  std::string ffn_type = "origin";
  config::Value act_cfg;   // dict(type='GELU')
  config::Value norm_cfg;  // dict(type='LN')
  config::Value init_cfg;
  TransformerEncoderLayerOptions();
  static TransformerEncoderLayerOptions read(registry::BuildArgs& args);
};

class TransformerEncoderLayerImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("TransformerEncoderLayer", "BaseModule")
  explicit TransformerEncoderLayerImpl(TransformerEncoderLayerOptions options);
  void init_weights() override;
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  TransformerEncoderLayerOptions options_;
  engine::Layer ln1_, ln2_;
  MultiheadAttention attn_{nullptr};
  mmcv::FFN ffn_{nullptr};
  SwiGLUFFN swiglu_{nullptr};
};
TORCH_MODULE(TransformerEncoderLayer);

struct ViTArch {
  std::int64_t embed_dims, num_layers, num_heads, feedforward_channels;
};
// VisionTransformer.arch_zoo (every name and alias).
const std::map<std::string, ViTArch>& vit_arch_zoo();

struct VisionTransformerOptions {
  config::Value arch = config::Value("base");
  config::Value img_size = config::Value(224);
  config::Value patch_size = config::Value(16);
  std::int64_t in_channels = 3;
  std::vector<std::int64_t> out_indices = {-1};
  double drop_rate = 0.;
  double drop_path_rate = 0.;
  bool qkv_bias = true;
  config::Value norm_cfg;  // dict(type='LN', eps=1e-6)
  bool final_norm = true;
  std::string out_type = "cls_token";
  bool with_cls_token = true;
  std::int64_t frozen_stages = -1;
  std::string interpolate_mode = "bicubic";
  double layer_scale_init_value = 0.;
  config::Value patch_cfg;   // dict()
  config::Value layer_cfgs;  // dict() or a list of dicts
  bool pre_norm = false;
  config::Value init_cfg;
  VisionTransformerOptions();
  void read(registry::BuildArgs& args);
};

class VisionTransformerImpl : public BaseBackboneImpl,
                              public LayerDepthInterface,
                              public engine::LoadStateDictPreHook {
 public:
  MMCPP_PYTHON_CLASS("VisionTransformer", "BaseBackbone")
  explicit VisionTransformerImpl(VisionTransformerOptions options);
  // Example: dict(type='VisionTransformer', arch=dict(embed_dims=32, num_layers=2,
  // num_heads=2, feedforward_channels=64), img_size=32, patch_size=8).
  static std::shared_ptr<VisionTransformerImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void init_weights() override;
  void load_state_dict_pre_hook(engine::StateDict& state_dict, const std::string& prefix) override;
  std::pair<std::int64_t, std::int64_t> get_layer_depth(const std::string& param_name,
                                                        const std::string& prefix) const override;

  std::int64_t embed_dims() const { return arch_.embed_dims; }
  std::int64_t num_layers() const { return arch_.num_layers; }
  std::int64_t num_extra_tokens() const { return num_extra_tokens_; }
  mmcv::Size2 patch_resolution() const { return patch_resolution_; }
  const std::vector<std::int64_t>& out_indices() const { return out_indices_; }
  torch::Tensor cls_token, pos_embed;

 protected:
  // DistilledVisionTransformer: 2 extra tokens (cls and distillation).
  // build_layers=false (ViTEVA02, which replaces `layers`): `layers` is
  // registered empty and frozen_stages is left to the subclass.
  VisionTransformerImpl(VisionTransformerOptions options, std::int64_t num_extra_tokens,
                        bool build_layers = true);
  void freeze_stages();
  // Patch embedding, extra tokens (cls_token then `extra`), resized position
  // embedding and dropout: the input of the first layer.
  torch::Tensor embed(const torch::Tensor& x, const std::vector<torch::Tensor>& extra,
                      mmcv::Size2& patch_resolution);
  Feats run_layers(torch::Tensor x, mmcv::Size2 hw);
  virtual torch::Tensor format_output(const torch::Tensor& x, mmcv::Size2 hw);

  VisionTransformerOptions options_;
  ViTArch arch_;
  std::int64_t num_extra_tokens_;
  mmcv::Size2 patch_resolution_;
  std::vector<std::int64_t> out_indices_;
  mmcv::PatchEmbed patch_embed_{nullptr};
  torch::nn::Dropout drop_after_pos_{nullptr};
  engine::ModuleList layers_{nullptr};
  engine::Layer pre_norm_, ln1_, ln2_;
};
TORCH_MODULE(VisionTransformer);

}  // namespace mmcpp::pretrain
