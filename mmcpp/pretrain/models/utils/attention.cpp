#include "mmcpp/pretrain/models/utils/attention.h"

#include <torch/nn/functional/padding.h>
#include <torch/nn/modules/linear.h>
#include <torch/torch.h>

#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/engine/model/weight_init.h"
#include "mmcpp/pretrain/models/utils/layer_scale.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

// ---------------------------------------------------------------- MultiheadAttention

MultiheadAttentionOptions::MultiheadAttentionOptions() {
  dropout_layer = make_dict({{"type", Value("Dropout")}, {"drop_prob", Value(0.)}});
}

MultiheadAttentionOptions MultiheadAttentionOptions::read(registry::BuildArgs& a) {
  MultiheadAttentionOptions o;
  o.embed_dims = a.require_int("embed_dims");
  o.num_heads = a.require_int("num_heads");
  o.input_dims = a.get_opt_int("input_dims");
  o.attn_drop = a.get_float("attn_drop", o.attn_drop);
  o.proj_drop = a.get_float("proj_drop", o.proj_drop);
  o.dropout_layer = a.value_or("dropout_layer", o.dropout_layer);
  o.qkv_bias = a.get_bool("qkv_bias", o.qkv_bias);
  o.qk_scale = a.get_opt_float("qk_scale");
  o.proj_bias = a.get_bool("proj_bias", o.proj_bias);
  o.v_shortcut = a.get_bool("v_shortcut", o.v_shortcut);
  o.use_layer_scale = a.get_bool("use_layer_scale", o.use_layer_scale);
  o.layer_scale_init_value = a.get_float("layer_scale_init_value", o.layer_scale_init_value);
  o.init_cfg = a.value_or("init_cfg", o.init_cfg);
  return o;
}

MultiheadAttentionImpl::MultiheadAttentionImpl(MultiheadAttentionOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  const std::int64_t input_dims = op.input_dims && *op.input_dims ? *op.input_dims : op.embed_dims;
  head_dims_ = op.embed_dims / op.num_heads;
  qkv_ = register_module(
      "qkv",
      torch::nn::Linear(torch::nn::LinearOptions(input_dims, op.embed_dims * 3).bias(op.qkv_bias)));
  proj_ = register_module(
      "proj",
      torch::nn::Linear(torch::nn::LinearOptions(op.embed_dims, op.embed_dims).bias(op.proj_bias)));
  proj_drop_ = register_module("proj_drop", torch::nn::Dropout(op.proj_drop));
  out_drop_ = engine::register_layer(*this, "out_drop", mmcv::build_dropout(op.dropout_layer));
  if (op.use_layer_scale || op.layer_scale_init_value > 0) {
    const double v = op.layer_scale_init_value != 0 ? op.layer_scale_init_value : 1e-5;
    gamma1_ = engine::register_layer(*this, "gamma1",
                                     engine::Layer(make_layer_scale(op.embed_dims, v).ptr()));
  } else {
    gamma1_ = engine::register_layer(*this, "gamma1", engine::Layer(torch::nn::Identity().ptr()));
  }
}

torch::Tensor MultiheadAttentionImpl::forward(const torch::Tensor& input) {
  const std::int64_t B = input.size(0), N = input.size(1);
  torch::Tensor qkv =
      qkv_(input).reshape({B, N, 3, options_.num_heads, head_dims_}).permute({2, 0, 3, 1, 4});
  torch::Tensor q = qkv[0], k = qkv[1], v = qkv[2];
  const double attn_drop = is_training() ? options_.attn_drop : 0.;
  // scaled_dot_product_attention_pyimpl: q k^T / scale, scale = sqrt(head dim)
  // by default, head_dims**-0.5 when qk_scale is given (MMPretrain's quirk).
  const double scale = options_.qk_scale ? std::pow(static_cast<double>(head_dims_), -0.5)
                                         : std::sqrt(static_cast<double>(q.size(-1)));
  torch::Tensor attn = torch::matmul(q, k.transpose(-2, -1)) / scale;
  attn = torch::softmax(attn, -1);
  attn = torch::dropout(attn, attn_drop, true);
  torch::Tensor x = torch::matmul(attn, v);
  x = x.transpose(1, 2).reshape({B, N, options_.embed_dims});
  x = proj_(x);
  x = out_drop_(gamma1_(proj_drop_(x)));
  if (options_.v_shortcut) x = v.squeeze(1) + x;
  return x;
}

