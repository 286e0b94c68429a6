// DeiT3 (mmpretrain/models/backbones/deit3.py).
//
// DeiT3TransformerEncoderLayer(embed_dims, num_heads, feedforward_channels,
//   drop_rate=0., attn_drop_rate=0., drop_path_rate=0., num_fcs=2,
//   qkv_bias=True, use_layer_scale=True, act_cfg=dict(type='GELU'),
//   norm_cfg=dict(type='LN'), init_cfg=None): ln1, attn (gamma1 = LayerScale
//   1e-5 with use_layer_scale), ln2, ffn (DeiT3FFN: MMCV's FFN layout with
//   gamma2 = LayerScale 1e-5). As in MMPretrain, forward normalises with ln1
//   before both the attention and the FFN (ln2 has parameters but is unused).
// DeiT3(arch='base', img_size=224, patch_size=16, in_channels=3,
//   out_indices=-1, drop_rate=0., drop_path_rate=0., qkv_bias=True,
//   norm_cfg=dict(type='LN', eps=1e-6), final_norm=True, out_type='cls_token',
//   with_cls_token=True, use_layer_scale=True, interpolate_mode='bicubic',
//   patch_cfg=dict(), layer_cfgs=dict(), init_cfg=None).
//   arch_zoo: s/small, m/medium, b/base, l/large, h/huge, or a dict with
//   embed_dims, num_layers, num_heads, feedforward_channels. pos_embed covers
//   the patches only and is added before the cls token is prepended; a
//   checkpoint's pos_embed of another length is resized on load. As in
//   MMPretrain, out_type='avg_featmap' has no ln2 and fails in forward.
#pragma once

#include <torch/nn/modules/dropout.h>

#include <map>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/cv/cnn/bricks/transformer.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/models/backbones/vision_transformer.h"
#include "mmcpp/pretrain/models/utils/attention.h"
#include "mmcpp/pretrain/models/utils/layer_depth.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class DeiT3TransformerEncoderLayerImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("DeiT3TransformerEncoderLayer", "BaseModule")
  // `cfg`: the layer's keyword arguments (unknown keys are a TypeError).
  explicit DeiT3TransformerEncoderLayerImpl(const config::Value& cfg);
  void init_weights() override;
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  engine::Layer ln1_, ln2_;
  MultiheadAttention attn_{nullptr};
  mmcv::FFN ffn_{nullptr};
};
TORCH_MODULE(DeiT3TransformerEncoderLayer);

const std::map<std::string, ViTArch>& deit3_arch_zoo();

class DeiT3Impl : public BaseBackboneImpl,
                  public LayerDepthInterface,
                  public engine::LoadStateDictPreHook {
 public:
  MMCPP_PYTHON_CLASS("DeiT3", "VisionTransformer")
  explicit DeiT3Impl(registry::BuildArgs& args);
  // Example: dict(type='DeiT3', arch=dict(embed_dims=32, num_layers=2, num_heads=2,
  // feedforward_channels=64), img_size=32, patch_size=8).
  static std::shared_ptr<DeiT3Impl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void init_weights() override;
  void load_state_dict_pre_hook(engine::StateDict& state_dict, const std::string& prefix) override;
  std::pair<std::int64_t, std::int64_t> get_layer_depth(const std::string& param_name,
                                                        const std::string& prefix) const override;
  torch::Tensor cls_token, pos_embed;

 private:
  ViTArch arch_;
  std::string out_type_ = "cls_token";
  std::string interpolate_mode_ = "bicubic";
  bool final_norm_ = true;
  std::int64_t num_extra_tokens_ = 1;
  std::vector<std::int64_t> out_indices_;
  mmcv::Size2 patch_resolution_;
  mmcv::PatchEmbed patch_embed_{nullptr};
  torch::nn::Dropout drop_after_pos_{nullptr};
  engine::ModuleList layers_{nullptr};
  engine::Layer ln1_;
};
TORCH_MODULE(DeiT3);

}  // namespace mmcpp::pretrain
