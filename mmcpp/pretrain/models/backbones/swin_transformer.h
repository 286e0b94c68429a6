// SwinBlock, SwinBlockSequence and SwinTransformer
// (mmpretrain/models/backbones/swin_transformer.py).
//
// SwinBlock(embed_dims, num_heads, window_size=7, shift=False, ffn_ratio=4.,
//   drop_path=0., pad_small_map=False, attn_cfgs=dict(), ffn_cfgs=dict(),
//   norm_cfg=dict(type='LN'), with_cp=False, init_cfg=None): norm1,
//   attn (ShiftWindowMSA, shift window_size // 2 when `shift`), norm2, ffn (FFN
//   with GELU, int(embed_dims * ffn_ratio) hidden channels).
// SwinBlockSequence(embed_dims, depth, num_heads, window_size=7,
//   downsample=False, downsample_cfg=dict(), drop_paths=0., block_cfgs=dict(),
//   with_cp=False, pad_small_map=False, init_cfg=None): `blocks` (shift on odd
//   blocks), `downsample` (PatchMerging to 2*embed_dims).
// SwinTransformer(arch='tiny', img_size=224, patch_size=4, in_channels=3,
//   window_size=7, drop_rate=0., drop_path_rate=0.1, out_indices=(3, ),
//   out_after_downsample=False, use_abs_pos_embed=False,
//   interpolate_mode='bicubic', with_cp=False, frozen_stages=-1,
//   norm_eval=False, pad_small_map=False, norm_cfg=dict(type='LN'),
//   stage_cfgs=dict(), patch_cfg=dict(), init_cfg=None).
//   arch_zoo: t/tiny, s/small, b/base, l/large, or a dict with exactly
//   embed_dims, depths, num_heads. Outputs (B, C_i, H_i, W_i) after `norm{i}`
//   per out index. State dict: (absolute_pos_embed), patch_embed.*,
//   stages.N.blocks.M.*, stages.N.downsample.*, norm{i}.*.
//   with_cp is accepted and changes nothing (gradient checkpointing only saves
//   memory). Loading: an absolute_pos_embed of another length is resized;
//   old checkpoints' `norm.` keys become `norm{last}.` and `attn_mask` entries
//   are dropped, as MMPretrain's version upgrade does. A
//   relative_position_bias_table of another window size would need MMPretrain's
//   scipy interp2d resize, which is not implemented: it is logged and left to
//   the size-mismatch report.
#pragma once

#include <torch/nn/modules/dropout.h>

#include <map>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/cv/cnn/bricks/transformer.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/models/utils/attention.h"
#include "mmcpp/pretrain/models/utils/layer_depth.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

struct SwinBlockOptions {
  std::int64_t embed_dims = 0;
  std::int64_t num_heads = 0;
  std::int64_t window_size = 7;
  bool shift = false;
  double ffn_ratio = 4.;
  double drop_path = 0.;
  bool pad_small_map = false;
  config::Value attn_cfgs;  // dict()
  config::Value ffn_cfgs;   // dict()
  config::Value norm_cfg;   // dict(type='LN')
  bool with_cp = false;
  config::Value init_cfg;
  SwinBlockOptions();
  static SwinBlockOptions read(registry::BuildArgs& args);
};

class SwinBlockImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("SwinBlock", "BaseModule")
  explicit SwinBlockImpl(SwinBlockOptions options);
  torch::Tensor forward(const torch::Tensor& x, mmcv::Size2 hw_shape);

 private:
  SwinBlockOptions options_;
  engine::Layer norm1_, norm2_;
  ShiftWindowMSA attn_{nullptr};
  mmcv::FFN ffn_{nullptr};
};
TORCH_MODULE(SwinBlock);

struct SwinBlockSequenceOptions {
  std::int64_t embed_dims = 0;
  std::int64_t depth = 0;
  std::int64_t num_heads = 0;
  std::int64_t window_size = 7;
  bool downsample = false;
  config::Value downsample_cfg;  // dict()
  config::Value drop_paths = config::Value(0.);
  config::Value block_cfgs;  // dict() or a list of dicts
  bool with_cp = false;
  bool pad_small_map = false;
  config::Value init_cfg;
  SwinBlockSequenceOptions();
  static SwinBlockSequenceOptions read(registry::BuildArgs& args);
};

class SwinBlockSequenceImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("SwinBlockSequence", "BaseModule")
  explicit SwinBlockSequenceImpl(SwinBlockSequenceOptions options);
  std::pair<torch::Tensor, mmcv::Size2> forward(const torch::Tensor& x, mmcv::Size2 in_shape,
                                                bool do_downsample = true);
  std::int64_t out_channels() const;
  mmcv::PatchMerging& downsample() { return downsample_; }

 private:
  SwinBlockSequenceOptions options_;
  engine::ModuleList blocks_{nullptr};
  mmcv::PatchMerging downsample_{nullptr};
};
TORCH_MODULE(SwinBlockSequence);

struct SwinArch {
  std::int64_t embed_dims;
  std::vector<std::int64_t> depths, num_heads;
};
const std::map<std::string, SwinArch>& swin_arch_zoo();

struct SwinTransformerOptions {
  config::Value arch = config::Value("tiny");
  config::Value img_size = config::Value(224);
  config::Value patch_size = config::Value(4);
  std::int64_t in_channels = 3;
  std::int64_t window_size = 7;
  double drop_rate = 0.;
  double drop_path_rate = 0.1;
  std::vector<std::int64_t> out_indices = {3};
  bool out_after_downsample = false;
  bool use_abs_pos_embed = false;
  std::string interpolate_mode = "bicubic";
  bool with_cp = false;
  std::int64_t frozen_stages = -1;
  bool norm_eval = false;
  bool pad_small_map = false;
  config::Value norm_cfg;    // dict(type='LN')
  config::Value stage_cfgs;  // dict() or a list of dicts
  config::Value patch_cfg;   // dict()
  config::Value init_cfg;
  SwinTransformerOptions();
  void read(registry::BuildArgs& args);
};

class SwinTransformerImpl : public BaseBackboneImpl,
                            public LayerDepthInterface,
                            public engine::LoadStateDictPreHook {
 public:
  MMCPP_PYTHON_CLASS("SwinTransformer", "BaseBackbone")
  explicit SwinTransformerImpl(SwinTransformerOptions options);
  // Example: dict(type='SwinTransformer', arch=dict(embed_dims=16, depths=[2, 2],
  // num_heads=[2, 4]), img_size=32, window_size=4, out_indices=(1, )).
  static std::shared_ptr<SwinTransformerImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  void init_weights() override;
  void load_state_dict_pre_hook(engine::StateDict& state_dict, const std::string& prefix) override;
  std::pair<std::int64_t, std::int64_t> get_layer_depth(const std::string& param_name,
                                                        const std::string& prefix) const override;
  const std::vector<std::int64_t>& num_features() const { return num_features_; }
  torch::Tensor absolute_pos_embed;

 private:
  void freeze_stages();

  SwinTransformerOptions options_;
  SwinArch arch_;
  mmcv::Size2 patch_resolution_;
  mmcv::PatchEmbed patch_embed_{nullptr};
  torch::nn::Dropout drop_after_pos_{nullptr};
  engine::ModuleList stages_{nullptr};
  std::vector<std::int64_t> num_features_;
  std::map<std::int64_t, engine::Layer> norms_;
};
TORCH_MODULE(SwinTransformer);

}  // namespace mmcpp::pretrain
