#include "mmcpp/pretrain/models/backbones/xcit.h"

#include <torch/nn/functional/normalization.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/engine/model/weight_init.h"
#include "mmcpp/pretrain/models/utils/norm.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

Value gelu_cfg() { return make_dict({{"type", Value("GELU")}}); }
Value bn_cfg() { return make_dict({{"type", Value("BN")}}); }
Value ln_cfg() { return make_dict({{"type", Value("LN")}, {"eps", Value(1e-6)}}); }

// DropPath(drop_path) if drop_path > 0 else nn.Identity().
engine::Layer make_drop_path(torch::nn::Module& owner, double drop_path) {
  std::shared_ptr<torch::nn::Module> m;
  if (drop_path > 0.)
    m = mmcv::DropPath(drop_path).ptr();
  else
    m = torch::nn::Identity().ptr();
  return engine::register_layer(owner, "drop_path", engine::Layer(m));
}

mmcv::FFN make_ffn(const XCiTBlockOptions& o) {
  mmcv::FFNOptions fo;
  fo.embed_dims = o.dim;
  fo.feedforward_channels = static_cast<std::int64_t>(static_cast<double>(o.dim) * o.mlp_ratio);
  fo.act_cfg = o.act_cfg;
  fo.ffn_drop = o.drop;
  // MMPretrain calls ffn(x, identity=0): the FFN's output alone.
  fo.add_identity = false;
  return mmcv::FFN(fo);
}

}  // namespace

// ---------------------------------------------------------------- ClassAttntion

ClassAttntionImpl::ClassAttntionImpl(const XCiTAttentionOptions& o)
    : num_heads_(o.num_heads), scale_(std::pow(static_cast<double>(o.dim / o.num_heads), -0.5)) {
  q_ = register_module("q",
                       torch::nn::Linear(torch::nn::LinearOptions(o.dim, o.dim).bias(o.qkv_bias)));
  k_ = register_module("k",
                       torch::nn::Linear(torch::nn::LinearOptions(o.dim, o.dim).bias(o.qkv_bias)));
  v_ = register_module("v",
                       torch::nn::Linear(torch::nn::LinearOptions(o.dim, o.dim).bias(o.qkv_bias)));
  attn_drop_ = register_module("attn_drop", torch::nn::Dropout(o.attn_drop));
  proj_ = register_module("proj", torch::nn::Linear(o.dim, o.dim));
  proj_drop_ = register_module("proj_drop", torch::nn::Dropout(o.proj_drop));
}

torch::Tensor ClassAttntionImpl::forward(const torch::Tensor& x) {
  const std::int64_t B = x.size(0), N = x.size(1), C = x.size(2);
  const std::int64_t d = C / num_heads_;
  torch::Tensor q =
      q_(x.select(1, 0)).unsqueeze(1).reshape({B, 1, num_heads_, d}).permute({0, 2, 1, 3});
  torch::Tensor k = k_(x).reshape({B, N, num_heads_, d}).permute({0, 2, 1, 3});
  q = q * scale_;
  torch::Tensor v = v_(x).reshape({B, N, num_heads_, d}).permute({0, 2, 1, 3});
  torch::Tensor attn = torch::matmul(q, k.transpose(-2, -1)).softmax(-1);
  attn = attn_drop_(attn);
  torch::Tensor x_cls = torch::matmul(attn, v).transpose(1, 2).reshape({B, 1, C});
  return proj_drop_(proj_(x_cls));
}

// ---------------------------------------------------------------- PositionalEncodingFourier

PositionalEncodingFourierImpl::PositionalEncodingFourierImpl(std::int64_t hidden_dim,
                                                             std::int64_t dim, double temperature)
    : hidden_dim_(hidden_dim), temperature_(temperature) {
  token_projection_ = register_module(
      "token_projection",
      mmcv::ConvModule(mmcv::ConvModuleOptions(hidden_dim * 2, dim, Value(1)).act_cfg(Value())));
}

