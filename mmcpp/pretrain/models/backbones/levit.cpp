#include "mmcpp/pretrain/models/backbones/levit.h"

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/activation.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/pretrain/models/utils/norm.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

Value bn_cfg(const char* type) { return make_dict({{"type", Value(type)}}); }

Value hswish_cfg() { return make_dict({{"type", Value("HSwish")}}); }

template <class BN>
std::pair<torch::Tensor, torch::Tensor> scale_shift(const BN& m) {
  torch::Tensor scale = m.weight / (m.running_var + m.options.eps()).sqrt();
  return {scale, m.bias - m.running_mean * scale};
}

}  // namespace

// The eval-mode BN of a fusable block as (scale, shift): bn(x) = x * scale + shift.
std::pair<torch::Tensor, torch::Tensor> levit_bn_scale_shift(const engine::Layer& bn) {
  if (auto* m = bn.as<torch::nn::BatchNorm1dImpl>()) return scale_shift(*m);
  if (auto* m = bn.as<torch::nn::BatchNorm2dImpl>()) return scale_shift(*m);
  throw Error("AttributeError",
              "LeViT: fuse() needs a BatchNorm layer (norm_cfg type 'BN' or 'BN1d'), got " +
                  engine::python_class_of(bn.module()).name);
}

namespace {

// The (resolution - 1) // stride + 1 grid of query points.
std::int64_t sub_res(std::int64_t resolution, std::int64_t stride) {
  return (resolution - 1) / stride + 1;
}

// Layer-wise fuse of the LinearBatchNorm held by `layer` (a no-op when it is
// already a Linear).
engine::Layer fused_linear(const engine::Layer& layer) {
  if (auto* lbn = layer.as<LinearBatchNormImpl>()) return lbn->fuse();
  return layer;
}

torch::Tensor attention_bias(const torch::Tensor& biases, const torch::Tensor& idxs) {
  return biases.index_select(1, idxs.flatten()).view({biases.size(0), idxs.size(0), idxs.size(1)});
}

}  // namespace

// ---------------------------------------------------------------- bricks

void LeViTSequentialImpl::push_back(engine::Layer layer) {
  engine::register_layer(*this, std::to_string(layers_.size()), layer);
  layers_.push_back(std::move(layer));
}

void LeViTSequentialImpl::replace(std::size_t i, engine::Layer layer) {
  replace_module(std::to_string(i), layer.ptr());
  layers_.at(i) = std::move(layer);
}

torch::Tensor LeViTSequentialImpl::forward(const torch::Tensor& x) {
  torch::Tensor out = x;
  for (const auto& l : layers_) out = l(out);
  return out;
}

ConvolutionBatchNormImpl::ConvolutionBatchNormImpl(std::int64_t in_channel,
                                                   std::int64_t out_channel,
                                                   std::int64_t kernel_size, std::int64_t stride,
                                                   std::int64_t pad, std::int64_t dilation,
                                                   std::int64_t groups, const Value& norm_cfg) {
  conv_ = register_module(
      "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channel, out_channel, kernel_size)
                                    .stride(stride)
                                    .padding(pad)
                                    .dilation(dilation)
                                    .groups(groups)
                                    .bias(false)));
  bn_ = engine::register_layer(*this, "bn", build_norm_layer(norm_cfg, out_channel));
}

torch::Tensor ConvolutionBatchNormImpl::forward(const torch::Tensor& x) {
  return bn_(conv_->forward(x));
}

engine::Layer ConvolutionBatchNormImpl::fuse() const {
  torch::NoGradGuard no_grad;
  auto [scale, shift] = levit_bn_scale_shift(bn_);
  const auto& o = conv_->options;
  auto fused =
      torch::nn::Conv2d(torch::nn::Conv2dOptions(o.in_channels(), o.out_channels(), o.kernel_size())
                            .stride(o.stride())
                            .padding(o.padding())
                            .dilation(o.dilation())
                            .groups(o.groups())
                            .bias(true));
  fused->to(conv_->weight.device(), conv_->weight.scalar_type());
  fused->weight.copy_(conv_->weight * scale.reshape({-1, 1, 1, 1}));
  fused->bias.copy_(shift);
  return engine::Layer(fused.ptr());
}

