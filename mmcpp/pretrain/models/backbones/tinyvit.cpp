#include "mmcpp/pretrain/models/backbones/tinyvit.h"

#include <torch/torch.h>

#include <algorithm>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/activation.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

engine::Layer drop_path_or_identity(double p) {
  if (p > 0.) return engine::Layer(mmcv::DropPath(p).ptr());
  return engine::Layer(torch::nn::Identity().ptr());
}

engine::Layer conv_bn(std::int64_t in, std::int64_t out, std::int64_t k = 1,
                      std::int64_t stride = 1, std::int64_t padding = 0, std::int64_t groups = 1,
                      double bn_weight_init = 1.) {
  return engine::Layer(ConvBN2d(in, out, k, stride, padding, 1, groups, bn_weight_init).ptr());
}

std::vector<std::int64_t> int_list(const Value& v, const std::string& what) {
  if (!v.is_sequence())
    throw Error("TypeError", "TinyViT: " + what + " must be a sequence, got " + v.repr());
  std::vector<std::int64_t> out;
  for (const auto& x : v.items()) out.push_back(x.as_int());
  return out;
}

}  // namespace

// ---------------------------------------------------------------- parts

ConvBN2dImpl::ConvBN2dImpl(std::int64_t in_channels, std::int64_t out_channels,
                           std::int64_t kernel_size, std::int64_t stride, std::int64_t padding,
                           std::int64_t dilation, std::int64_t groups, double bn_weight_init) {
  push_back("conv2d", engine::Layer(torch::nn::Conv2d(torch::nn::Conv2dOptions(
                                                          in_channels, out_channels, kernel_size)
                                                          .stride(stride)
                                                          .padding(padding)
                                                          .dilation(dilation)
                                                          .groups(groups)
                                                          .bias(false))
                                        .ptr()));
  auto bn = torch::nn::BatchNorm2d(out_channels);
  {
    torch::NoGradGuard ng;
    bn->weight.fill_(bn_weight_init);
    bn->bias.zero_();
  }
  push_back("bn2d", engine::Layer(bn.ptr()));
}

TinyViTPatchMergingImpl::TinyViTPatchMergingImpl(std::pair<std::int64_t, std::int64_t> resolution,
                                                 std::int64_t in_channels,
                                                 std::int64_t out_channels, const Value& act_cfg)
    : resolution_(resolution), out_resolution_{resolution.first / 2, resolution.second / 2} {
  act_ = engine::register_layer(*this, "act", mmcv::build_activation_layer(act_cfg));
  conv1_ = engine::register_layer(*this, "conv1", conv_bn(in_channels, out_channels));
  conv2_ = engine::register_layer(*this, "conv2",
                                  conv_bn(out_channels, out_channels, 3, 2, 1, out_channels));
  conv3_ = engine::register_layer(*this, "conv3", conv_bn(out_channels, out_channels));
}

torch::Tensor TinyViTPatchMergingImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = input;
  if (x.dim() == 3)
    x = x.view({x.size(0), resolution_.first, resolution_.second, -1}).permute({0, 3, 1, 2});
  x = conv3_(act_(conv2_(act_(conv1_(x)))));
  return x.flatten(2).transpose(1, 2);
}

MBConvBlockImpl::MBConvBlockImpl(std::int64_t in_channels, std::int64_t out_channels,
                                 double expand_ratio, double drop_path, const Value& act_cfg) {
  const auto hidden = static_cast<std::int64_t>(static_cast<double>(in_channels) * expand_ratio);
  conv1_ = engine::register_layer(*this, "conv1", conv_bn(in_channels, hidden));
  act_ = engine::register_layer(*this, "act", mmcv::build_activation_layer(act_cfg));
  conv2_ = engine::register_layer(*this, "conv2", conv_bn(hidden, hidden, 3, 1, 1, hidden));
  conv3_ = engine::register_layer(*this, "conv3", conv_bn(hidden, out_channels, 1, 1, 0, 1, 0.0));
  drop_path_ = engine::register_layer(*this, "drop_path", drop_path_or_identity(drop_path));
}

torch::Tensor MBConvBlockImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = act_(conv2_(act_(conv1_(input))));
  x = drop_path_(conv3_(x));
  return act_(x + input);
}

