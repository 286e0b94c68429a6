// RelativePositionBias, BEiTTransformerEncoderLayer and BEiTViT
// (mmpretrain/models/backbones/beit.py).
//
// RelativePositionBias(window_size, num_heads, with_cls_token=True): the
// shared bias: `relative_position_bias_table` ((2Wh-1)(2Ww-1)+3, heads, zeros)
// and buffer `relative_position_index`; forward() -> (heads, Wh*Ww+1, Wh*Ww+1).
// BEiTTransformerEncoderLayer(embed_dims, num_heads, feedforward_channels,
//   layer_scale_init_value, window_size, use_rel_pos_bias, drop_rate=0.,
//   attn_drop_rate=0., drop_path_rate=0., num_fcs=2, bias='qv_bias',
//   act_cfg=dict(type='GELU'), norm_cfg=dict(type='LN'), attn_cfg=dict(),
//   ffn_cfg=dict(add_identity=False), init_cfg=None): a TransformerEncoderLayer
//   whose state dict is gamma_1, gamma_2 (layer_scale_init_value > 0), ln1, attn
//   (BEiTAttention), ln2, ffn (MMCV's FFN, its own DropPath), drop_path;
//   x + drop_path(gamma_1 * attn(ln1(x), rel_pos_bias)), then the same with
//   gamma_2 and ffn(ln2(x)). init_weights: FFN Linear weights Xavier-uniform,
//   biases N(0, 1e-6) (TransformerEncoderLayer's).
// BEiTViT(arch='base', img_size=224, patch_size=16, in_channels=3,
//   out_indices=-1, drop_rate=0, drop_path_rate=0, bias='qv_bias',
//   norm_cfg=dict(type='LN', eps=1e-6), final_norm=False,
//   out_type='avg_featmap', with_cls_token=True, frozen_stages=-1,
//   use_abs_pos_emb=False, use_rel_pos_bias=True,
//   use_shared_rel_pos_bias=False, interpolate_mode='bicubic',
//   layer_scale_init_value=0.1, patch_cfg=dict(), layer_cfgs=dict(),
//   init_cfg=None).
//   arch_zoo: s/small, b/base, l/large, eva-g/eva-giant, deit-t/deit-tiny,
//   deit-s/deit-small, deit-b/deit-base (case-insensitive), or a dict with
//   embed_dims, num_layers, num_heads, feedforward_channels.
//   State dict: cls_token, (pos_embed), patch_embed.projection.*,
//   (rel_pos_bias.*), layers.N.*, (ln1.* with final_norm), (ln2.* for
//   avg_featmap). Outputs as VisionTransformer's out_type. Loading a
//   checkpoint: pos_embed resized to the patch grid, a shared
//   rel_pos_bias.relative_position_bias_table copied into every layer when
//   use_rel_pos_bias (MMPretrain's load-state-dict pre-hooks).
#pragma once

#include <torch/nn/modules/dropout.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/cv/cnn/bricks/transformer.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/models/backbones/vision_transformer.h"
#include "mmcpp/pretrain/models/utils/beit_attention.h"
#include "mmcpp/pretrain/models/utils/layer_depth.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class RelativePositionBiasImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("RelativePositionBias", "BaseModule")
  RelativePositionBiasImpl(std::pair<std::int64_t, std::int64_t> window_size,
                           std::int64_t num_heads, bool with_cls_token = true);
  torch::Tensor forward();

  torch::Tensor relative_position_bias_table, relative_position_index;

 private:
  std::pair<std::int64_t, std::int64_t> window_size_;
};
TORCH_MODULE(RelativePositionBias);

struct BEiTTransformerEncoderLayerOptions {
  std::int64_t embed_dims = 0, num_heads = 0, feedforward_channels = 0;
  double layer_scale_init_value = 0.;
  std::optional<std::pair<std::int64_t, std::int64_t>> window_size;
  bool use_rel_pos_bias = false;
  double drop_rate = 0., attn_drop_rate = 0., drop_path_rate = 0.;
  std::int64_t num_fcs = 2;
  config::Value bias = config::Value("qv_bias");
  config::Value act_cfg;   // dict(type='GELU')
  config::Value norm_cfg;  // dict(type='LN')
  config::Value attn_cfg;  // dict()
  config::Value ffn_cfg;   // dict(add_identity=False)
  config::Value init_cfg;
  BEiTTransformerEncoderLayerOptions();
  static BEiTTransformerEncoderLayerOptions read(registry::BuildArgs& args);
};

class BEiTTransformerEncoderLayerImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("BEiTTransformerEncoderLayer", "TransformerEncoderLayer")
  explicit BEiTTransformerEncoderLayerImpl(BEiTTransformerEncoderLayerOptions options);
  void init_weights() override;
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& rel_pos_bias = {});

  torch::Tensor gamma_1, gamma_2;

 private:
  BEiTTransformerEncoderLayerOptions options_;
  engine::Layer ln1_, ln2_, drop_path_;
  BEiTAttention attn_{nullptr};
  mmcv::FFN ffn_{nullptr};
};
TORCH_MODULE(BEiTTransformerEncoderLayer);

// BEiTViT.arch_zoo (every name and alias).
const std::map<std::string, ViTArch>& beit_arch_zoo();

struct BEiTViTOptions {
  config::Value arch = config::Value("base");
  config::Value img_size = config::Value(224);
  config::Value patch_size = config::Value(16);
  std::int64_t in_channels = 3;
  std::vector<std::int64_t> out_indices = {-1};
  double drop_rate = 0.;
  double drop_path_rate = 0.;
  config::Value bias = config::Value("qv_bias");
  config::Value norm_cfg;  // dict(type='LN', eps=1e-6)
  bool final_norm = false;
  std::string out_type = "avg_featmap";
  bool with_cls_token = true;
  std::int64_t frozen_stages = -1;
  bool use_abs_pos_emb = false;
  bool use_rel_pos_bias = true;
  bool use_shared_rel_pos_bias = false;
  std::string interpolate_mode = "bicubic";
  double layer_scale_init_value = 0.1;
  config::Value patch_cfg;   // dict()
  config::Value layer_cfgs;  // dict() or a list of dicts
  config::Value init_cfg;
  BEiTViTOptions();
  void read(registry::BuildArgs& args);
};

class BEiTViTImpl : public BaseBackboneImpl,
                    public LayerDepthInterface,
                    public engine::LoadStateDictPreHook {
 public:
  MMCPP_PYTHON_CLASS("BEiTViT", "BaseBackbone")
  explicit BEiTViTImpl(BEiTViTOptions options);
  // Example: dict(type='BEiTViT', arch=dict(embed_dims=32, num_layers=2,
  // num_heads=2, feedforward_channels=64), img_size=32, patch_size=8).
  static std::shared_ptr<BEiTViTImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void init_weights() override;
  void load_state_dict_pre_hook(engine::StateDict& state_dict, const std::string& prefix) override;
  std::pair<std::int64_t, std::int64_t> get_layer_depth(const std::string& param_name,
                                                        const std::string& prefix) const override;

  std::int64_t embed_dims() const { return arch_.embed_dims; }
  std::int64_t num_layers() const { return arch_.num_layers; }
  const std::vector<std::int64_t>& out_indices() const { return out_indices_; }
  torch::Tensor cls_token, pos_embed;

 private:
  void freeze_stages();
  torch::Tensor format_output(const torch::Tensor& x, mmcv::Size2 hw);

  BEiTViTOptions options_;
  ViTArch arch_;
  std::int64_t num_extra_tokens_ = 1;
  mmcv::Size2 patch_resolution_;
  std::vector<std::int64_t> out_indices_;
  mmcv::PatchEmbed patch_embed_{nullptr};
  torch::nn::Dropout drop_after_pos_{nullptr};
  RelativePositionBias rel_pos_bias_{nullptr};
  engine::ModuleList layers_{nullptr};
  engine::Layer ln1_, ln2_;
};
TORCH_MODULE(BEiTViT);

}  // namespace mmcpp::pretrain