LinearBatchNormImpl::LinearBatchNormImpl(std::int64_t in_feature, std::int64_t out_feature,
                                         const Value& norm_cfg) {
  linear_ = register_module(
      "linear", torch::nn::Linear(torch::nn::LinearOptions(in_feature, out_feature).bias(false)));
  bn_ = engine::register_layer(*this, "bn", build_norm_layer(norm_cfg, out_feature));
}

torch::Tensor LinearBatchNormImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = linear_->forward(x);
  return bn_(y.flatten(0, 1)).reshape_as(y);
}

engine::Layer LinearBatchNormImpl::fuse() const {
  torch::NoGradGuard no_grad;
  auto [scale, shift] = levit_bn_scale_shift(bn_);
  const auto& o = linear_->options;
  auto fused = torch::nn::Linear(torch::nn::LinearOptions(o.in_features(), o.out_features()));
  fused->to(linear_->weight.device(), linear_->weight.scalar_type());
  fused->weight.copy_(linear_->weight * scale.unsqueeze(1));
  fused->bias.copy_(shift);
  return engine::Layer(fused.ptr());
}

HybridBackboneImpl::HybridBackboneImpl(std::int64_t embed_dim, const Value& act_cfg,
                                       const Value& norm_cfg) {
  const std::vector<std::int64_t> in = {3, embed_dim / 8, embed_dim / 4, embed_dim / 2};
  const std::vector<std::int64_t> out = {embed_dim / 8, embed_dim / 4, embed_dim / 2, embed_dim};
  patch_embed_ = register_module("patch_embed", LeViTSequential());
  for (std::size_t i = 0; i < in.size(); ++i) {
    conv_bn_index_.push_back(patch_embed_->size());
    patch_embed_->push_back(
        engine::Layer(ConvolutionBatchNorm(in[i], out[i], 3, 2, 1, 1, 1, norm_cfg).ptr()));
    if (i + 1 < in.size()) patch_embed_->push_back(mmcv::build_activation_layer(act_cfg));
  }
}

torch::Tensor HybridBackboneImpl::forward(const torch::Tensor& x) {
  return patch_embed_->forward(x);
}

void HybridBackboneImpl::fuse_children() {
  for (std::size_t i : conv_bn_index_)
    if (auto* cbn = (*patch_embed_)[i].as<ConvolutionBatchNormImpl>())
      patch_embed_->replace(i, cbn->fuse());
}

LeViTResidualImpl::LeViTResidualImpl(engine::Layer block, double drop_path_rate) {
  block_ = engine::register_layer(*this, "block", std::move(block));
  drop_path_ = engine::register_layer(*this, "drop_path",
                                      drop_path_rate > 0
                                          ? engine::Layer(mmcv::DropPath(drop_path_rate).ptr())
                                          : engine::Layer(torch::nn::Identity().ptr()));
}

torch::Tensor LeViTResidualImpl::forward(const torch::Tensor& x) {
  return x + drop_path_(block_(x));
}

void LeViTResidualImpl::fuse_children() {
  if (auto* f = dynamic_cast<LeViTFusable*>(block_.ptr().get())) f->fuse_children();
}

// ---------------------------------------------------------------- attention

