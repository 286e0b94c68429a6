#include "mmcpp/cv/cnn/bricks/transformer.h"

#include <torch/nn/functional/padding.h>
#include <torch/torch.h>

#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/activation.h"
#include "mmcpp/cv/cnn/bricks/conv.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/cv/cnn/bricks/scale.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::mmcv {

using config::Value;

namespace {

Value tuple2(Size2 s) { return Value::tuple({Value(s.first), Value(s.second)}); }

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

}  // namespace

Size2 to_2tuple(const Value& v, const std::string& what) {
  if (v.is_int()) return {v.as_int(), v.as_int()};
  if (v.is_sequence() && v.items().size() == 2 && v.items()[0].is_int() && v.items()[1].is_int())
    return {v.items()[0].as_int(), v.items()[1].as_int()};
  throw Error("ValueError", what + " must be an int or a pair of ints, got " + v.repr());
}

// ---------------------------------------------------------------- AdaptivePadding

AdaptivePaddingImpl::AdaptivePaddingImpl(Size2 kernel_size, Size2 stride, Size2 dilation,
                                         std::string padding)
    : kernel_size_(kernel_size),
      stride_(stride),
      dilation_(dilation),
      padding_(std::move(padding)) {
  if (padding_ != "same" && padding_ != "corner")
    throw Error("AssertionError",
                "AdaptivePadding: padding must be 'same' or 'corner', got '" + padding_ + "'");
}

Size2 AdaptivePaddingImpl::get_pad_shape(std::int64_t input_h, std::int64_t input_w) const {
  const std::int64_t out_h = ceil_div(input_h, stride_.first);
  const std::int64_t out_w = ceil_div(input_w, stride_.second);
  const std::int64_t pad_h = std::max<std::int64_t>(
      (out_h - 1) * stride_.first + (kernel_size_.first - 1) * dilation_.first + 1 - input_h, 0);
  const std::int64_t pad_w = std::max<std::int64_t>(
      (out_w - 1) * stride_.second + (kernel_size_.second - 1) * dilation_.second + 1 - input_w, 0);
  return {pad_h, pad_w};
}

torch::Tensor AdaptivePaddingImpl::forward(const torch::Tensor& x) {
  auto [pad_h, pad_w] = get_pad_shape(x.size(-2), x.size(-1));
  if (pad_h <= 0 && pad_w <= 0) return x;
  namespace F = torch::nn::functional;
  if (padding_ == "corner") return F::pad(x, F::PadFuncOptions({0, pad_w, 0, pad_h}));
  return F::pad(x, F::PadFuncOptions({pad_w / 2, pad_w - pad_w / 2, pad_h / 2, pad_h - pad_h / 2}));
}

// ---------------------------------------------------------------- PatchEmbed

PatchEmbedOptions PatchEmbedOptions::read(registry::BuildArgs& a) {
  PatchEmbedOptions o;
  o.in_channels = a.get_int("in_channels", o.in_channels);
  o.embed_dims = a.get_int("embed_dims", o.embed_dims);
  o.conv_type = a.get_str("conv_type", o.conv_type);
  o.kernel_size = a.value_or("kernel_size", o.kernel_size);
  o.stride = a.value_or("stride", o.stride);
  o.padding = a.value_or("padding", o.padding);
  o.dilation = a.value_or("dilation", o.dilation);
  o.bias = a.get_bool("bias", o.bias);
  o.norm_cfg = a.value_or("norm_cfg", o.norm_cfg);
  o.input_size = a.value_or("input_size", o.input_size);
  o.init_cfg = a.value_or("init_cfg", o.init_cfg);
  return o;
}

PatchEmbedOptions PatchEmbedOptions::from_dict(const Value& cfg) {
  registry::BuildArgs args("PatchEmbed", cfg);
  PatchEmbedOptions o = read(args);
  args.check_all_used();
  return o;
}