torch::Tensor PositionalEncodingFourierImpl::forward(std::int64_t B, std::int64_t H,
                                                     std::int64_t W) {
  const auto device = token_projection_->conv().module().parameters().front().device();
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  const double scale = 2 * M_PI, eps = 1e-6;
  torch::Tensor y_embed = torch::arange(1, H + 1, f32.dtype(torch::kLong))
                              .unsqueeze(1)
                              .repeat({1, 1, W})
                              .to(torch::kFloat);
  torch::Tensor x_embed =
      torch::arange(1, W + 1, f32.dtype(torch::kLong)).repeat({1, H, 1}).to(torch::kFloat);
  y_embed = y_embed / (y_embed.slice(1, -1) + eps) * scale;
  x_embed = x_embed / (x_embed.slice(2, -1) + eps) * scale;

  torch::Tensor dim_t = torch::arange(hidden_dim_, f32.dtype(torch::kLong)).to(torch::kFloat);
  dim_t = torch::div(dim_t, 2, "floor");
  dim_t = torch::pow(temperature_, 2 * dim_t / static_cast<double>(hidden_dim_));

  auto fourier = [&](const torch::Tensor& embed) {
    torch::Tensor p = embed.unsqueeze(-1) / dim_t;
    using torch::indexing::None;
    using torch::indexing::Slice;
    return torch::stack({p.index({Slice(), Slice(), Slice(), Slice(0, None, 2)}).sin(),
                         p.index({Slice(), Slice(), Slice(), Slice(1, None, 2)}).cos()},
                        4)
        .flatten(3);
  };
  torch::Tensor pos = torch::cat({fourier(y_embed), fourier(x_embed)}, 3).permute({0, 3, 1, 2});
  pos = token_projection_->forward(pos);
  return pos.repeat({B, 1, 1, 1});
}

// ---------------------------------------------------------------- ConvPatchEmbed

ConvPatchEmbedOptions::ConvPatchEmbedOptions() : norm_cfg(bn_cfg()), act_cfg(gelu_cfg()) {}

ConvPatchEmbedImpl::ConvPatchEmbedImpl(ConvPatchEmbedOptions o) {
  const mmcv::Size2 img = mmcv::to_2tuple(o.img_size, "ConvPatchEmbed: img_size");
  num_patches_ = (img.second / o.patch_size) * (img.first / o.patch_size);
  const std::int64_t C = o.embed_dims;
  auto conv = [&](std::int64_t in, std::int64_t out, const Value& act) {
    return engine::Layer(mmcv::ConvModule(mmcv::ConvModuleOptions(in, out, Value(3))
                                              .stride(Value(2))
                                              .padding(Value(1))
                                              .norm_cfg(o.norm_cfg)
                                              .act_cfg(act))
                             .ptr());
  };
  proj_ = engine::Sequential();
  if (o.patch_size == 16) {
    proj_->push_back(conv(o.in_channels, C / 8, o.act_cfg));
    proj_->push_back(conv(C / 8, C / 4, o.act_cfg));
  } else if (o.patch_size == 8) {
    proj_->push_back(conv(o.in_channels, C / 4, o.act_cfg));
  } else {
    throw Error("ValueError",
                "For patch embedding, the patch size must be 16 or 8, but get patch size " +
                    std::to_string(o.patch_size) + ".");
  }
  proj_->push_back(conv(C / 4, C / 2, o.act_cfg));
  proj_->push_back(conv(C / 2, C, Value()));
  register_module("proj", proj_);
}

std::pair<torch::Tensor, mmcv::Size2> ConvPatchEmbedImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = proj_->forward(input);
  const mmcv::Size2 hw{x.size(2), x.size(3)};
  return {x.flatten(2).transpose(1, 2), hw};
}

// ---------------------------------------------------------------- ClassAttentionBlock

XCiTBlockOptions::XCiTBlockOptions()
    : bn_norm_cfg(bn_cfg()), norm_cfg(ln_cfg()), act_cfg(gelu_cfg()) {}