std::pair<torch::Tensor, std::int64_t> levit_attention_bias_idxs(std::int64_t resolution,
                                                                 std::int64_t stride) {
  const std::int64_t sub = sub_res(resolution, stride);
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> offsets;
  std::vector<std::int64_t> idxs;
  idxs.reserve(static_cast<std::size_t>(sub * sub * resolution * resolution));
  for (std::int64_t q0 = 0; q0 < sub; ++q0)
    for (std::int64_t q1 = 0; q1 < sub; ++q1)
      for (std::int64_t k0 = 0; k0 < resolution; ++k0)
        for (std::int64_t k1 = 0; k1 < resolution; ++k1) {
          std::pair<std::int64_t, std::int64_t> off = {std::abs(q0 * stride - k0),
                                                       std::abs(q1 * stride - k1)};
          auto it = offsets.find(off);
          if (it == offsets.end())
            it = offsets.emplace(off, static_cast<std::int64_t>(offsets.size())).first;
          idxs.push_back(it->second);
        }
  torch::Tensor t = torch::tensor(idxs, torch::kLong).view({sub * sub, resolution * resolution});
  return {t, static_cast<std::int64_t>(offsets.size())};
}

LeViTAttentionImpl::LeViTAttentionImpl(std::int64_t dim, std::int64_t key_dim,
                                       std::int64_t num_heads, double attn_ratio,
                                       const Value& act_cfg, std::int64_t resolution)
    : num_heads_(num_heads),
      key_dim_(key_dim),
      d_(static_cast<std::int64_t>(attn_ratio * static_cast<double>(key_dim))),
      dh_(d_ * num_heads),
      scale_(std::pow(static_cast<double>(key_dim), -0.5)) {
  const std::int64_t h = dh_ + key_dim * num_heads * 2;
  auto [idxs, n_offsets] = levit_attention_bias_idxs(resolution, 1);
  attention_biases_ = register_parameter("attention_biases", torch::zeros({num_heads, n_offsets}));
  attention_bias_idxs_ = register_buffer("attention_bias_idxs", idxs);
  qkv_ = engine::register_layer(*this, "qkv",
                                engine::Layer(LinearBatchNorm(dim, h, bn_cfg("BN1d")).ptr()));
  proj_ = register_module("proj", LeViTSequential(true));
  proj_->push_back(mmcv::build_activation_layer(act_cfg));
  proj_->push_back(engine::Layer(LinearBatchNorm(dh_, dim, bn_cfg("BN1d")).ptr()));
}

torch::Tensor LeViTAttentionImpl::forward(const torch::Tensor& x) {
  const std::int64_t B = x.size(0), N = x.size(1);
  auto parts = qkv_(x).view({B, N, num_heads_, -1}).split_with_sizes({key_dim_, key_dim_, d_}, 3);
  torch::Tensor q = parts[0].permute({0, 2, 1, 3});
  torch::Tensor k = parts[1].permute({0, 2, 1, 3});
  torch::Tensor v = parts[2].permute({0, 2, 1, 3});
  torch::Tensor attn = torch::matmul(q, k.transpose(-2, -1)) * scale_ +
                       attention_bias(attention_biases_, attention_bias_idxs_);
  attn = attn.softmax(-1);
  torch::Tensor out = torch::matmul(attn, v).transpose(1, 2).reshape({B, N, dh_});
  return proj_->forward(out);
}

void LeViTAttentionImpl::fuse_children() {
  qkv_ = fused_linear(qkv_);
  replace_module("qkv", qkv_.ptr());
  proj_->replace(1, fused_linear((*proj_)[1]));
}

LeViTMLPImpl::LeViTMLPImpl(std::int64_t embed_dim, std::int64_t mlp_ratio, const Value& act_cfg) {
  const std::int64_t h = embed_dim * mlp_ratio;
  linear1_ = engine::register_layer(
      *this, "linear1", engine::Layer(LinearBatchNorm(embed_dim, h, bn_cfg("BN1d")).ptr()));
  activation_ = engine::register_layer(*this, "activation", mmcv::build_activation_layer(act_cfg));
  linear2_ = engine::register_layer(
      *this, "linear2", engine::Layer(LinearBatchNorm(h, embed_dim, bn_cfg("BN1d")).ptr()));
}

torch::Tensor LeViTMLPImpl::forward(const torch::Tensor& x) {
  return linear2_(activation_(linear1_(x)));
}

