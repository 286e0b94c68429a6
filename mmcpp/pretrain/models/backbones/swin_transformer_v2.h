// SwinBlockV2, SwinBlockV2Sequence and SwinTransformerV2
// (mmpretrain/models/backbones/swin_transformer_v2.py).
//
// SwinBlockV2(embed_dims, num_heads, window_size=8, shift=False,
//   extra_norm=False, ffn_ratio=4., drop_path=0., pad_small_map=False,
//   attn_cfgs=dict(), ffn_cfgs=dict(), norm_cfg=dict(type='LN'), with_cp=False,
//   pretrained_window_size=0, init_cfg=None): attn (ShiftWindowMSA over
//   WindowMSAV2), norm1, ffn (no identity), norm2, (norm3); res-post-norm.
// SwinBlockV2Sequence(embed_dims, depth, num_heads, window_size=8,
//   downsample=False, downsample_cfg=dict(), drop_paths=0., block_cfgs=dict(),
//   with_cp=False, pad_small_map=False, extra_norm_every_n_blocks=0,
//   pretrained_window_size=0, init_cfg=None): `downsample` (MMPretrain's
//   PatchMerging, before the blocks) then `blocks`.
// SwinTransformerV2(arch='tiny', img_size=256, patch_size=4, in_channels=3,
//   window_size=8 (or one per stage), drop_rate=0., drop_path_rate=0.1,
//   out_indices=(3, ), use_abs_pos_embed=False, interpolate_mode='bicubic',
//   with_cp=False, frozen_stages=-1, norm_eval=False, pad_small_map=False,
//   norm_cfg=dict(type='LN'), stage_cfgs=dict(), patch_cfg=dict(),
//   pretrained_window_sizes=[0, 0, 0, 0], init_cfg=None).
//   arch_zoo: t/tiny, s/small, b/base, l/large, h/huge, g/giant, or a dict with
//   exactly embed_dims, depths, num_heads, extra_norm_every_n_blocks.
//   Loading drops every relative_position_index / relative_coords_table entry
//   of the checkpoint (they are rebuilt from the window size) and resizes an
//   absolute_pos_embed, as MMPretrain's hooks do. with_cp changes nothing.
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
#include "mmcpp/pretrain/models/utils/embed.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class SwinBlockV2Impl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("SwinBlockV2", "BaseModule")
  // `cfg`: SwinBlockV2's keyword arguments (unknown keys are a TypeError).
  explicit SwinBlockV2Impl(const config::Value& cfg);
  torch::Tensor forward(const torch::Tensor& x, mmcv::Size2 hw_shape);

 private:
  bool extra_norm_ = false;
  ShiftWindowMSA attn_{nullptr};
  engine::Layer norm1_, norm2_, norm3_;
  mmcv::FFN ffn_{nullptr};
};
TORCH_MODULE(SwinBlockV2);

class SwinBlockV2SequenceImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("SwinBlockV2Sequence", "BaseModule")
  explicit SwinBlockV2SequenceImpl(const config::Value& cfg);
  std::pair<torch::Tensor, mmcv::Size2> forward(const torch::Tensor& x, mmcv::Size2 in_shape);
  std::int64_t out_channels() const { return out_channels_; }

 private:
  std::int64_t out_channels_ = 0;
  PatchMerging downsample_{nullptr};
  engine::ModuleList blocks_{nullptr};
};
TORCH_MODULE(SwinBlockV2Sequence);

struct SwinV2Arch {
  std::int64_t embed_dims;
  std::vector<std::int64_t> depths, num_heads;
  std::int64_t extra_norm_every_n_blocks;
};
const std::map<std::string, SwinV2Arch>& swin_v2_arch_zoo();

class SwinTransformerV2Impl : public BaseBackboneImpl, public engine::LoadStateDictPreHook {
 public:
  MMCPP_PYTHON_CLASS("SwinTransformerV2", "BaseBackbone")
  explicit SwinTransformerV2Impl(registry::BuildArgs& args);
  // Example: dict(type='SwinTransformerV2', arch=dict(embed_dims=16, depths=[2, 2],
  // num_heads=[2, 4], extra_norm_every_n_blocks=0), img_size=32, window_size=4,
  // out_indices=(1, ), pretrained_window_sizes=[0, 0]).
  static std::shared_ptr<SwinTransformerV2Impl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  void init_weights() override;
  void load_state_dict_pre_hook(engine::StateDict& state_dict, const std::string& prefix) override;
  torch::Tensor absolute_pos_embed;

 private:
  void freeze_stages();

  SwinV2Arch arch_;
  std::vector<std::int64_t> out_indices_;
  bool use_abs_pos_embed_ = false;
  std::string interpolate_mode_ = "bicubic";
  std::int64_t frozen_stages_ = -1;
  bool norm_eval_ = false;
  mmcv::Size2 patch_resolution_;
  mmcv::PatchEmbed patch_embed_{nullptr};
  torch::nn::Dropout drop_after_pos_{nullptr};
  engine::ModuleList stages_{nullptr};
  std::map<std::int64_t, engine::Layer> norms_;
};
TORCH_MODULE(SwinTransformerV2);

}  // namespace mmcpp::pretrain