ClassAttentionBlockImpl::ClassAttentionBlockImpl(const XCiTBlockOptions& o)
    : tokens_norm_(o.tokens_norm) {
  norm1_ = engine::register_layer(*this, "norm1", build_norm_layer(o.norm_cfg, o.dim));
  attn_ = register_module("attn", ClassAttntion(XCiTAttentionOptions{o.dim, o.num_heads, o.qkv_bias,
                                                                     o.attn_drop, o.drop}));
  drop_path_ = make_drop_path(*this, o.drop_path);
  norm2_ = engine::register_layer(*this, "norm2", build_norm_layer(o.norm_cfg, o.dim));
  ffn_ = register_module("ffn", make_ffn(o));
  if (o.layer_scale_init_value > 0) {
    gamma1 = register_parameter("gamma1", o.layer_scale_init_value * torch::ones({o.dim}));
    gamma2 = register_parameter("gamma2", o.layer_scale_init_value * torch::ones({o.dim}));
  }
}

torch::Tensor ClassAttentionBlockImpl::forward(const torch::Tensor& input) {
  auto scaled = [](const torch::Tensor& gamma, const torch::Tensor& t) {
    return gamma.defined() ? gamma * t : t;
  };
  torch::Tensor x_norm1 = norm1_(input);
  torch::Tensor x_attn = torch::cat({attn_->forward(x_norm1), x_norm1.slice(1, 1)}, 1);
  torch::Tensor x = input + drop_path_(scaled(gamma1, x_attn));
  if (tokens_norm_)
    x = norm2_(x);
  else
    x = torch::cat({norm2_(x.slice(1, 0, 1)), x.slice(1, 1)}, 1);
  torch::Tensor x_res = x;
  torch::Tensor cls_token = scaled(gamma2, ffn_->forward(x.slice(1, 0, 1)));
  x = torch::cat({cls_token, x.slice(1, 1)}, 1);
  return x_res + drop_path_(x);
}

// ---------------------------------------------------------------- LPI

LPIImpl::LPIImpl(std::int64_t in_features, std::optional<std::int64_t> out_features,
                 std::int64_t kernel_size, const Value& norm_cfg, const Value& act_cfg) {
  // Python's `out_features or in_features`.
  const std::int64_t out = out_features && *out_features != 0 ? *out_features : in_features;
  const std::int64_t padding = kernel_size / 2;
  conv1_ = register_module(
      "conv1",
      mmcv::ConvModule(mmcv::ConvModuleOptions(in_features, in_features, Value(kernel_size))
                           .padding(Value(padding))
                           .groups(in_features)
                           .bias(Value(true))
                           .norm_cfg(norm_cfg)
                           .act_cfg(act_cfg)
                           .order({"conv", "act", "norm"})));
  conv2_ = register_module(
      "conv2", mmcv::ConvModule(mmcv::ConvModuleOptions(in_features, out, Value(kernel_size))
                                    .padding(Value(padding))
                                    .groups(out)
                                    .act_cfg(Value())));
}

torch::Tensor LPIImpl::forward(const torch::Tensor& input, std::int64_t H, std::int64_t W) {
  const std::int64_t B = input.size(0), N = input.size(1), C = input.size(2);
  torch::Tensor x = input.permute({0, 2, 1}).reshape({B, C, H, W});
  x = conv2_->forward(conv1_->forward(x));
  return x.reshape({B, C, N}).permute({0, 2, 1});
}

// ---------------------------------------------------------------- XCA

XCAImpl::XCAImpl(const XCiTAttentionOptions& o) : num_heads_(o.num_heads) {
  temperature = register_parameter("temperature", torch::ones({o.num_heads, 1, 1}));
  qkv_ = register_module(
      "qkv", torch::nn::Linear(torch::nn::LinearOptions(o.dim, o.dim * 3).bias(o.qkv_bias)));
  attn_drop_ = register_module("attn_drop", torch::nn::Dropout(o.attn_drop));
  proj_ = register_module("proj", torch::nn::Linear(o.dim, o.dim));
  proj_drop_ = register_module("proj_drop", torch::nn::Dropout(o.proj_drop));
}

