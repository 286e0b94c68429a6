// LeAttention (mmpretrain/models/utils/attention.py): LeViT's multi-head
// attention with a learned bias per relative offset.
//
// LeAttention(dim, key_dim, num_heads=8, attn_ratio=4, resolution=(14, 14),
// init_cfg=None). Parameters as MMPretrain's: attention_biases
// (num_heads, number of distinct |offsets|) first, then norm (LayerNorm),
// qkv (Linear to attn_ratio * key_dim * num_heads + 2 * key_dim *
// num_heads), proj. attention_bias_idxs (N, N) is a non-persistent buffer in
// MMPretrain: kept out of the state dict here too (a member tensor moved to
// the biases' device when used). MMPretrain caches the gathered biases
// (`ab`) in eval mode; here they are gathered on every call (same values).
#pragma once

#include <utility>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"

namespace mmcpp::pretrain {

class LeAttentionImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("LeAttention", "BaseModule")
  LeAttentionImpl(std::int64_t dim, std::int64_t key_dim, std::int64_t num_heads = 8,
                  double attn_ratio = 4,
                  std::pair<std::int64_t, std::int64_t> resolution = {14, 14},
                  config::Value init_cfg = config::Value());
  // x: (B, N, dim) with N = resolution[0] * resolution[1].
  torch::Tensor forward(const torch::Tensor& x) override;
  const torch::Tensor& attention_bias_idxs() const { return idxs_; }

 private:
  std::int64_t num_heads_, key_dim_, d_, dh_;
  double scale_;
  torch::Tensor attention_biases_, idxs_;
  engine::Layer norm_, qkv_, proj_;
};
TORCH_MODULE(LeAttention);

}  // namespace mmcpp::pretrain