void LeViTMLPImpl::fuse_children() {
  linear1_ = fused_linear(linear1_);
  replace_module("linear1", linear1_.ptr());
  linear2_ = fused_linear(linear2_);
  replace_module("linear2", linear2_.ptr());
}

torch::Tensor LeViTSubsampleImpl::forward(const torch::Tensor& x) {
  const std::int64_t B = x.size(0), C = x.size(2);
  using torch::indexing::Slice;
  torch::Tensor y =
      x.view({B, resolution_, resolution_, C})
          .index({Slice(), Slice(torch::indexing::None, torch::indexing::None, stride_),
                  Slice(torch::indexing::None, torch::indexing::None, stride_)});
  return y.reshape({B, -1, C});
}

LeViTAttentionSubsampleImpl::LeViTAttentionSubsampleImpl(std::int64_t in_dim, std::int64_t out_dim,
                                                         std::int64_t key_dim,
                                                         std::int64_t num_heads, double attn_ratio,
                                                         const Value& act_cfg, std::int64_t stride,
                                                         std::int64_t resolution)
    : num_heads_(num_heads),
      key_dim_(key_dim),
      d_(static_cast<std::int64_t>(attn_ratio * static_cast<double>(key_dim))),
      dh_(d_ * num_heads),
      sub_resolution_(sub_res(resolution, stride)),
      scale_(std::pow(static_cast<double>(key_dim), -0.5)) {
  const std::int64_t nh_kd = key_dim * num_heads;
  auto [idxs, n_offsets] = levit_attention_bias_idxs(resolution, stride);
  attention_biases_ = register_parameter("attention_biases", torch::zeros({num_heads, n_offsets}));
  attention_bias_idxs_ = register_buffer("attention_bias_idxs", idxs);
  kv_ = engine::register_layer(
      *this, "kv", engine::Layer(LinearBatchNorm(in_dim, dh_ + nh_kd, bn_cfg("BN1d")).ptr()));
  q_ = register_module("q", LeViTSequential(true));
  q_->push_back(engine::Layer(LeViTSubsample(stride, resolution).ptr()));
  q_->push_back(engine::Layer(LinearBatchNorm(in_dim, nh_kd, bn_cfg("BN1d")).ptr()));
  proj_ = register_module("proj", LeViTSequential(true));
  proj_->push_back(mmcv::build_activation_layer(act_cfg));
  proj_->push_back(engine::Layer(LinearBatchNorm(dh_, out_dim, bn_cfg("BN1d")).ptr()));
}

torch::Tensor LeViTAttentionSubsampleImpl::forward(const torch::Tensor& x) {
  const std::int64_t B = x.size(0), N = x.size(1);
  auto kv = kv_(x).view({B, N, num_heads_, -1}).split_with_sizes({key_dim_, d_}, 3);
  torch::Tensor k = kv[0].permute({0, 2, 1, 3});
  torch::Tensor v = kv[1].permute({0, 2, 1, 3});
  torch::Tensor q = q_->forward(x)
                        .view({B, sub_resolution_ * sub_resolution_, num_heads_, key_dim_})
                        .permute({0, 2, 1, 3});
  torch::Tensor attn = torch::matmul(q, k.transpose(-2, -1)) * scale_ +
                       attention_bias(attention_biases_, attention_bias_idxs_);
  attn = attn.softmax(-1);
  torch::Tensor out = torch::matmul(attn, v).transpose(1, 2).reshape({B, -1, dh_});
  return proj_->forward(out);
}

void LeViTAttentionSubsampleImpl::fuse_children() {
  kv_ = fused_linear(kv_);
  replace_module("kv", kv_.ptr());
  q_->replace(1, fused_linear((*q_)[1]));
  proj_->replace(1, fused_linear((*proj_)[1]));
}

// ---------------------------------------------------------------- LeViT