torch::Tensor XCAImpl::forward(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  const std::int64_t B = x.size(0), N = x.size(1), C = x.size(2);
  // (qkv, B, num_heads, channels per head, N)
  torch::Tensor qkv =
      qkv_(x).reshape({B, N, 3, num_heads_, C / num_heads_}).permute({2, 0, 3, 4, 1});
  auto parts = qkv.unbind(0);
  torch::Tensor q = F::normalize(parts[0], F::NormalizeFuncOptions().dim(-1));
  torch::Tensor k = F::normalize(parts[1], F::NormalizeFuncOptions().dim(-1));
  torch::Tensor attn = (torch::matmul(q, k.transpose(-2, -1)) * temperature).softmax(-1);
  attn = attn_drop_(attn);
  torch::Tensor out = torch::matmul(attn, parts[2]).permute({0, 3, 1, 2}).reshape({B, N, C});
  return proj_drop_(proj_(out));
}

// ---------------------------------------------------------------- XCABlock

XCABlockImpl::XCABlockImpl(const XCiTBlockOptions& o) {
  norm1_ = engine::register_layer(*this, "norm1", build_norm_layer(o.norm_cfg, o.dim));
  attn_ = register_module(
      "attn", XCA(XCiTAttentionOptions{o.dim, o.num_heads, o.qkv_bias, o.attn_drop, o.drop}));
  drop_path_ = make_drop_path(*this, o.drop_path);
  norm3_ = engine::register_layer(*this, "norm3", build_norm_layer(o.norm_cfg, o.dim));
  local_mp_ = register_module("local_mp", LPI(o.dim, std::nullopt, 3, o.bn_norm_cfg, o.act_cfg));
  norm2_ = engine::register_layer(*this, "norm2", build_norm_layer(o.norm_cfg, o.dim));
  ffn_ = register_module("ffn", make_ffn(o));
  gamma1 = register_parameter("gamma1", o.layer_scale_init_value * torch::ones({o.dim}));
  gamma3 = register_parameter("gamma3", o.layer_scale_init_value * torch::ones({o.dim}));
  gamma2 = register_parameter("gamma2", o.layer_scale_init_value * torch::ones({o.dim}));
}

torch::Tensor XCABlockImpl::forward(const torch::Tensor& input, std::int64_t H, std::int64_t W) {
  torch::Tensor x = input + drop_path_(gamma1 * attn_->forward(norm1_(input)));
  // As the official code: local_mp (gamma3/norm3) before the FFN (gamma2/norm2).
  x = x + drop_path_(gamma3 * local_mp_->forward(norm3_(x), H, W));
  return x + drop_path_(gamma2 * ffn_->forward(norm2_(x)));
}

// ---------------------------------------------------------------- XCiT

XCiTOptions::XCiTOptions()
    : bn_norm_cfg(bn_cfg()),
      norm_cfg(ln_cfg()),
      act_cfg(gelu_cfg()),
      init_cfg(make_dict({{"type", Value("TruncNormal")}, {"layer", Value("Linear")}})) {}

XCiTOptions::XCiTOptions(registry::BuildArgs& a) : XCiTOptions() {
  img_size = a.value_or("img_size", img_size);
  patch_size = a.get_int("patch_size", patch_size);
  in_channels = a.get_int("in_channels", in_channels);
  embed_dims = a.get_int("embed_dims", embed_dims);
  depth = a.get_int("depth", depth);
  cls_attn_layers = a.get_int("cls_attn_layers", cls_attn_layers);
  num_heads = a.get_int("num_heads", num_heads);
  mlp_ratio = a.get_float("mlp_ratio", mlp_ratio);
  qkv_bias = a.get_bool("qkv_bias", qkv_bias);
  drop_rate = a.get_float("drop_rate", drop_rate);
  attn_drop_rate = a.get_float("attn_drop_rate", attn_drop_rate);
  drop_path_rate = a.get_float("drop_path_rate", drop_path_rate);
  use_pos_embed = a.get_bool("use_pos_embed", use_pos_embed);
  layer_scale_init_value = a.get_float("layer_scale_init_value", layer_scale_init_value);
  tokens_norm = a.get_bool("tokens_norm", tokens_norm);
  out_type = a.get_str("out_type", out_type);
  if (a.has("out_indices")) {
    const Value oi = a.value("out_indices");
    out_indices = oi.is_int() ? std::vector<std::int64_t>{oi.as_int()}
                              : a.get_int_list("out_indices", out_indices);
  }
  final_norm = a.get_bool("final_norm", final_norm);
  frozen_stages = a.get_int("frozen_stages", frozen_stages);
  bn_norm_cfg = a.value_or("bn_norm_cfg", bn_norm_cfg);
  norm_cfg = a.value_or("norm_cfg", norm_cfg);
  act_cfg = a.value_or("act_cfg", act_cfg);
  init_cfg = a.value_or("init_cfg", init_cfg);
}