// ---------------------------------------------------------------- WindowMSA

WindowMSAImpl::WindowMSAImpl(WindowMSAOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  const std::int64_t head_embed_dims = op.embed_dims / op.num_heads;
  // `qk_scale or head_dims**-0.5`: 0 falls back too.
  scale_ = (op.qk_scale && *op.qk_scale != 0)
               ? *op.qk_scale
               : std::pow(static_cast<double>(head_embed_dims), -0.5);
  const auto [Wh, Ww] = op.window_size;
  relative_position_bias_table = register_parameter(
      "relative_position_bias_table", torch::zeros({(2 * Wh - 1) * (2 * Ww - 1), op.num_heads}));
  // double_step_seq(2*Ww-1, Wh, 1, Ww) + its transpose, flipped along dim 1.
  torch::Tensor seq1 = torch::arange(0, (2 * Ww - 1) * Wh, 2 * Ww - 1, torch::kLong);
  torch::Tensor seq2 = torch::arange(0, Ww, 1, torch::kLong);
  torch::Tensor coords = (seq1.unsqueeze(1) + seq2.unsqueeze(0)).reshape({1, -1});
  torch::Tensor index = (coords + coords.t()).flip({1}).contiguous();
  relative_position_index = register_buffer("relative_position_index", index);
  qkv_ = register_module(
      "qkv", torch::nn::Linear(
                 torch::nn::LinearOptions(op.embed_dims, op.embed_dims * 3).bias(op.qkv_bias)));
  attn_drop_ = register_module("attn_drop", torch::nn::Dropout(op.attn_drop));
  proj_ = register_module("proj", torch::nn::Linear(op.embed_dims, op.embed_dims));
  proj_drop_ = register_module("proj_drop", torch::nn::Dropout(op.proj_drop));
  register_module("softmax", torch::nn::Softmax(-1));
}

void WindowMSAImpl::init_weights() {
  engine::BaseModule::init_weights();
  engine::trunc_normal_(relative_position_bias_table, 0, 0.02);
}

torch::Tensor WindowMSAImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const std::int64_t B_ = x.size(0), N = x.size(1), C = x.size(2);
  const std::int64_t heads = options_.num_heads;
  torch::Tensor qkv = qkv_(x).reshape({B_, N, 3, heads, C / heads}).permute({2, 0, 3, 1, 4});
  torch::Tensor q = qkv[0] * scale_, k = qkv[1], v = qkv[2];
  torch::Tensor attn = torch::matmul(q, k.transpose(-2, -1));
  const std::int64_t area = options_.window_size.first * options_.window_size.second;
  torch::Tensor bias = relative_position_bias_table.index({relative_position_index.view(-1)})
                           .view({area, area, -1})
                           .permute({2, 0, 1})
                           .contiguous();
  attn = attn + bias.unsqueeze(0);
  if (mask.defined()) {
    const std::int64_t nW = mask.size(0);
    attn = attn.view({B_ / nW, nW, heads, N, N}) + mask.unsqueeze(1).unsqueeze(0);
    attn = attn.view({-1, heads, N, N});
  }
  attn = attn_drop_(torch::softmax(attn, -1));
  torch::Tensor out = torch::matmul(attn, v).transpose(1, 2).reshape({B_, N, C});
  return proj_drop_(proj_(out));
}

// ---------------------------------------------------------------- WindowMSAV2

