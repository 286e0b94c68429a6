// BEiTAttention (mmpretrain/models/utils/attention.py) and the relative
// position index of BEiT's relative position bias.
//
// BEiTAttention(embed_dims, num_heads, window_size, use_rel_pos_bias,
//   bias='qv_bias', qk_scale=None, attn_drop_rate=0., proj_drop_rate=0.,
//   init_cfg=None, **kwargs): parameters q_bias and v_bias (bias='qv_bias':
//   `qkv` then has no bias; bias=True/False: `qkv`'s own bias or none), then,
//   with use_rel_pos_bias, `relative_position_bias_table`
//   ((2Wh-1)(2Ww-1)+3, heads; trunc-normal 0.02 in init_weights) and the
//   buffer `relative_position_index` ((Wh*Ww+1)^2, the last three table rows
//   are cls->token, token->cls, cls->cls), then `qkv`, `attn_drop`, `proj`,
//   `proj_drop`. Other keyword arguments are accepted and ignored, as Python's
//   **kwargs (BEiTTransformerEncoderLayer passes attn_drop/proj_drop, which
//   therefore change nothing). forward(x, rel_pos_bias) adds the shared bias
//   (heads, N, N) when given.
#pragma once

#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include <optional>
#include <utility>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"

namespace mmcpp::pretrain {

// The (Wh*Ww+1, Wh*Ww+1) int64 index into a table of (2Wh-1)(2Ww-1)+3 rows
// (with_cls_token), or the (Wh*Ww, Wh*Ww) index into (2Wh-1)(2Ww-1) rows.
torch::Tensor beit_relative_position_index(std::int64_t wh, std::int64_t ww,
                                           bool with_cls_token = true);

struct BEiTAttentionOptions {
  std::int64_t embed_dims = 0;
  std::int64_t num_heads = 0;
  std::optional<std::pair<std::int64_t, std::int64_t>> window_size;
  bool use_rel_pos_bias = false;
  config::Value bias = config::Value("qv_bias");  // 'qv_bias', True or False
  std::optional<double> qk_scale;
  double attn_drop_rate = 0.;
  double proj_drop_rate = 0.;
  config::Value init_cfg;
  // From a dict of BEiTAttention's keyword arguments (unknown ones ignored).
  static BEiTAttentionOptions from_dict(const config::Value& cfg);
};

class BEiTAttentionImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("BEiTAttention", "BaseModule")
  explicit BEiTAttentionImpl(BEiTAttentionOptions options);
  void init_weights() override;
  // rel_pos_bias: undefined, or (num_heads, N, N).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& rel_pos_bias = {});

  torch::Tensor q_bias, v_bias, relative_position_bias_table, relative_position_index;

 private:
  BEiTAttentionOptions options_;
  bool qv_bias_ = false;
  double scale_ = 1.;
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr};
  torch::nn::Dropout attn_drop_{nullptr}, proj_drop_{nullptr};
};
TORCH_MODULE(BEiTAttention);

}  // namespace mmcpp::pretrain