XCiTImpl::XCiTImpl(XCiTOptions options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  const mmcv::Size2 img = mmcv::to_2tuple(o.img_size, "XCiT: img_size");
  if (o.patch_size <= 0 || img.first % o.patch_size != 0 || img.second % o.patch_size != 0)
    throw Error("ValueError", "`patch_size` (" + std::to_string(o.patch_size) +
                                  ") should divide the image shape (" + std::to_string(img.first) +
                                  ", " + std::to_string(img.second) + ") evenly.");
  if (o.out_type != "raw" && o.out_type != "featmap" && o.out_type != "avg_featmap" &&
      o.out_type != "cls_token")
    throw Error("AssertionError",
                "XCiT: out_type must be one of 'raw', 'featmap', "
                "'avg_featmap', 'cls_token', got '" +
                    o.out_type + "'");

  ConvPatchEmbedOptions pe;
  pe.img_size = o.img_size;
  pe.patch_size = o.patch_size;
  pe.in_channels = o.in_channels;
  pe.embed_dims = o.embed_dims;
  pe.norm_cfg = o.bn_norm_cfg;
  pe.act_cfg = o.act_cfg;
  // Python registers cls_token after patch_embed, but parameters precede children in a
  // state dict either way.
  patch_embed_ = register_module("patch_embed", ConvPatchEmbed(pe));
  cls_token = register_parameter("cls_token", torch::zeros({1, 1, o.embed_dims}));
  if (o.use_pos_embed)
    pos_embed_ = register_module("pos_embed", PositionalEncodingFourier(32, o.embed_dims));
  pos_drop_ = register_module("pos_drop", torch::nn::Dropout(o.drop_rate));

  xca_layers_ = register_module("xca_layers", torch::nn::ModuleList());
  ca_layers_ = register_module("ca_layers", torch::nn::ModuleList());
  num_layers_ = o.depth + o.cls_attn_layers;

  XCiTBlockOptions b;
  b.dim = o.embed_dims;
  b.num_heads = o.num_heads;
  b.mlp_ratio = o.mlp_ratio;
  b.qkv_bias = o.qkv_bias;
  b.drop = o.drop_rate;
  b.attn_drop = o.attn_drop_rate;
  b.layer_scale_init_value = o.layer_scale_init_value;
  b.bn_norm_cfg = o.bn_norm_cfg;
  b.norm_cfg = o.norm_cfg;
  b.act_cfg = o.act_cfg;
  b.drop_path = o.drop_path_rate;  // the same rate for every XCABlock
  for (std::int64_t i = 0; i < o.depth; ++i) {
    xca_.push_back(XCABlock(b));
    xca_layers_->push_back(xca_.back().ptr());
  }
  b.drop_path = 0.;
  b.tokens_norm = o.tokens_norm;
  for (std::int64_t i = 0; i < o.cls_attn_layers; ++i) {
    ca_.push_back(ClassAttentionBlock(b));
    ca_layers_->push_back(ca_.back().ptr());
  }
  if (o.final_norm)
    norm_ = engine::register_layer(*this, "norm", build_norm_layer(o.norm_cfg, o.embed_dims));

  for (std::int64_t index : o.out_indices) {
    const std::int64_t idx = index < 0 ? num_layers_ + index : index;
    if (idx < 0 || idx > num_layers_)
      throw Error("AssertionError", "Invalid out_indices " + std::to_string(index) + ".");
    out_indices_.push_back(idx);
  }
  if (o.frozen_stages > num_layers_ + 1)
    throw Error("ValueError", "frozen_stages must be less than " + std::to_string(num_layers_) +
                                  " but get " + std::to_string(o.frozen_stages));
}

