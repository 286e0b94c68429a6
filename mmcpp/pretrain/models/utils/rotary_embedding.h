// RotaryEmbeddingFast (mmpretrain/models/utils/position_encoding.py).
//
// RotaryEmbeddingFast(embed_dims, patch_resolution, theta=10000.,
// init_cfg=None): 2D rotary position embedding of the image tokens of one
// attention head (embed_dims = head dims). Persistent buffers freqs_cos and
// freqs_sin, (h * w, 2 * 2 * ceil(embed_dims / 4)) each, as MMPretrain
// registers them: with half = embed_dims // 2, frequency =
// 1 / theta ** (arange(0, half, 2) / half), positions arange(h) / h * half
// (and w), each row [pos_h * f, pos_h * f, pos_w * f, pos_w * f].
// forward(x (B, heads, h * w, dims), patch_resolution): x * cos + rot(x) *
// sin, rot pairing adjacent channels (x1, x2) -> (-x2, x1). Another
// resolution recomputes (and keeps) the buffers, as Python does.
#pragma once

#include <torch/nn/module.h>

#include "mmcpp/config/value.h"
#include "mmcpp/cv/cnn/bricks/transformer.h"
#include "mmcpp/engine/model/base_module.h"

namespace mmcpp::pretrain {

class RotaryEmbeddingFastImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("RotaryEmbeddingFast", "BaseModule")
  RotaryEmbeddingFastImpl(std::int64_t embed_dims, mmcv::Size2 patch_resolution,
                          double theta = 10000., config::Value init_cfg = config::Value());
  torch::Tensor forward(const torch::Tensor& x, mmcv::Size2 patch_resolution);

  // (freqs_cos, freqs_sin) for a patch resolution.
  std::pair<torch::Tensor, torch::Tensor> compute_position_embedding(mmcv::Size2 hw) const;
  mmcv::Size2 patch_resolution() const { return patch_resolution_; }
  torch::Tensor freqs_cos, freqs_sin;

 private:
  std::int64_t half_dim_;
  mmcv::Size2 patch_resolution_;
  double theta_;
};
TORCH_MODULE(RotaryEmbeddingFast);

}  // namespace mmcpp::pretrain
