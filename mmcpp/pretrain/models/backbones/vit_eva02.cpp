#include "mmcpp/pretrain/models/backbones/vit_eva02.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/pretrain/models/utils/dict_update.h"
#include "mmcpp/pretrain/models/utils/norm.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

Value ln_cfg() { return make_dict({{"type", Value("LN")}}); }

std::vector<double> np_linspace(double stop, std::int64_t n) {
  std::vector<double> v;
  for (std::int64_t i = 0; i < n; ++i)
    v.push_back(n == 1 ? 0. : stop * static_cast<double>(i) / static_cast<double>(n - 1));
  if (n > 1) v.back() = stop;
  return v;
}

}  // namespace

// ---------------------------------------------------------------- AttentionWithRoPE

AttentionWithRoPEImpl::AttentionWithRoPEImpl(AttentionWithRoPEOptions o, RotaryEmbeddingFast rope)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  head_dims_ = op.embed_dims / op.num_heads;
  // Python's `qk_scale or head_dims ** -0.5`: a zero scale falls back too.
  scale_ = op.qk_scale && *op.qk_scale != 0. ? *op.qk_scale
                                             : std::pow(static_cast<double>(head_dims_), -0.5);
  qkv_ = register_module(
      "qkv", torch::nn::Linear(
                 torch::nn::LinearOptions(op.embed_dims, op.embed_dims * 3).bias(op.qkv_bias)));
  attn_drop_ = register_module("attn_drop", torch::nn::Dropout(op.attn_drop));
  proj_ = register_module(
      "proj",
      torch::nn::Linear(torch::nn::LinearOptions(op.embed_dims, op.embed_dims).bias(op.proj_bias)));
  proj_drop_ = register_module("proj_drop", torch::nn::Dropout(op.proj_drop));
  if (rope) rope_ = register_module("rope", rope);
}

torch::Tensor AttentionWithRoPEImpl::forward(const torch::Tensor& x, mmcv::Size2 hw) {
  const std::int64_t B = x.size(0), N = x.size(1);
  auto qkv = qkv_->forward(x).reshape({B, N, 3, options_.num_heads, -1}).permute({2, 0, 3, 1, 4});
  auto parts = qkv.unbind(0);
  torch::Tensor q = parts[0], k = parts[1], v = parts[2];
  if (rope_) {
    if (options_.with_cls_token) {
      using torch::indexing::Slice;
      q = torch::cat({q.slice(2, 0, 1), rope_->forward(q.slice(2, 1), hw)}, -2).type_as(v);
      k = torch::cat({k.slice(2, 0, 1), rope_->forward(k.slice(2, 1), hw)}, -2).type_as(v);
    } else {
      q = rope_->forward(q, hw);
      k = rope_->forward(k, hw);
    }
  }
  q = q * scale_;
  torch::Tensor attn = torch::matmul(q, k.transpose(-2, -1)).softmax(-1).type_as(x);
  attn = attn_drop_->forward(attn);
  torch::Tensor out = torch::matmul(attn, v).transpose(1, 2).reshape({B, N, -1});
  return proj_drop_->forward(proj_->forward(out));
}

// ---------------------------------------------------------------- EVA02EndcoderLayer

EVA02EndcoderLayerOptions::EVA02EndcoderLayerOptions() { norm_cfg = ln_cfg(); }

EVA02EndcoderLayerOptions EVA02EndcoderLayerOptions::read(registry::BuildArgs& a) {
  EVA02EndcoderLayerOptions o;
  o.embed_dims = a.require_int("embed_dims");
  o.num_heads = a.require_int("num_heads");
  o.feedforward_channels = a.require_int("feedforward_channels");
  o.sub_ln = a.get_bool("sub_ln", o.sub_ln);
  o.attn_drop = a.get_float("attn_drop", o.attn_drop);
  o.proj_drop = a.get_float("proj_drop", o.proj_drop);
  o.qkv_bias = a.get_bool("qkv_bias", o.qkv_bias);
  o.qk_scale = a.get_opt_float("qk_scale");
  o.proj_bias = a.get_bool("proj_bias", o.proj_bias);
  o.with_cls_token = a.get_bool("with_cls_token", o.with_cls_token);
  o.drop_rate = a.get_float("drop_rate", o.drop_rate);
  o.drop_path_rate = a.get_float("drop_path_rate", o.drop_path_rate);
  o.norm_cfg = a.value_or("norm_cfg", o.norm_cfg);
  o.init_cfg = a.value_or("init_cfg", o.init_cfg);
  return o;
}