TinyViTMLPImpl::TinyViTMLPImpl(std::int64_t in_channels, std::int64_t hidden_channels,
                               std::int64_t out_channels, const Value& act_cfg, double drop) {
  if (out_channels <= 0) out_channels = in_channels;
  if (hidden_channels <= 0) hidden_channels = in_channels;
  norm_ = engine::register_layer(
      *this, "norm",
      engine::Layer(torch::nn::LayerNorm(torch::nn::LayerNormOptions({in_channels})).ptr()));
  fc1_ = engine::register_layer(
      *this, "fc1", engine::Layer(torch::nn::Linear(in_channels, hidden_channels).ptr()));
  fc2_ = engine::register_layer(
      *this, "fc2", engine::Layer(torch::nn::Linear(hidden_channels, out_channels).ptr()));
  act_ = engine::register_layer(*this, "act", mmcv::build_activation_layer(act_cfg));
  drop_ = engine::register_layer(*this, "drop", engine::Layer(torch::nn::Dropout(drop).ptr()));
}

torch::Tensor TinyViTMLPImpl::forward(const torch::Tensor& x) {
  return drop_(fc2_(drop_(act_(fc1_(norm_(x))))));
}

TinyViTBlockOptions::TinyViTBlockOptions() { act_cfg = make_dict({{"type", Value("GELU")}}); }

TinyViTBlockImpl::TinyViTBlockImpl(TinyViTBlockOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  if (o.window_size <= 0) throw Error("AssertionError", "window_size must be greater than 0");
  if (o.in_channels % o.num_heads != 0)
    throw Error("AssertionError", "dim must be divisible by num_heads");
  drop_path_ = engine::register_layer(*this, "drop_path", drop_path_or_identity(o.drop_path));
  attn_ = register_module(
      "attn", LeAttention(o.in_channels, o.in_channels / o.num_heads, o.num_heads, 1.0,
                          std::pair<std::int64_t, std::int64_t>{o.window_size, o.window_size}));
  mlp_ = engine::register_layer(
      *this, "mlp",
      engine::Layer(
          TinyViTMLP(o.in_channels,
                     static_cast<std::int64_t>(static_cast<double>(o.in_channels) * o.mlp_ratio), 0,
                     o.act_cfg, o.drop)
              .ptr()));
  local_conv_ = engine::register_layer(*this, "local_conv",
                                       conv_bn(o.in_channels, o.in_channels, o.local_conv_size, 1,
                                               o.local_conv_size / 2, o.in_channels));
}

torch::Tensor TinyViTBlockImpl::forward(const torch::Tensor& input) {
  const auto [h, w] = options_.resolution;
  const std::int64_t ws = options_.window_size;
  const auto b = input.size(0), l = input.size(1), c = input.size(2);
  if (l != h * w) throw Error("AssertionError", "input feature has wrong size");
  torch::Tensor x;
  if (h == ws && w == ws) {
    x = attn_->forward(input);
  } else {
    x = input.view({b, h, w, c});
    const std::int64_t pad_b = (ws - h % ws) % ws, pad_r = (ws - w % ws) % ws;
    const bool padding = pad_b > 0 || pad_r > 0;
    if (padding) x = torch::constant_pad_nd(x, {0, 0, 0, pad_r, 0, pad_b});
    const std::int64_t ph = h + pad_b, pw = w + pad_r, nh = ph / ws, nw = pw / ws;
    x = x.view({b, nh, ws, nw, ws, c}).transpose(2, 3).reshape({b * nh * nw, ws * ws, c});
    x = attn_->forward(x);
    x = x.view({b, nh, nw, ws, ws, c}).transpose(2, 3).reshape({b, ph, pw, c});
    if (padding)
      x = x.index({torch::indexing::Slice(), torch::indexing::Slice(0, h),
                   torch::indexing::Slice(0, w)})
              .contiguous();
    x = x.view({b, l, c});
  }
  x = input + drop_path_(x);
  x = x.transpose(1, 2).reshape({b, c, h, w});
  x = local_conv_(x);
  x = x.view({b, c, l}).transpose(1, 2);
  return x + drop_path_(mlp_(x));
}

TinyViTStageImpl::TinyViTStageImpl(bool conv, std::vector<engine::Layer> blocks,
                                   TinyViTPatchMerging downsample,
                                   std::pair<std::int64_t, std::int64_t> resolution)
    : conv_(conv), blocks_(std::move(blocks)), resolution_(resolution) {
  auto list = register_module("blocks", engine::ModuleList());
  for (const auto& blk : blocks_) list->push_back(blk.ptr());
  if (downsample) {
    downsample_ = register_module("downsample", downsample);
    resolution_ = downsample->out_resolution();
  }
}

torch::Tensor TinyViTStageImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = input;
  for (const auto& blk : blocks_) x = blk(x);
  if (downsample_) x = downsample_->forward(x);
  return x;
}

// ---------------------------------------------------------------- TinyViT

const std::vector<std::pair<std::string, TinyViTArch>>& tinyvit_arch_settings() {
  static const std::vector<std::pair<std::string, TinyViTArch>> table = {
      {"5m", {{64, 128, 160, 320}, {2, 4, 5, 10}, {2, 2, 6, 2}}},
      {"11m", {{64, 128, 256, 448}, {2, 4, 8, 14}, {2, 2, 6, 2}}},
      {"21m", {{96, 192, 384, 576}, {3, 6, 12, 18}, {2, 2, 6, 2}}},
  };
  return table;
}

