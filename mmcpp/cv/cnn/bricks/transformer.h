// MMCV's transformer bricks (mmcv/cnn/bricks/transformer.py): AdaptivePadding,
// PatchEmbed, PatchMerging, MultiheadAttention (the nn.MultiheadAttention
// wrapper) and FFN.
//
// AdaptivePadding(kernel_size=1, stride=1, dilation=1, padding='corner'):
//   pads (N, C, H, W) so that a conv of that kernel/stride covers the input
//   ('corner': right/bottom; 'same': split evenly). No parameters.
// PatchEmbed(in_channels=3, embed_dims=768, conv_type='Conv2d', kernel_size=16,
//   stride=16, padding='corner', dilation=1, bias=True, norm_cfg=None,
//   input_size=None, init_cfg=None): `adaptive_padding` (string padding),
//   `projection` conv, `norm`; forward(x) -> ((N, H'W', C), (H', W'));
//   init_out_size is the output size for `input_size`.
// PatchMerging(in_channels, out_channels, kernel_size=2, stride=None,
//   padding='corner', dilation=1, bias=False, norm_cfg=dict(type='LN'),
//   init_cfg=None): nn.Unfold `sampler`, `norm` over k*k*C, `reduction` Linear;
//   forward(x (N, HW, C), (H, W)) -> ((N, H'W', out), (H', W')).
// MultiheadAttention(embed_dims, num_heads, attn_drop=0., proj_drop=0.,
//   dropout_layer=dict(type='Dropout', drop_prob=0.), init_cfg=None,
//   batch_first=False, **kwargs of nn.MultiheadAttention: bias, add_bias_kv,
//   add_zero_attn, kdim, vdim): `attn` (torch's) then identity +
//   dropout_layer(proj_drop(out)).
// FFN(embed_dims=256, feedforward_channels=1024, num_fcs=2,
//   act_cfg=dict(type='ReLU', inplace=True), ffn_drop=0., dropout_layer=None,
//   add_identity=True, init_cfg=None, layer_scale_init_value=0.): `layers`
//   Sequential(Sequential(Linear, act, Dropout) x (num_fcs-1), Linear,
//   Dropout), `dropout_layer`, `gamma2` (LayerScale when
//   layer_scale_init_value > 0); forward(x, identity=x).
// FFN and MultiheadAttention are registered in MODELS, as in MMCV.
#pragma once

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/fold.h>
#include <torch/nn/modules/linear.h>

#include <optional>
#include <string>
#include <utility>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::mmcv {

using Size2 = std::pair<std::int64_t, std::int64_t>;

// to_2tuple of an int or a 2-sequence of ints (ValueError otherwise).
Size2 to_2tuple(const config::Value& v, const std::string& what);

class AdaptivePaddingImpl : public torch::nn::Module,
                            public engine::TensorForward,
                            public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("AdaptivePadding", "Module")
  AdaptivePaddingImpl(Size2 kernel_size = {1, 1}, Size2 stride = {1, 1}, Size2 dilation = {1, 1},
                      std::string padding = "corner");
  // (pad_h, pad_w) for an input of (h, w).
  Size2 get_pad_shape(std::int64_t input_h, std::int64_t input_w) const;
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  Size2 kernel_size_, stride_, dilation_;
  std::string padding_;
};
TORCH_MODULE(AdaptivePadding);

struct PatchEmbedOptions {
  std::int64_t in_channels = 3;
  std::int64_t embed_dims = 768;
  std::string conv_type = "Conv2d";
  config::Value kernel_size = config::Value(16);
  config::Value stride = config::Value(16);  // None: kernel_size
  config::Value padding = config::Value("corner");
  config::Value dilation = config::Value(1);
  bool bias = true;
  config::Value norm_cfg;
  config::Value input_size;
  config::Value init_cfg;
  static PatchEmbedOptions read(registry::BuildArgs& args);
  // read() of a dict of PatchEmbed's arguments; unknown keys are a TypeError.
  static PatchEmbedOptions from_dict(const config::Value& cfg);
};

class PatchEmbedImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("PatchEmbed", "BaseModule")
  explicit PatchEmbedImpl(PatchEmbedOptions options);
  std::pair<torch::Tensor, Size2> forward(const torch::Tensor& x);
  const std::optional<Size2>& init_out_size() const { return init_out_size_; }
  const std::optional<Size2>& init_input_size() const { return init_input_size_; }
  std::int64_t embed_dims() const { return options_.embed_dims; }
  const engine::Layer& projection() const { return projection_; }

 private:
  PatchEmbedOptions options_;
  AdaptivePadding adaptive_padding_{nullptr};
  engine::Layer projection_, norm_;
  std::optional<Size2> init_out_size_, init_input_size_;
};
TORCH_MODULE(PatchEmbed);

struct PatchMergingOptions {
  std::int64_t in_channels = 0;
  std::int64_t out_channels = 0;
  config::Value kernel_size = config::Value(2);
  config::Value stride;  // None (or 0): kernel_size
  config::Value padding = config::Value("corner");
  config::Value dilation = config::Value(1);
  bool bias = false;
  config::Value norm_cfg;  // dict(type='LN')
  config::Value init_cfg;
  PatchMergingOptions();
  static PatchMergingOptions read(registry::BuildArgs& args);
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
  AdaptivePadding adaptive_padding_{nullptr};
  torch::nn::Unfold sampler_{nullptr};
  engine::Layer norm_;
  torch::nn::Linear reduction_{nullptr};
};
TORCH_MODULE(PatchMerging);

struct FFNOptions {
  std::int64_t embed_dims = 256;
  std::int64_t feedforward_channels = 1024;
  std::int64_t num_fcs = 2;
  config::Value act_cfg;  // dict(type='ReLU', inplace=True)
  double ffn_drop = 0.;
  config::Value dropout_layer;  // None: Identity
  bool add_identity = true;
  config::Value init_cfg;
  double layer_scale_init_value = 0.;
  FFNOptions();
  static FFNOptions read(registry::BuildArgs& args);
  static FFNOptions from_dict(const config::Value& cfg);
};

class FFNImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("FFN", "BaseModule")
  explicit FFNImpl(FFNOptions options);
  // Example: dict(type='FFN', embed_dims=16, feedforward_channels=32).
  static std::shared_ptr<FFNImpl> from_config(registry::BuildArgs& args);
  torch::Tensor forward(const torch::Tensor& x) override { return forward(x, torch::Tensor()); }
  // identity undefined: x.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& identity);
  engine::SequentialImpl& layers() { return *layers_; }
  const FFNOptions& options() const { return options_; }

 private:
  FFNOptions options_;
  engine::Sequential layers_{nullptr};
  engine::Layer dropout_layer_, gamma2_;
};
TORCH_MODULE(FFN);

struct MultiheadAttentionOptions {
  std::int64_t embed_dims = 0;
  std::int64_t num_heads = 0;
  double attn_drop = 0.;
  double proj_drop = 0.;
  config::Value dropout_layer;  // dict(type='Dropout', drop_prob=0.); None: Identity
  config::Value init_cfg;
  bool batch_first = false;
  // nn.MultiheadAttention's keyword arguments.
  bool bias = true;
  bool add_bias_kv = false;
  bool add_zero_attn = false;
  std::optional<std::int64_t> kdim, vdim;
  MultiheadAttentionOptions();
};

class MultiheadAttentionImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("MultiheadAttention", "BaseModule")
  explicit MultiheadAttentionImpl(MultiheadAttentionOptions options);
  // Example: dict(type='MultiheadAttention', embed_dims=16, num_heads=2).
  static std::shared_ptr<MultiheadAttentionImpl> from_config(registry::BuildArgs& args);
  // key/value/identity/positions/masks: undefined tensors stand for None.
  torch::Tensor forward(const torch::Tensor& query, torch::Tensor key = {},
                        torch::Tensor value = {}, torch::Tensor identity = {},
                        const torch::Tensor& query_pos = {}, torch::Tensor key_pos = {},
                        const torch::Tensor& attn_mask = {},
                        const torch::Tensor& key_padding_mask = {});

 private:
  MultiheadAttentionOptions options_;
  torch::nn::MultiheadAttention attn_{nullptr};
  torch::nn::Dropout proj_drop_{nullptr};
  engine::Layer dropout_layer_;
};
TORCH_MODULE(MultiheadAttention);

}  // namespace mmcpp::mmcv