PatchEmbedImpl::PatchEmbedImpl(PatchEmbedOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  const Size2 kernel = to_2tuple(op.kernel_size, "PatchEmbed kernel_size");
  const Size2 stride = op.stride.is_none() ? kernel : to_2tuple(op.stride, "PatchEmbed stride");
  const Size2 dilation = to_2tuple(op.dilation, "PatchEmbed dilation");
  Size2 padding{0, 0};
  if (op.padding.is_str()) {
    adaptive_padding_ = register_module(
        "adaptive_padding", AdaptivePadding(kernel, stride, dilation, op.padding.as_str()));
  } else {
    padding = to_2tuple(op.padding, "PatchEmbed padding");
  }
  projection_ =
      engine::register_layer(*this, "projection",
                             build_conv_layer(make_dict({{"type", Value(op.conv_type)}}),
                                              {Value(op.in_channels), Value(op.embed_dims)},
                                              {{"kernel_size", tuple2(kernel)},
                                               {"stride", tuple2(stride)},
                                               {"padding", tuple2(padding)},
                                               {"dilation", tuple2(dilation)},
                                               {"bias", Value(op.bias)}}));
  if (!op.norm_cfg.is_none())
    norm_ =
        engine::register_layer(*this, "norm", build_norm_layer(op.norm_cfg, op.embed_dims).second);
  if (!op.input_size.is_none() && op.input_size.truthy()) {
    Size2 in = to_2tuple(op.input_size, "PatchEmbed input_size");
    init_input_size_ = in;
    if (adaptive_padding_) {
      auto [ph, pw] = adaptive_padding_->get_pad_shape(in.first, in.second);
      in = {in.first + ph, in.second + pw};
    }
    const std::int64_t h =
        (in.first + 2 * padding.first - dilation.first * (kernel.first - 1) - 1) / stride.first + 1;
    const std::int64_t w =
        (in.second + 2 * padding.second - dilation.second * (kernel.second - 1) - 1) /
            stride.second +
        1;
    init_out_size_ = Size2{h, w};
  }
}

std::pair<torch::Tensor, Size2> PatchEmbedImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = adaptive_padding_ ? adaptive_padding_->forward(input) : input;
  x = projection_(x);
  const Size2 out_size{x.size(2), x.size(3)};
  x = x.flatten(2).transpose(1, 2);
  if (norm_) x = norm_(x);
  return {x, out_size};
}

// ---------------------------------------------------------------- PatchMerging

PatchMergingOptions::PatchMergingOptions() { norm_cfg = make_dict({{"type", Value("LN")}}); }

PatchMergingOptions PatchMergingOptions::read(registry::BuildArgs& a) {
  PatchMergingOptions o;
  o.in_channels = a.require_int("in_channels");
  o.out_channels = a.require_int("out_channels");
  o.kernel_size = a.value_or("kernel_size", o.kernel_size);
  o.stride = a.value_or("stride", o.stride);
  o.padding = a.value_or("padding", o.padding);
  o.dilation = a.value_or("dilation", o.dilation);
  o.bias = a.get_bool("bias", o.bias);
  o.norm_cfg = a.value_or("norm_cfg", o.norm_cfg);
  o.init_cfg = a.value_or("init_cfg", o.init_cfg);
  return o;
}

PatchMergingOptions PatchMergingOptions::from_dict(const Value& cfg) {
  registry::BuildArgs args("PatchMerging", cfg);
  PatchMergingOptions o = read(args);
  args.check_all_used();
  return o;
}

PatchMergingImpl::PatchMergingImpl(PatchMergingOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  kernel_ = to_2tuple(op.kernel_size, "PatchMerging kernel_size");
  // `if stride:` — None and 0 fall back to the kernel size.
  stride_ = (op.stride.is_none() || !op.stride.truthy())
                ? kernel_
                : to_2tuple(op.stride, "PatchMerging stride");
  dilation_ = to_2tuple(op.dilation, "PatchMerging dilation");
  padding_ = {0, 0};
  if (op.padding.is_str())
    adaptive_padding_ = register_module(
        "adaptive_padding", AdaptivePadding(kernel_, stride_, dilation_, op.padding.as_str()));
  else
    padding_ = to_2tuple(op.padding, "PatchMerging padding");
  sampler_ = register_module(
      "sampler", torch::nn::Unfold(torch::nn::UnfoldOptions({kernel_.first, kernel_.second})
                                       .dilation({dilation_.first, dilation_.second})
                                       .padding({padding_.first, padding_.second})
                                       .stride({stride_.first, stride_.second})));
  const std::int64_t sample_dim = kernel_.first * kernel_.second * op.in_channels;
  if (!op.norm_cfg.is_none())
    norm_ = engine::register_layer(*this, "norm", build_norm_layer(op.norm_cfg, sample_dim).second);
  reduction_ = register_module(
      "reduction",
      torch::nn::Linear(torch::nn::LinearOptions(sample_dim, op.out_channels).bias(op.bias)));
}