TinyViTOptions::TinyViTOptions() {
  arch = tinyvit_arch_settings()[0].second;
  act_cfg = make_dict({{"type", Value("GELU")}});
  norm_cfg = make_dict({{"type", Value("LN")}});
}

TinyViTOptions::TinyViTOptions(registry::BuildArgs& a) : TinyViTOptions() {
  const Value av = a.has("arch") ? a.value("arch") : Value("5m");
  if (av.is_str()) {
    const auto& table = tinyvit_arch_settings();
    auto it = std::find_if(table.begin(), table.end(),
                           [&](const auto& e) { return e.first == av.as_str(); });
    if (it == table.end()) {
      std::string names;
      for (const auto& e : table) names += (names.empty() ? "'" : ", '") + e.first + "'";
      throw Error("AssertionError", "TinyViT: Unavaiable arch '" + av.as_str() +
                                        "', please choose from ({" + names + "} or pass a dict.");
    }
    arch = it->second;
  } else if (av.is_dict()) {
    const auto& d = av.as_dict();
    if (!d.contains("channels") || !d.contains("num_heads") || !d.contains("depths"))
      throw Error("AssertionError",
                  "TinyViT: The arch dict must have \"channels\", \"num_heads\", \"depths\" "
                  "keys, but got " +
                      av.repr());
    arch.channels = int_list(*d.find("channels"), "channels");
    arch.num_heads = int_list(*d.find("num_heads"), "num_heads");
    arch.depths = int_list(*d.find("depths"), "depths");
  } else {
    throw Error("TypeError", "TinyViT: arch must be a str or a dict, got " + av.repr());
  }
  if (a.has("img_size")) {
    const Value v = a.value("img_size");
    if (v.is_int()) {
      img_size = {v.as_int(), v.as_int()};
    } else {
      auto s = int_list(v, "img_size");
      if (s.size() != 2) throw Error("ValueError", "TinyViT: img_size needs 2 items");
      img_size = {s[0], s[1]};
    }
  }
  window_size = a.get_int_list("window_size", window_size);
  in_channels = a.get_int("in_channels", in_channels);
  mlp_ratio = a.get_float("mlp_ratio", mlp_ratio);
  drop_rate = a.get_float("drop_rate", drop_rate);
  drop_path_rate = a.get_float("drop_path_rate", drop_path_rate);
  use_checkpoint = a.get_bool("use_checkpoint", use_checkpoint);
  mbconv_expand_ratio = a.get_float("mbconv_expand_ratio", mbconv_expand_ratio);
  local_conv_size = a.get_int("local_conv_size", local_conv_size);
  layer_lr_decay = a.get_float("layer_lr_decay", layer_lr_decay);
  const Value oi = a.has("out_indices") ? a.value("out_indices") : Value(-1);
  if (oi.is_int())
    out_indices = {oi.as_int()};
  else
    out_indices = a.get_int_list("out_indices", out_indices);
  frozen_stages = a.get_int("frozen_stages", frozen_stages);
  gap_before_final_norm = a.get_bool("gap_before_final_norm", gap_before_final_norm);
  if (a.has("act_cfg")) act_cfg = a.value("act_cfg");
  if (a.has("norm_cfg")) norm_cfg = a.value("norm_cfg");
  if (a.has("init_cfg")) init_cfg = a.value("init_cfg");
}