WindowMSAV2Impl::WindowMSAV2Impl(WindowMSAV2Options o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  const auto [Wh, Ww] = op.window_size;
  cpb_mlp_ = engine::LayerSequential();
  cpb_mlp_->push_back(engine::Layer(torch::nn::Linear(2, op.cpb_mlp_hidden_dims).ptr()));
  cpb_mlp_->push_back(engine::Layer(torch::nn::ReLU(torch::nn::ReLUOptions(true)).ptr()));
  cpb_mlp_->push_back(engine::Layer(
      torch::nn::Linear(torch::nn::LinearOptions(op.cpb_mlp_hidden_dims, op.num_heads).bias(false))
          .ptr()));
  register_module("cpb_mlp", cpb_mlp_);
  logit_scale =
      register_parameter("logit_scale", torch::log(10 * torch::ones({op.num_heads, 1, 1})));
  // The log-spaced relative coordinates, normalised to [-8, 8].
  torch::Tensor h = torch::arange(-(Wh - 1), Wh, torch::kFloat);
  torch::Tensor w = torch::arange(-(Ww - 1), Ww, torch::kFloat);
  auto grid = torch::meshgrid({h, w}, "ij");
  torch::Tensor table =
      torch::stack({grid[0], grid[1]}).permute({1, 2, 0}).contiguous().unsqueeze(0);
  const auto [pw_h, pw_w] = op.pretrained_window_size;
  using torch::indexing::Slice;
  if (pw_h > 0) {
    table.index({Slice(), Slice(), Slice(), 0}).div_(static_cast<double>(pw_h - 1));
    table.index({Slice(), Slice(), Slice(), 1}).div_(static_cast<double>(pw_w - 1));
  } else {
    table.index({Slice(), Slice(), Slice(), 0}).div_(static_cast<double>(Wh - 1));
    table.index({Slice(), Slice(), Slice(), 1}).div_(static_cast<double>(Ww - 1));
  }
  table.mul_(8);
  table = torch::sign(table) * torch::log2(torch::abs(table) + 1.0) / std::log2(8.0);
  relative_coords_table = register_buffer("relative_coords_table", table);
  auto coords = torch::meshgrid({torch::arange(Wh), torch::arange(Ww)}, "ij");
  torch::Tensor c = torch::flatten(torch::stack({coords[0], coords[1]}), 1);
  torch::Tensor rel = (c.unsqueeze(2) - c.unsqueeze(1)).permute({1, 2, 0}).contiguous();
  rel.index({Slice(), Slice(), 0}).add_(Wh - 1);
  rel.index({Slice(), Slice(), 1}).add_(Ww - 1);
  rel.index({Slice(), Slice(), 0}).mul_(2 * Ww - 1);
  relative_position_index = register_buffer("relative_position_index", rel.sum(-1));
  qkv_ = register_module(
      "qkv",
      torch::nn::Linear(torch::nn::LinearOptions(op.embed_dims, op.embed_dims * 3).bias(false)));
  if (op.qkv_bias) {
    q_bias = register_parameter("q_bias", torch::zeros({op.embed_dims}));
    v_bias = register_parameter("v_bias", torch::zeros({op.embed_dims}));
  }
  attn_drop_ = register_module("attn_drop", torch::nn::Dropout(op.attn_drop));
  proj_ = register_module("proj", torch::nn::Linear(op.embed_dims, op.embed_dims));
  proj_drop_ = register_module("proj_drop", torch::nn::Dropout(op.proj_drop));
  register_module("softmax", torch::nn::Softmax(-1));
}

torch::Tensor WindowMSAV2Impl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const std::int64_t B_ = x.size(0), N = x.size(1), C = x.size(2);
  const std::int64_t heads = options_.num_heads;
  torch::Tensor bias;
  if (q_bias.defined()) bias = torch::cat({q_bias, torch::zeros_like(v_bias), v_bias});
  torch::Tensor qkv = torch::nn::functional::linear(x, qkv_->weight, bias)
                          .reshape({B_, N, 3, heads, C / heads})
                          .permute({2, 0, 3, 1, 4});
  torch::Tensor q = qkv[0], k = qkv[1], v = qkv[2];
  namespace F = torch::nn::functional;
  torch::Tensor attn =
      torch::matmul(F::normalize(q, F::NormalizeFuncOptions().dim(-1)),
                    F::normalize(k, F::NormalizeFuncOptions().dim(-1)).transpose(-2, -1));
  attn = attn * torch::clamp(logit_scale, c10::nullopt, std::log(1. / 0.01)).exp();
  const std::int64_t area = options_.window_size.first * options_.window_size.second;
  torch::Tensor table = cpb_mlp_->forward(relative_coords_table).view({-1, heads});
  torch::Tensor rpb = table.index({relative_position_index.view(-1)})
                          .view({area, area, -1})
                          .permute({2, 0, 1})
                          .contiguous();
  attn = attn + 16 * torch::sigmoid(rpb).unsqueeze(0);
  if (mask.defined()) {
    const std::int64_t nW = mask.size(0);
    attn = attn.view({B_ / nW, nW, heads, N, N}) + mask.unsqueeze(1).unsqueeze(0);
    attn = attn.view({-1, heads, N, N});
  }
  attn = attn_drop_(torch::softmax(attn, -1));
  torch::Tensor out = torch::matmul(attn, v).transpose(1, 2).reshape({B_, N, C});
  return proj_drop_(proj_(out));
}