std::pair<torch::Tensor, Size2> PatchMergingImpl::forward(const torch::Tensor& input,
                                                          Size2 input_size) {
  const std::int64_t B = input.size(0), L = input.size(1), C = input.size(2);
  auto [H, W] = input_size;
  if (L != H * W) throw Error("AssertionError", "PatchMerging: input feature has wrong size");
  torch::Tensor x = input.view({B, H, W, C}).permute({0, 3, 1, 2});
  if (adaptive_padding_) {
    x = adaptive_padding_->forward(x);
    H = x.size(-2);
    W = x.size(-1);
  }
  x = sampler_(x);
  const std::int64_t out_h =
      (H + 2 * padding_.first - dilation_.first * (kernel_.first - 1) - 1) / stride_.first + 1;
  const std::int64_t out_w =
      (W + 2 * padding_.second - dilation_.second * (kernel_.second - 1) - 1) / stride_.second + 1;
  x = x.transpose(1, 2);
  if (norm_) x = norm_(x);
  x = reduction_(x);
  return {x, {out_h, out_w}};
}

// ---------------------------------------------------------------- FFN

FFNOptions::FFNOptions() {
  act_cfg = make_dict({{"type", Value("ReLU")}, {"inplace", Value(true)}});
}

FFNOptions FFNOptions::read(registry::BuildArgs& a) {
  FFNOptions o;
  o.embed_dims = a.get_int("embed_dims", o.embed_dims);
  o.feedforward_channels = a.get_int("feedforward_channels", o.feedforward_channels);
  o.num_fcs = a.get_int("num_fcs", o.num_fcs);
  o.act_cfg = a.value_or("act_cfg", o.act_cfg);
  // MMCV's deprecated names: dropout -> ffn_drop, add_residual -> add_identity.
  if (a.has("dropout")) o.ffn_drop = a.get_float("dropout", o.ffn_drop);
  o.ffn_drop = a.get_float("ffn_drop", o.ffn_drop);
  o.dropout_layer = a.value_or("dropout_layer", o.dropout_layer);
  if (a.has("add_residual")) o.add_identity = a.get_bool("add_residual", o.add_identity);
  o.add_identity = a.get_bool("add_identity", o.add_identity);
  o.init_cfg = a.value_or("init_cfg", o.init_cfg);
  o.layer_scale_init_value = a.get_float("layer_scale_init_value", o.layer_scale_init_value);
  return o;
}

FFNOptions FFNOptions::from_dict(const Value& cfg) {
  registry::BuildArgs args("FFN", cfg);
  FFNOptions o = read(args);
  args.check_all_used();
  return o;
}

FFNImpl::FFNImpl(FFNOptions o) : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  if (op.num_fcs < 2)
    throw Error("AssertionError",
                "num_fcs should be no less than 2. got " + std::to_string(op.num_fcs) + ".");
  layers_ = engine::Sequential();
  std::int64_t in = op.embed_dims;
  for (std::int64_t i = 0; i < op.num_fcs - 1; ++i) {
    auto block = engine::Sequential();
    block->push_back(engine::Layer(torch::nn::Linear(in, op.feedforward_channels).ptr()));
    block->push_back(build_activation_layer(op.act_cfg));
    block->push_back(engine::Layer(torch::nn::Dropout(op.ffn_drop).ptr()));
    layers_->push_back(engine::Layer(block.ptr()));
    in = op.feedforward_channels;
  }
  layers_->push_back(
      engine::Layer(torch::nn::Linear(op.feedforward_channels, op.embed_dims).ptr()));
  layers_->push_back(engine::Layer(torch::nn::Dropout(op.ffn_drop).ptr()));
  register_module("layers", layers_);
  dropout_layer_ = engine::register_layer(*this, "dropout_layer",
                                          (!op.dropout_layer.is_none() && op.dropout_layer.truthy())
                                              ? build_dropout(op.dropout_layer)
                                              : engine::Layer(torch::nn::Identity().ptr()));
  gamma2_ = engine::register_layer(
      *this, "gamma2",
      op.layer_scale_init_value > 0
          ? engine::Layer(
                LayerScale(op.embed_dims, false, "channels_last", op.layer_scale_init_value).ptr())
          : engine::Layer(torch::nn::Identity().ptr()));
}

std::shared_ptr<FFNImpl> FFNImpl::from_config(registry::BuildArgs& args) {
  return std::make_shared<FFNImpl>(FFNOptions::read(args));
}

torch::Tensor FFNImpl::forward(const torch::Tensor& x, const torch::Tensor& identity) {
  torch::Tensor out = gamma2_(layers_->forward(x));
  if (!options_.add_identity) return dropout_layer_(out);
  return (identity.defined() ? identity : x) + dropout_layer_(out);
}