TinyViTImpl::TinyViTImpl(TinyViTOptions options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  const auto num_stages = o.arch.channels.size();
  if (o.arch.num_heads.size() < num_stages || o.arch.depths.size() < num_stages ||
      o.window_size.size() < num_stages)
    throw Error("IndexError",
                "TinyViT: num_heads, depths and window_size need one item per "
                "stage (" +
                    std::to_string(num_stages) + ")");
  for (std::int64_t i : o.out_indices) {
    const std::int64_t idx = i < 0 ? 4 + i : i;  // MMPretrain counts from 4
    if (idx < 0) throw Error("AssertionError", "Invalid out_indices " + std::to_string(i));
    out_indices_.push_back(idx);
  }
  // PatchEmbed: `seq` = ConvBN2d, GELU (always), ConvBN2d.
  auto seq = engine::LayerSequential();
  seq->push_back(conv_bn(o.in_channels, o.arch.channels[0] / 2, 3, 2, 1));
  seq->push_back(mmcv::build_activation_layer(make_dict({{"type", Value("GELU")}})));
  seq->push_back(conv_bn(o.arch.channels[0] / 2, o.arch.channels[0], 3, 2, 1));
  struct PatchEmbedImpl : engine::BaseModule, engine::TensorForward {
    MMCPP_PYTHON_CLASS("PatchEmbed", "BaseModule")
    explicit PatchEmbedImpl(engine::LayerSequential s) : seq_(register_module("seq", s)) {}
    torch::Tensor forward(const torch::Tensor& x) override { return seq_->forward(x); }
    engine::LayerSequential seq_;
  };
  patch_embed_ = engine::register_layer(*this, "patch_embed",
                                        engine::Layer(std::make_shared<PatchEmbedImpl>(seq)));
  const std::pair<std::int64_t, std::int64_t> patches{o.img_size.first / 4, o.img_size.second / 4};
  std::int64_t total = 0;
  for (std::size_t i = 0; i < num_stages; ++i) total += o.arch.depths[i];
  torch::Tensor lin = torch::linspace(0, o.drop_path_rate, total);
  std::vector<double> dpr;
  for (std::int64_t i = 0; i < total; ++i) dpr.push_back(lin[i].item<float>());

  auto stages = register_module("stages", engine::ModuleList());
  std::size_t block_idx = 0;
  for (std::size_t i = 0; i < num_stages; ++i) {
    const std::int64_t depth = o.arch.depths[i], channel = o.arch.channels[i];
    const std::pair<std::int64_t, std::int64_t> res{patches.first >> i, patches.second >> i};
    const std::int64_t out_channels = o.arch.channels[std::min(i + 1, num_stages - 1)];
    std::vector<engine::Layer> blocks;
    for (std::int64_t j = 0; j < depth; ++j) {
      const double dp = dpr[block_idx + static_cast<std::size_t>(j)];
      if (i == 0) {
        blocks.emplace_back(
            MBConvBlock(channel, channel, o.mbconv_expand_ratio, dp, o.act_cfg).ptr());
      } else {
        TinyViTBlockOptions b;
        b.in_channels = channel;
        b.resolution = res;
        b.num_heads = o.arch.num_heads[i];
        b.window_size = o.window_size[i];
        b.mlp_ratio = o.mlp_ratio;
        b.drop = o.drop_rate;
        b.drop_path = dp;
        b.local_conv_size = o.local_conv_size;
        b.act_cfg = o.act_cfg;
        blocks.emplace_back(TinyViTBlock(b).ptr());
      }
    }
    block_idx += static_cast<std::size_t>(depth);
    TinyViTPatchMerging down{nullptr};
    if (i + 1 < num_stages) down = TinyViTPatchMerging(res, channel, out_channels, o.act_cfg);
    TinyViTStage stage(i == 0, std::move(blocks), down, res);
    stages->push_back(stage.ptr());
    stages_.push_back(stage);
  }
  for (std::size_t i = 0; i < num_stages; ++i) {
    const auto idx = static_cast<std::int64_t>(i);
    if (std::find(out_indices_.begin(), out_indices_.end(), idx) == out_indices_.end()) continue;
    const std::int64_t out_channels = o.arch.channels[std::min(i + 1, num_stages - 1)];
    norms_[idx] = engine::register_layer(*this, "norm" + std::to_string(i),
                                         mmcv::build_norm_layer(o.norm_cfg, out_channels).second);
  }
}

std::shared_ptr<TinyViTImpl> TinyViTImpl::from_config(registry::BuildArgs& a) {
  return std::make_shared<TinyViTImpl>(TinyViTOptions(a));
}

Feats TinyViTImpl::forward(const torch::Tensor& input) {
  Feats outs;
  torch::Tensor x = patch_embed_(input);
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    x = stages_[i]->forward(x);
    auto it = norms_.find(static_cast<std::int64_t>(i));
    if (it == norms_.end()) continue;
    if (options_.gap_before_final_norm) {
      outs.push_back(it->second(x.mean(1)));
    } else {
      torch::Tensor out = it->second(x);
      const auto [h, w] = stages_[i]->resolution();
      outs.push_back(out.view({out.size(0), h, w, out.size(2)}).permute({0, 3, 1, 2}));
    }
  }
  return outs;
}

void TinyViTImpl::train(bool on) {
  BaseBackboneImpl::train(on);
  for (std::int64_t i = 0;
       i < options_.frozen_stages && i < static_cast<std::int64_t>(stages_.size()); ++i)
    freeze(*stages_[static_cast<std::size_t>(i)]);
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::TinyViTImpl, "TinyViT",
                  "dict(type='TinyViT', arch=dict(channels=[8, 16, 24, 32], num_heads=[1, 2, 3, "
                  "4], depths=[1, 1, 1, 1]), img_size=(64, 64), window_size=[4, 4, 2, 2])");