EVA02EndcoderLayerImpl::EVA02EndcoderLayerImpl(EVA02EndcoderLayerOptions o,
                                               RotaryEmbeddingFast rope)
    : engine::BaseModule(o.init_cfg) {
  if (o.num_heads <= 0 || o.embed_dims % o.num_heads != 0)
    throw Error("ValueError", "EVA02EndcoderLayer: embed_dims " + std::to_string(o.embed_dims) +
                                  " must be a multiple of num_heads " +
                                  std::to_string(o.num_heads));
  norm1_ = engine::register_layer(*this, "norm1", build_norm_layer(o.norm_cfg, o.embed_dims));
  AttentionWithRoPEOptions ao;
  ao.embed_dims = o.embed_dims;
  ao.num_heads = o.num_heads;
  ao.attn_drop = o.attn_drop;
  ao.proj_drop = o.proj_drop;
  ao.qkv_bias = o.qkv_bias;
  ao.qk_scale = o.qk_scale;
  ao.proj_bias = o.proj_bias;
  ao.with_cls_token = o.with_cls_token;
  attn_ = register_module("attn", AttentionWithRoPE(ao, std::move(rope)));
  drop_path_ = engine::register_layer(
      *this, "drop_path",
      mmcv::build_dropout(
          make_dict({{"type", Value("DropPath")}, {"drop_prob", Value(o.drop_path_rate)}})));
  norm2_ = engine::register_layer(*this, "norm2", build_norm_layer(o.norm_cfg, o.embed_dims));
  SwiGLUFFNOptions so;
  so.embed_dims = o.embed_dims;
  so.feedforward_channels = o.feedforward_channels;
  if (o.drop_rate > 0)
    so.dropout_layer = make_dict({{"type", Value("Dropout")}, {"drop_prob", Value(o.drop_rate)}});
  if (o.sub_ln) so.norm_cfg = o.norm_cfg;
  so.add_identity = false;
  mlp_ = register_module("mlp", SwiGLUFFN(so));
}

torch::Tensor EVA02EndcoderLayerImpl::forward(const torch::Tensor& input, mmcv::Size2 hw) {
  torch::Tensor x = input + drop_path_(attn_->forward(norm1_(input), hw));
  return x + drop_path_(mlp_->forward(norm2_(x)));
}

// ---------------------------------------------------------------- ViTEVA02

const std::map<std::string, ViTArch>& vit_eva02_arch_zoo() {
  static const std::map<std::string, ViTArch> zoo = [] {
    std::map<std::string, ViTArch> z;
    auto add = [&z](std::initializer_list<const char*> names, std::int64_t dims,
                    std::int64_t layers, std::int64_t heads) {
      for (const char* n : names) z.emplace(n, ViTArch{dims, layers, heads, dims * 4 * 2 / 3});
    };
    add({"t", "ti", "tiny"}, 192, 12, 3);
    add({"s", "small"}, 384, 12, 6);
    add({"b", "base"}, 768, 12, 12);
    add({"l", "large"}, 1024, 24, 16);
    return z;
  }();
  return zoo;
}

ViTEVA02Options::ViTEVA02Options() {
  norm_cfg = ln_cfg();
  layer_cfgs = Value::dict();
}

ViTEVA02Options::ViTEVA02Options(registry::BuildArgs& a) : ViTEVA02Options() {
  arch = a.value_or("arch", arch);
  sub_ln = a.get_bool("sub_ln", sub_ln);
  drop_rate = a.get_float("drop_rate", drop_rate);
  attn_drop_rate = a.get_float("attn_drop_rate", attn_drop_rate);
  proj_drop_rate = a.get_float("proj_drop_rate", proj_drop_rate);
  drop_path_rate = a.get_float("drop_path_rate", drop_path_rate);
  qkv_bias = a.get_bool("qkv_bias", qkv_bias);
  norm_cfg = a.value_or("norm_cfg", norm_cfg);
  with_cls_token = a.get_bool("with_cls_token", with_cls_token);
  layer_cfgs = a.value_or("layer_cfgs", layer_cfgs);
  vit.read(a);  // the VisionTransformer kwargs (and the keys above again)
}