const std::vector<std::pair<std::string, LeViTArch>>& levit_arch_zoo() {
  static const std::vector<std::pair<std::string, LeViTArch>> zoo = {
      {"128s", {{128, 256, 384}, {4, 6, 8}, {2, 3, 4}, {16, 16, 16}}},
      {"128", {{128, 256, 384}, {4, 8, 12}, {4, 4, 4}, {16, 16, 16}}},
      {"192", {{192, 288, 384}, {3, 5, 6}, {4, 4, 4}, {32, 32, 32}}},
      {"256", {{256, 384, 512}, {4, 6, 8}, {4, 4, 4}, {32, 32, 32}}},
      {"384", {{384, 512, 768}, {6, 9, 12}, {4, 4, 4}, {32, 32, 32}}}};
  return zoo;
}

LeViTOptions::LeViTOptions() {
  arch = levit_arch_zoo()[0].second;
  act_cfg = hswish_cfg();
}

LeViTOptions::LeViTOptions(registry::BuildArgs& a) : LeViTOptions() {
  Value av = a.require("arch");
  if (av.is_str()) {
    std::string name = av.as_str();
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto& zoo = levit_arch_zoo();
    auto it = std::find_if(zoo.begin(), zoo.end(), [&](const auto& e) { return e.first == name; });
    if (it == zoo.end()) {
      std::string names;
      for (const auto& e : zoo) names += (names.empty() ? "'" : ", '") + e.first + "'";
      throw Error("AssertionError",
                  "LeViT: Arch " + name + " is not in default archs {" + names + "}");
    }
    arch = it->second;
  } else if (av.is_dict()) {
    const auto& d = av.as_dict();
    const std::vector<std::string> keys = {"embed_dims", "key_dims", "num_heads", "depths"};
    bool ok = d.size() == keys.size();
    for (const auto& k : keys) ok = ok && d.contains(k);
    if (!ok)
      throw Error("AssertionError",
                  "LeViT: Custom arch needs a dict with keys {'embed_dims', 'key_dims', "
                  "'num_heads', 'depths'}, got " +
                      av.repr());
    auto ints = [&](const std::string& k) {
      std::vector<std::int64_t> out;
      const Value& v = *d.find(k);
      if (!v.is_sequence())
        throw Error("TypeError", "LeViT: arch['" + k + "'] must be a list, got " + v.repr());
      for (const auto& x : v.items()) out.push_back(x.as_int());
      return out;
    };
    arch.embed_dims = ints("embed_dims");
    arch.key_dims = ints("key_dims");
    arch.num_heads = ints("num_heads");
    arch.depths = ints("depths");
    const std::size_t n = arch.embed_dims.size();
    if (n == 0 || arch.key_dims.size() != n || arch.num_heads.size() != n ||
        arch.depths.size() != n)
      throw Error("AssertionError",
                  "LeViT: the lists of a custom arch must be non-empty and of equal length, got " +
                      av.repr());
  } else {
    throw Error("TypeError", "Expect \"arch\" to be either a string or a dict, got " + av.repr());
  }
  img_size = a.get_int("img_size", img_size);
  patch_size = a.get_int("patch_size", patch_size);
  attn_ratio = a.get_float("attn_ratio", attn_ratio);
  mlp_ratio = a.get_int("mlp_ratio", mlp_ratio);
  if (a.has("act_cfg")) act_cfg = a.value("act_cfg");
  if (a.has("hybrid_backbone") && !a.value("hybrid_backbone").is_none())
    throw Error("NotImplementedError",
                "LeViT: hybrid_backbone must be the default HybridBackbone (leave it out or None), "
                "got " +
                    a.value("hybrid_backbone").repr());
  Value oi = a.has("out_indices") ? a.value("out_indices") : Value(-1);
  if (oi.is_int())
    out_indices = {oi.as_int()};
  else if (oi.is_sequence())
    out_indices = a.get_int_list("out_indices", out_indices);
  else
    throw Error("TypeError",
                "\"out_indices\" must by a list, tuple or int, get " + oi.repr() + " instead.");
  deploy = a.get_bool("deploy", deploy);
  drop_path_rate = a.get_float("drop_path_rate", drop_path_rate);
  if (a.has("init_cfg")) init_cfg = a.value("init_cfg");
}

