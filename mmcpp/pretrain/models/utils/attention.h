// MMPretrain's attention modules (mmpretrain/models/utils/attention.py):
// MultiheadAttention, WindowMSA, ShiftWindowMSA.
//
// MultiheadAttention(embed_dims, num_heads, input_dims=None, attn_drop=0.,
//   proj_drop=0., dropout_layer=dict(type='Dropout', drop_prob=0.),
//   qkv_bias=True, qk_scale=None, proj_bias=True, v_shortcut=False,
//   use_layer_scale=False, layer_scale_init_value=0., init_cfg=None):
//   `qkv` Linear(input_dims, 3*embed_dims), `proj`, `proj_drop`, `out_drop`,
//   `gamma1` (LayerScale when use_layer_scale or layer_scale_init_value > 0,
//   value 1e-5 when 0). Attention is softmax(q k^T / sqrt(head_dims)) v. As in
//   MMPretrain, giving qk_scale (any value) switches to its Python
//   implementation called with scale=head_dims**-0.5, which *divides* by that
//   scale (i.e. multiplies q k^T by sqrt(head_dims)); we reproduce it.
// WindowMSA(embed_dims, window_size (Wh, Ww), num_heads, qkv_bias=True,
//   qk_scale=None, attn_drop=0., proj_drop=0., init_cfg=None): parameters
//   `relative_position_bias_table` ((2Wh-1)(2Ww-1), heads) (trunc-normal 0.02 in
//   init_weights), buffer `relative_position_index`, `qkv`, `proj`.
// ShiftWindowMSA(embed_dims, num_heads, window_size, shift_size=0,
//   dropout_layer=dict(type='DropPath', drop_prob=0.), pad_small_map=False,
//   window_msa=WindowMSA, init_cfg=None, **WindowMSA kwargs): `w_msa`, `drop`;
//   forward(query (B, HW, C), (H, W)) with cyclic shift, padding to whole
//   windows and the shifted-window attention mask. window_msa may be
//   'WindowMSA' or 'WindowMSAV2' (Swin V2, with pretrained_window_size and
//   cpb_mlp_hidden_dims among the kwargs).
// WindowMSAV2(embed_dims, window_size, num_heads, qkv_bias=True, attn_drop=0.,
//   proj_drop=0., cpb_mlp_hidden_dims=512, pretrained_window_size=(0, 0),
//   init_cfg=None): cosine attention with a clamped learnable `logit_scale`
//   and a continuous position bias from `cpb_mlp` over the log-spaced
//   `relative_coords_table` buffer; `qkv` without bias plus q_bias/v_bias.
#pragma once

#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include <optional>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/utils/embed.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

struct MultiheadAttentionOptions {
  std::int64_t embed_dims = 0;
  std::int64_t num_heads = 0;
  std::optional<std::int64_t> input_dims;
  double attn_drop = 0.;
  double proj_drop = 0.;
  config::Value dropout_layer;  // dict(type='Dropout', drop_prob=0.)
  bool qkv_bias = true;
  std::optional<double> qk_scale;
  bool proj_bias = true;
  bool v_shortcut = false;
  bool use_layer_scale = false;
  double layer_scale_init_value = 0.;
  config::Value init_cfg;
  MultiheadAttentionOptions();
  static MultiheadAttentionOptions read(registry::BuildArgs& args);
};

class MultiheadAttentionImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("MultiheadAttention", "BaseModule")
  explicit MultiheadAttentionImpl(MultiheadAttentionOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  MultiheadAttentionOptions options_;
  std::int64_t head_dims_;
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr};
  torch::nn::Dropout proj_drop_{nullptr};
  engine::Layer out_drop_, gamma1_;
};
TORCH_MODULE(MultiheadAttention);

struct WindowMSAOptions {
  std::int64_t embed_dims = 0;
  Size2 window_size{7, 7};
  std::int64_t num_heads = 0;
  bool qkv_bias = true;
  std::optional<double> qk_scale;
  double attn_drop = 0.;
  double proj_drop = 0.;
  config::Value init_cfg;
};

class WindowMSAImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("WindowMSA", "BaseModule")
  explicit WindowMSAImpl(WindowMSAOptions options);
  void init_weights() override;
  // x (num_windows*B, N, C); mask (num_windows, N, N) or undefined.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});
  torch::Tensor relative_position_bias_table, relative_position_index;

 private:
  WindowMSAOptions options_;
  double scale_;
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr};
  torch::nn::Dropout attn_drop_{nullptr}, proj_drop_{nullptr};
};
TORCH_MODULE(WindowMSA);

struct WindowMSAV2Options {
  std::int64_t embed_dims = 0;
  Size2 window_size{8, 8};
  std::int64_t num_heads = 0;
  bool qkv_bias = true;
  double attn_drop = 0.;
  double proj_drop = 0.;
  std::int64_t cpb_mlp_hidden_dims = 512;
  Size2 pretrained_window_size{0, 0};
  config::Value init_cfg;
};

class WindowMSAV2Impl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("WindowMSAV2", "BaseModule")
  explicit WindowMSAV2Impl(WindowMSAV2Options options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});
  torch::Tensor logit_scale, q_bias, v_bias, relative_coords_table, relative_position_index;

 private:
  WindowMSAV2Options options_;
  engine::LayerSequential cpb_mlp_{nullptr};
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr};
  torch::nn::Dropout attn_drop_{nullptr}, proj_drop_{nullptr};
};
TORCH_MODULE(WindowMSAV2);

struct ShiftWindowMSAOptions {
  std::int64_t embed_dims = 0;
  std::int64_t num_heads = 0;
  std::int64_t window_size = 7;
  std::int64_t shift_size = 0;
  config::Value dropout_layer;  // dict(type='DropPath', drop_prob=0.)
  bool pad_small_map = false;
  config::Value init_cfg;
  // WindowMSA's keyword arguments.
  bool qkv_bias = true;
  std::optional<double> qk_scale;
  double attn_drop = 0.;
  double proj_drop = 0.;
  std::string window_msa = "WindowMSA";  // or "WindowMSAV2"
  // WindowMSAV2's keyword arguments.
  std::int64_t cpb_mlp_hidden_dims = 512;
  Size2 pretrained_window_size{0, 0};
  ShiftWindowMSAOptions();
  // Reads every argument; window_msa other than WindowMSA/WindowMSAV2 is
  // NotImplementedError.
  static ShiftWindowMSAOptions read(registry::BuildArgs& args);
};

class ShiftWindowMSAImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("ShiftWindowMSA", "BaseModule")
  explicit ShiftWindowMSAImpl(ShiftWindowMSAOptions options);
  torch::Tensor forward(const torch::Tensor& query, Size2 hw_shape);

  static torch::Tensor window_partition(const torch::Tensor& x, std::int64_t window_size);
  static torch::Tensor window_reverse(const torch::Tensor& windows, std::int64_t H, std::int64_t W,
                                      std::int64_t window_size);
  // Undefined when shift_size is 0.
  static torch::Tensor get_attn_mask(Size2 hw_shape, std::int64_t window_size,
                                     std::int64_t shift_size, const torch::Device& device);

 private:
  ShiftWindowMSAOptions options_;
  WindowMSA w_msa_{nullptr};
  WindowMSAV2 w_msa_v2_{nullptr};
  engine::Layer drop_;
};
TORCH_MODULE(ShiftWindowMSA);

}  // namespace mmcpp::pretrain