VisionTransformerOptions ViTEVA02Impl::vit_options(const ViTEVA02Options& o) {
  VisionTransformerOptions v = o.vit;
  if (o.arch.is_str()) {
    std::string name = o.arch.as_str();
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto& zoo = vit_eva02_arch_zoo();
    auto it = zoo.find(name);
    if (it == zoo.end()) {
      std::string known;
      for (const auto& [k, _] : zoo) known += (known.empty() ? "'" : ", '") + k + "'";
      throw Error("AssertionError", "Arch " + name + " is not in default archs {" + known + "}");
    }
    const ViTArch& a = it->second;
    v.arch = make_dict({{"embed_dims", Value(a.embed_dims)},
                        {"num_layers", Value(a.num_layers)},
                        {"num_heads", Value(a.num_heads)},
                        {"feedforward_channels", Value(a.feedforward_channels)}});
  } else {
    v.arch = o.arch;
  }
  v.drop_rate = o.drop_rate;
  v.drop_path_rate = o.drop_path_rate;
  v.norm_cfg = o.norm_cfg;
  v.with_cls_token = o.with_cls_token;
  v.qkv_bias = true;  // not passed on by ViTEVA02
  v.layer_cfgs = Value::dict();
  return v;
}

ViTEVA02Impl::ViTEVA02Impl(ViTEVA02Options o)
    : VisionTransformerImpl(vit_options(o), 1, /*build_layers=*/false) {
  const std::int64_t head_dim = arch_.embed_dims / arch_.num_heads;
  rope_ = register_module("rope", RotaryEmbeddingFast(head_dim, patch_resolution_));
  const std::vector<double> dpr = np_linspace(o.drop_path_rate, arch_.num_layers);
  for (std::int64_t i = 0; i < arch_.num_layers; ++i) {
    Value layer = make_dict({{"embed_dims", Value(arch_.embed_dims)},
                             {"num_heads", Value(arch_.num_heads)},
                             {"feedforward_channels", Value(arch_.feedforward_channels)},
                             {"sub_ln", Value(o.sub_ln)},
                             {"norm_cfg", o.norm_cfg},
                             {"proj_drop", Value(o.proj_drop_rate)},
                             {"attn_drop", Value(o.attn_drop_rate)},
                             {"drop_rate", Value(o.drop_rate)},
                             {"qkv_bias", Value(o.qkv_bias)},
                             {"with_cls_token", Value(o.with_cls_token)},
                             {"drop_path_rate", Value(dpr[static_cast<std::size_t>(i)])}});
    Value extra = o.layer_cfgs;
    if (o.layer_cfgs.is_sequence()) {
      if (static_cast<std::int64_t>(o.layer_cfgs.items().size()) <= i)
        throw Error("IndexError", "ViTEVA02: layer_cfgs has fewer entries (" +
                                      std::to_string(o.layer_cfgs.items().size()) +
                                      ") than num_layers (" + std::to_string(arch_.num_layers) +
                                      ")");
      extra = o.layer_cfgs.items()[static_cast<std::size_t>(i)];
    }
    layer = dict_updated(layer, extra, "layer_cfgs");
    registry::BuildArgs args("EVA02EndcoderLayer", layer);
    auto lo = EVA02EndcoderLayerOptions::read(args);
    args.check_all_used();
    auto l = EVA02EndcoderLayer(lo, rope_);
    layers_->push_back(l.ptr());
    eva_layers_.push_back(l);
  }
  if (options_.frozen_stages > 0) freeze_stages();
}

std::shared_ptr<ViTEVA02Impl> ViTEVA02Impl::from_config(registry::BuildArgs& args) {
  return std::make_shared<ViTEVA02Impl>(ViTEVA02Options(args));
}

Feats ViTEVA02Impl::forward(const torch::Tensor& input) {
  mmcv::Size2 hw;
  torch::Tensor x = pre_norm_(embed(input, {}, hw));
  Feats outs;
  const auto n = static_cast<std::int64_t>(eva_layers_.size());
  for (std::int64_t i = 0; i < n; ++i) {
    x = eva_layers_[static_cast<std::size_t>(i)]->forward(x, hw);
    if (i == n - 1 && options_.final_norm) x = ln1_(x);
    if (std::find(out_indices_.begin(), out_indices_.end(), i) != out_indices_.end())
      outs.push_back(format_output(x, hw));
  }
  return outs;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::ViTEVA02Impl, "ViTEVA02",
                  "dict(type='ViTEVA02', arch='t', img_size=28, patch_size=14)");