// ---------------------------------------------------------------- ShiftWindowMSA

ShiftWindowMSAOptions::ShiftWindowMSAOptions() {
  dropout_layer = make_dict({{"type", Value("DropPath")}, {"drop_prob", Value(0.)}});
}

ShiftWindowMSAOptions ShiftWindowMSAOptions::read(registry::BuildArgs& a) {
  ShiftWindowMSAOptions o;
  o.embed_dims = a.require_int("embed_dims");
  o.num_heads = a.require_int("num_heads");
  o.window_size = a.require_int("window_size");
  o.shift_size = a.get_int("shift_size", o.shift_size);
  o.dropout_layer = a.value_or("dropout_layer", o.dropout_layer);
  o.pad_small_map = a.get_bool("pad_small_map", o.pad_small_map);
  if (a.has("window_msa")) {
    Value w = a.value("window_msa");
    if (!(w.is_str() && (w.as_str() == "WindowMSA" || w.as_str() == "WindowMSAV2")))
      throw Error("NotImplementedError",
                  "ShiftWindowMSA: window_msa other than WindowMSA/WindowMSAV2 is not "
                  "supported, got " +
                      w.repr());
    o.window_msa = w.as_str();
  }
  if (o.window_msa == "WindowMSAV2") {
    o.cpb_mlp_hidden_dims = a.get_int("cpb_mlp_hidden_dims", o.cpb_mlp_hidden_dims);
    if (a.has("pretrained_window_size"))
      o.pretrained_window_size =
          to_2tuple(a.value("pretrained_window_size"), "pretrained_window_size");
  }
  o.init_cfg = a.value_or("init_cfg", o.init_cfg);
  o.qkv_bias = a.get_bool("qkv_bias", o.qkv_bias);
  if (o.window_msa == "WindowMSA") o.qk_scale = a.get_opt_float("qk_scale");
  o.attn_drop = a.get_float("attn_drop", o.attn_drop);
  o.proj_drop = a.get_float("proj_drop", o.proj_drop);
  return o;
}

ShiftWindowMSAImpl::ShiftWindowMSAImpl(ShiftWindowMSAOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  if (op.shift_size < 0 || op.shift_size >= op.window_size)
    throw Error("AssertionError", "ShiftWindowMSA: 0 <= shift_size < window_size");
  if (op.window_msa == "WindowMSAV2") {
    WindowMSAV2Options w;
    w.embed_dims = op.embed_dims;
    w.num_heads = op.num_heads;
    w.window_size = {op.window_size, op.window_size};
    w.qkv_bias = op.qkv_bias;
    w.attn_drop = op.attn_drop;
    w.proj_drop = op.proj_drop;
    w.cpb_mlp_hidden_dims = op.cpb_mlp_hidden_dims;
    w.pretrained_window_size = op.pretrained_window_size;
    w_msa_v2_ = register_module("w_msa", WindowMSAV2(w));
  } else {
    WindowMSAOptions w;
    w.embed_dims = op.embed_dims;
    w.num_heads = op.num_heads;
    w.window_size = {op.window_size, op.window_size};
    w.qkv_bias = op.qkv_bias;
    w.qk_scale = op.qk_scale;
    w.attn_drop = op.attn_drop;
    w.proj_drop = op.proj_drop;
    w_msa_ = register_module("w_msa", WindowMSA(w));
  }
  drop_ = engine::register_layer(*this, "drop", mmcv::build_dropout(op.dropout_layer));
}

torch::Tensor ShiftWindowMSAImpl::window_partition(const torch::Tensor& x,
                                                   std::int64_t window_size) {
  const std::int64_t B = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  return x.view({B, H / window_size, window_size, W / window_size, window_size, C})
      .permute({0, 1, 3, 2, 4, 5})
      .contiguous()
      .view({-1, window_size, window_size, C});
}

