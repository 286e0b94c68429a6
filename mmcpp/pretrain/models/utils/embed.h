// resize_pos_embed (mmpretrain/models/utils/embed.py) and to_2tuple
// (mmpretrain/models/utils/helpers.py; see mmcv::to_2tuple).
//
// resize_pos_embed(pos_embed (1, L, C), src_shape, dst_shape, mode='bicubic',
// num_extra_tokens=1): the patch part reshaped to (1, C, h, w), interpolated in
// float32 to dst_shape (align_corners=False), flattened back after the extra
// tokens; unchanged when the shapes are equal. AssertionError when L does not
// match src_shape.
//
// resize_relative_position_bias_table(src_shape, dst_shape, table (L, heads),
// num_head): a window's relative position bias table of (2w-1)^2 entries for
// src_shape = 2w-1 resampled to dst_shape x dst_shape, as MMPretrain: the
// source offsets are spread over [-dst/2, dst/2] in a geometric progression
// (ratio found by bisection), and each head's (src, src) table is evaluated at
// the integer offsets with scipy's interp2d(kind='cubic') - an interpolating
// bicubic spline with not-a-knot ends (FITPACK's s=0 knots), clamped to the
// source range outside it. Computed in double precision; float32 out.
// PatchMerging(in_channels, out_channels, kernel_size=2, stride=None,
// padding='corner', dilation=1, bias=False, norm_cfg=dict(type='LN'),
// use_post_norm=False, init_cfg=None): MMPretrain's own PatchMerging (Swin V2):
// MMCV's with `reduction` registered before `norm`, and with use_post_norm the
// norm (over out_channels) applied after the reduction.
#pragma once

#include <torch/types.h>

#include <string>

#include "mmcpp/cv/cnn/bricks/transformer.h"

namespace mmcpp::pretrain {

using mmcv::Size2;
using mmcv::to_2tuple;

struct PatchMergingOptions : mmcv::PatchMergingOptions {
  bool use_post_norm = false;
  static PatchMergingOptions from_dict(const config::Value& cfg);
};

class PatchMergingImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("PatchMerging", "BaseModule")
  explicit PatchMergingImpl(PatchMergingOptions options);
  std::pair<torch::Tensor, Size2> forward(const torch::Tensor& x, Size2 input_size);
  std::int64_t out_channels() const { return options_.out_channels; }

 private:
  PatchMergingOptions options_;
  Size2 kernel_, stride_, dilation_, padding_;
  mmcv::AdaptivePadding adaptive_padding_{nullptr};
  torch::nn::Unfold sampler_{nullptr};
  torch::nn::Linear reduction_{nullptr};
  engine::Layer norm_;
};
TORCH_MODULE(PatchMerging);

torch::Tensor resize_pos_embed(const torch::Tensor& pos_embed, Size2 src_shape, Size2 dst_shape,
                               const std::string& mode = "bicubic",
                               std::int64_t num_extra_tokens = 1);

torch::Tensor resize_relative_position_bias_table(std::int64_t src_shape, std::int64_t dst_shape,
                                                  const torch::Tensor& table,
                                                  std::int64_t num_head);

}  // namespace mmcpp::pretrain