LeViTImpl::LeViTImpl(LeViTOptions options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  const auto& ar = o.arch;
  const auto num_stages = static_cast<std::int64_t>(ar.embed_dims.size());
  patch_embed_ =
      register_module("patch_embed", HybridBackbone(ar.embed_dims[0], hswish_cfg(), bn_cfg("BN")));
  std::int64_t resolution = o.img_size / o.patch_size;
  auto stages = register_module("stages", engine::ModuleList());
  for (std::int64_t i = 0; i < num_stages; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const std::int64_t dim = ar.embed_dims[k], key_dim = ar.key_dims[k];
    auto stage = LeViTSequential();
    if (i > 0) {
      auto down =
          LeViTAttentionSubsample(ar.embed_dims[k - 1], dim, key_dim,
                                  ar.embed_dims[k - 1] / key_dim, 4, o.act_cfg, 2, resolution);
      resolution = down->sub_resolution();
      stage->push_back(engine::Layer(down.ptr()));
      if (o.mlp_ratio > 0)
        stage->push_back(
            engine::Layer(LeViTResidual(engine::Layer(LeViTMLP(dim, o.mlp_ratio, o.act_cfg).ptr()),
                                        o.drop_path_rate)
                              .ptr()));
    }
    resolutions_.push_back(resolution);
    for (std::int64_t j = 0; j < ar.depths[k]; ++j) {
      stage->push_back(engine::Layer(
          LeViTResidual(engine::Layer(LeViTAttention(dim, key_dim, ar.num_heads[k], o.attn_ratio,
                                                     o.act_cfg, resolution)
                                          .ptr()),
                        o.drop_path_rate)
              .ptr()));
      if (o.mlp_ratio > 0)
        stage->push_back(
            engine::Layer(LeViTResidual(engine::Layer(LeViTMLP(dim, o.mlp_ratio, o.act_cfg).ptr()),
                                        o.drop_path_rate)
                              .ptr()));
    }
    stages->push_back(stage.ptr());
    stages_.push_back(stage);
  }
  for (std::int64_t index : o.out_indices) {
    const std::int64_t idx = index < 0 ? num_stages + index : index;
    if (idx < 0 || idx >= num_stages)
      throw Error("AssertionError", "LeViT: Invalid out_indices " + std::to_string(index) + ".");
    out_indices_.push_back(idx);
  }
  if (o.deploy) switch_to_deploy();
}

std::shared_ptr<LeViTImpl> LeViTImpl::from_config(registry::BuildArgs& args) {
  return std::make_shared<LeViTImpl>(LeViTOptions(args));
}

Feats LeViTImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = patch_embed_->forward(input);
  x = x.flatten(2).transpose(1, 2);
  Feats outs;
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    x = stages_[i]->forward(x);
    const auto idx = static_cast<std::int64_t>(i);
    if (std::find(out_indices_.begin(), out_indices_.end(), idx) != out_indices_.end()) {
      const std::int64_t B = x.size(0), C = x.size(2), r = resolutions_[i];
      outs.push_back(x.reshape({B, r, r, C}).permute({0, 3, 1, 2}).contiguous());
    }
  }
  return outs;
}

void LeViTImpl::switch_to_deploy() {
  if (deploy_) return;
  patch_embed_->fuse_children();
  for (auto& stage : stages_)
    for (std::size_t j = 0; j < stage->size(); ++j)
      if (auto* f = dynamic_cast<LeViTFusable*>((*stage)[j].ptr().get())) f->fuse_children();
  deploy_ = true;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::LeViTImpl, "LeViT",
                  "dict(type='LeViT', arch='128s')");