torch::Tensor ShiftWindowMSAImpl::window_reverse(const torch::Tensor& windows, std::int64_t H,
                                                 std::int64_t W, std::int64_t window_size) {
  const auto B =
      static_cast<std::int64_t>(static_cast<double>(windows.size(0)) /
                                (static_cast<double>(H * W) / static_cast<double>(window_size) /
                                 static_cast<double>(window_size)));
  return windows.view({B, H / window_size, W / window_size, window_size, window_size, -1})
      .permute({0, 1, 3, 2, 4, 5})
      .contiguous()
      .view({B, H, W, -1});
}

torch::Tensor ShiftWindowMSAImpl::get_attn_mask(Size2 hw, std::int64_t ws, std::int64_t shift,
                                                const torch::Device& device) {
  if (shift <= 0) return {};
  using torch::indexing::None;
  using torch::indexing::Slice;
  torch::Tensor img_mask = torch::zeros({1, hw.first, hw.second, 1}, torch::device(device));
  const std::vector<Slice> slices = {Slice(0, -ws), Slice(-ws, -shift), Slice(-shift, None)};
  std::int64_t cnt = 0;
  for (const auto& h : slices)
    for (const auto& w : slices) {
      img_mask.index_put_({Slice(), h, w, Slice()}, static_cast<double>(cnt));
      ++cnt;
    }
  torch::Tensor mw = window_partition(img_mask, ws).view({-1, ws * ws});
  torch::Tensor mask = mw.unsqueeze(1) - mw.unsqueeze(2);
  mask = mask.masked_fill(mask != 0, -100.0);
  return mask.masked_fill(mask == 0, 0.0);
}

torch::Tensor ShiftWindowMSAImpl::forward(const torch::Tensor& query_in, Size2 hw_shape) {
  const std::int64_t B = query_in.size(0), L = query_in.size(1), C = query_in.size(2);
  const auto [H, W] = hw_shape;
  if (L != H * W)
    throw Error("AssertionError", "The query length " + std::to_string(L) +
                                      " doesn't match the input shape (" + std::to_string(H) +
                                      ", " + std::to_string(W) + ").");
  torch::Tensor query = query_in.view({B, H, W, C});
  const std::int64_t ws = options_.window_size;
  std::int64_t shift = options_.shift_size;
  if (std::min(H, W) == ws) {
    shift = options_.pad_small_map ? shift : 0;
  } else if (std::min(H, W) < ws && !options_.pad_small_map) {
    throw Error("AssertionError", "The input shape (" + std::to_string(H) + ", " +
                                      std::to_string(W) + ") is smaller than the window size (" +
                                      std::to_string(ws) +
                                      "). Please set `pad_small_map=True`, or decrease the "
                                      "`window_size`.");
  }
  const std::int64_t pad_r = (ws - W % ws) % ws;
  const std::int64_t pad_b = (ws - H % ws) % ws;
  namespace F = torch::nn::functional;
  query = F::pad(query, F::PadFuncOptions({0, 0, 0, pad_r, 0, pad_b}));
  const std::int64_t H_pad = query.size(1), W_pad = query.size(2);
  if (shift > 0) query = torch::roll(query, {-shift, -shift}, {1, 2});
  torch::Tensor attn_mask = get_attn_mask({H_pad, W_pad}, ws, shift, query.device());
  torch::Tensor windows = window_partition(query, ws).view({-1, ws * ws, C});
  torch::Tensor attn_windows =
      (w_msa_ ? w_msa_->forward(windows, attn_mask) : w_msa_v2_->forward(windows, attn_mask))
          .view({-1, ws, ws, C});
  torch::Tensor shifted = window_reverse(attn_windows, H_pad, W_pad, ws);
  // MMPretrain rolls back when the configured shift_size > 0 (even when the
  // effective shift was reset to 0 for a small map): shift is then 0 here too.
  torch::Tensor x =
      options_.shift_size > 0 ? torch::roll(shifted, {shift, shift}, {1, 2}) : shifted;
  if (H != H_pad || W != W_pad)
    x = x.index({torch::indexing::Slice(), torch::indexing::Slice(0, H),
                 torch::indexing::Slice(0, W), torch::indexing::Slice()})
            .contiguous();
  return drop_(x.view({B, H * W, C}));
}

}  // namespace mmcpp::pretrain