// ---------------------------------------------------------------- MultiheadAttention

MultiheadAttentionOptions::MultiheadAttentionOptions() {
  dropout_layer = make_dict({{"type", Value("Dropout")}, {"drop_prob", Value(0.)}});
}

MultiheadAttentionImpl::MultiheadAttentionImpl(MultiheadAttentionOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  torch::nn::MultiheadAttentionOptions mo(op.embed_dims, op.num_heads);
  mo.dropout(op.attn_drop)
      .bias(op.bias)
      .add_bias_kv(op.add_bias_kv)
      .add_zero_attn(op.add_zero_attn);
  if (op.kdim) mo.kdim(*op.kdim);
  if (op.vdim) mo.vdim(*op.vdim);
  attn_ = register_module("attn", torch::nn::MultiheadAttention(mo));
  proj_drop_ = register_module("proj_drop", torch::nn::Dropout(op.proj_drop));
  dropout_layer_ = engine::register_layer(*this, "dropout_layer",
                                          (!op.dropout_layer.is_none() && op.dropout_layer.truthy())
                                              ? build_dropout(op.dropout_layer)
                                              : engine::Layer(torch::nn::Identity().ptr()));
}

std::shared_ptr<MultiheadAttentionImpl> MultiheadAttentionImpl::from_config(
    registry::BuildArgs& a) {
  MultiheadAttentionOptions o;
  o.embed_dims = a.require_int("embed_dims");
  o.num_heads = a.require_int("num_heads");
  o.attn_drop = a.get_float("attn_drop", o.attn_drop);
  o.proj_drop = a.get_float("proj_drop", o.proj_drop);
  o.dropout_layer = a.value_or("dropout_layer", o.dropout_layer);
  if (a.has("dropout")) {  // deprecated: sets attn_drop and the dropout layer's drop_prob
    const double p = a.get_float("dropout", 0.);
    o.attn_drop = p;
    if (o.dropout_layer.is_dict()) {
      o.dropout_layer = o.dropout_layer.deep_copy();
      o.dropout_layer.as_dict().set(Value("drop_prob"), Value(p));
    }
  }
  o.init_cfg = a.value_or("init_cfg", o.init_cfg);
  o.batch_first = a.get_bool("batch_first", o.batch_first);
  o.bias = a.get_bool("bias", o.bias);
  o.add_bias_kv = a.get_bool("add_bias_kv", o.add_bias_kv);
  o.add_zero_attn = a.get_bool("add_zero_attn", o.add_zero_attn);
  o.kdim = a.get_opt_int("kdim");
  o.vdim = a.get_opt_int("vdim");
  return std::make_shared<MultiheadAttentionImpl>(o);
}

torch::Tensor MultiheadAttentionImpl::forward(const torch::Tensor& query_in, torch::Tensor key,
                                              torch::Tensor value, torch::Tensor identity,
                                              const torch::Tensor& query_pos, torch::Tensor key_pos,
                                              const torch::Tensor& attn_mask,
                                              const torch::Tensor& key_padding_mask) {
  torch::Tensor query = query_in;
  if (!key.defined()) key = query;
  if (!value.defined()) value = key;
  if (!identity.defined()) identity = query;
  if (!key_pos.defined() && query_pos.defined() && query_pos.sizes() == key.sizes())
    key_pos = query_pos;
  if (query_pos.defined()) query = query + query_pos;
  if (key_pos.defined()) key = key + key_pos;
  if (options_.batch_first) {
    query = query.transpose(0, 1);
    key = key.transpose(0, 1);
    value = value.transpose(0, 1);
  }
  torch::Tensor out =
      std::get<0>(attn_->forward(query, key, value, key_padding_mask, true, attn_mask));
  if (options_.batch_first) out = out.transpose(0, 1);
  return identity + dropout_layer_(proj_drop_(out));
}

}  // namespace mmcpp::mmcv

MMCPP_REGISTER_AS(mmcpp::registry::MODELS, mmcpp::mmcv::FFNImpl, "FFN",
                  "dict(type='FFN', embed_dims=16, feedforward_channels=32)");
MMCPP_REGISTER_AS(mmcpp::registry::MODELS, mmcpp::mmcv::MultiheadAttentionImpl,
                  "MultiheadAttention",
                  "dict(type='MultiheadAttention', embed_dims=16, num_heads=2)");