std::shared_ptr<XCiTImpl> XCiTImpl::from_config(registry::BuildArgs& args) {
  return std::make_shared<XCiTImpl>(XCiTOptions(args));
}

void XCiTImpl::init_weights() {
  BaseBackboneImpl::init_weights();
  const Value& cfg = init_cfg();
  const Value* t = cfg.is_dict() ? cfg.as_dict().find("type") : nullptr;
  if (t && t->is_str() && t->as_str() == "Pretrained") return;
  engine::trunc_normal_(cls_token, 0, .02);
}

void XCiTImpl::freeze_stages() {
  const std::int64_t frozen = options_.frozen_stages;
  if (frozen < 0) return;
  if (pos_embed_) freeze(*pos_embed_);
  freeze(*patch_embed_);
  pos_drop_->eval();
  const auto n_xca = static_cast<std::int64_t>(xca_.size());
  const auto n_ca = static_cast<std::int64_t>(ca_.size());
  if (frozen > n_xca) cls_token.set_requires_grad(false);
  for (std::int64_t i = 1; i < frozen; ++i) {
    if (i <= n_xca)
      freeze(*xca_[static_cast<std::size_t>(i - 1)]);
    else
      freeze(*ca_.at(static_cast<std::size_t>(i - n_xca - 1)));
  }
  if (frozen == n_xca + n_ca) {
    if (!norm_) throw Error("AttributeError", "'XCiT' object has no attribute 'norm'");
    freeze(norm_.module());
  }
}

void XCiTImpl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
}

torch::Tensor XCiTImpl::format_output(const torch::Tensor& x, const mmcv::Size2& hw,
                                      bool with_cls_token) const {
  const std::string& type = options_.out_type;
  if (type == "raw") return x;
  if (type == "cls_token") {
    if (!with_cls_token)
      throw Error("ValueError", "Cannot output cls_token since there is no cls_token.");
    return x.select(1, 0);
  }
  torch::Tensor patch_token = with_cls_token ? x.slice(1, 1) : x;
  if (type == "featmap")
    return patch_token.reshape({x.size(0), hw.first, hw.second, -1}).permute({0, 3, 1, 2});
  return patch_token.mean(1);  // avg_featmap
}

Feats XCiTImpl::forward(const torch::Tensor& input) {
  Feats outs;
  const std::int64_t B = input.size(0);
  auto [x, hw] = patch_embed_->forward(input);
  const auto [Hp, Wp] = hw;
  if (pos_embed_) {
    torch::Tensor pos = pos_embed_->forward(B, Hp, Wp);  // (B, C, Hp, Wp)
    x = x + pos.reshape({B, -1, x.size(1)}).permute({0, 2, 1});
  }
  x = pos_drop_(x);
  auto is_out = [this](std::int64_t i) {
    return std::find(out_indices_.begin(), out_indices_.end(), i) != out_indices_.end();
  };
  const auto n_xca = static_cast<std::int64_t>(xca_.size());
  for (std::int64_t i = 0; i < n_xca; ++i) {
    x = xca_[static_cast<std::size_t>(i)]->forward(x, Hp, Wp);
    if (is_out(i)) outs.push_back(format_output(x, hw, false));
  }
  x = torch::cat({cls_token.expand({B, -1, -1}), x}, 1);
  const auto n_ca = static_cast<std::int64_t>(ca_.size());
  for (std::int64_t i = 0; i < n_ca; ++i) {
    x = ca_[static_cast<std::size_t>(i)]->forward(x);
    if (i == n_ca - 1) {
      if (!norm_) throw Error("AttributeError", "'XCiT' object has no attribute 'norm'");
      x = norm_(x);
    }
    if (is_out(i + n_xca)) outs.push_back(format_output(x, hw, true));
  }
  return outs;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::XCiTImpl, "XCiT",
                  "dict(type='XCiT', embed_dims=32, depth=2, num_heads=4, img_size=32, "
                  "patch_size=8)");
