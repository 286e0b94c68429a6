#include "mmcpp/pretrain/models/backbones/efficientnet.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/pretrain/models/utils/inverted_residual.h"
#include "mmcpp/pretrain/models/utils/make_divisible.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

mmcv::ConvModule conv_module(std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t stride,
                             const Value& conv_cfg, const Value& norm_cfg, const Value& act_cfg) {
  return mmcv::ConvModule(mmcv::ConvModuleOptions(in, out, Value(k))
                              .stride(Value(stride))
                              .padding(Value(k / 2))
                              .conv_cfg(conv_cfg)
                              .norm_cfg(norm_cfg)
                              .act_cfg(act_cfg));
}

const std::map<std::string, EfficientNetLayerSetting>& layer_settings() {
  static const std::map<std::string, EfficientNetLayerSetting> s = {
      {"b",
       {{{3, 32, 0, 2, 0, -1}},
        {{3, 16, 4, 1, 1, 0}},
        {{3, 24, 4, 2, 6, 0}, {3, 24, 4, 1, 6, 0}},
        {{5, 40, 4, 2, 6, 0}, {5, 40, 4, 1, 6, 0}},
        {{3, 80, 4, 2, 6, 0},
         {3, 80, 4, 1, 6, 0},
         {3, 80, 4, 1, 6, 0},
         {5, 112, 4, 1, 6, 0},
         {5, 112, 4, 1, 6, 0},
         {5, 112, 4, 1, 6, 0}},
        {{5, 192, 4, 2, 6, 0},
         {5, 192, 4, 1, 6, 0},
         {5, 192, 4, 1, 6, 0},
         {5, 192, 4, 1, 6, 0},
         {3, 320, 4, 1, 6, 0}},
        {{1, 1280, 0, 1, 0, -1}}}},
      {"e",
       {{{3, 32, 0, 2, 0, -1}},
        {{3, 24, 0, 1, 3, 1}},
        {{3, 32, 0, 2, 8, 1}, {3, 32, 0, 1, 8, 1}},
        {{3, 48, 0, 2, 8, 1}, {3, 48, 0, 1, 8, 1}, {3, 48, 0, 1, 8, 1}, {3, 48, 0, 1, 8, 1}},
        {{5, 96, 0, 2, 8, 0},
         {5, 96, 0, 1, 8, 0},
         {5, 96, 0, 1, 8, 0},
         {5, 96, 0, 1, 8, 0},
         {5, 96, 0, 1, 8, 0},
         {5, 144, 0, 1, 8, 0},
         {5, 144, 0, 1, 8, 0},
         {5, 144, 0, 1, 8, 0},
         {5, 144, 0, 1, 8, 0}},
        {{5, 192, 0, 2, 8, 0}, {5, 192, 0, 1, 8, 0}},
        {{1, 1280, 0, 1, 0, -1}}}}};
  return s;
}

// arch_settings: (widen factor, depth factor, resolution), in MMPretrain's order.
const std::vector<std::pair<std::string, std::array<double, 3>>>& arch_settings() {
  static const std::vector<std::pair<std::string, std::array<double, 3>>> a = {
      {"b0", {1.0, 1.0, 224}}, {"b1", {1.0, 1.1, 240}}, {"b2", {1.1, 1.2, 260}},
      {"b3", {1.2, 1.4, 300}}, {"b4", {1.4, 1.8, 380}}, {"b5", {1.6, 2.2, 456}},
      {"b6", {1.8, 2.6, 528}}, {"b7", {2.0, 3.1, 600}}, {"b8", {2.2, 3.6, 672}},
      {"l2", {4.3, 5.3, 800}}, {"es", {1.0, 1.0, 224}}, {"em", {1.0, 1.1, 240}},
      {"el", {1.2, 1.4, 300}}};
  return a;
}

Value se_cfg_of(std::int64_t channels, std::int64_t ratio, const Value& act_cfg) {
  return make_dict({{"channels", Value(channels)},
                    {"ratio", Value(ratio)},
                    {"divisor", Value(1)},
                    {"act_cfg", Value::tuple({act_cfg, make_dict({{"type", Value("Sigmoid")}})})}});
}

}  // namespace

// ---------------------------------------------------------------- EdgeResidual

EdgeResidualOptions::EdgeResidualOptions() {
  norm_cfg = make_dict({{"type", Value("BN")}});
  act_cfg = make_dict({{"type", Value("ReLU")}});
}

engine::Layer make_efficient_block(bool edge, const EfficientBlockArgs& a) {
  if (edge) {
    EdgeResidualOptions e;
    e.in_channels = a.in_channels;
    e.out_channels = a.out_channels;
    e.mid_channels = a.mid_channels;
    e.kernel_size = a.kernel_size;
    e.stride = a.stride;
    e.se_cfg = a.se_cfg;
    e.with_residual = a.with_residual;
    e.conv_cfg = a.conv_cfg;
    e.norm_cfg = a.norm_cfg;
    e.act_cfg = a.act_cfg;
    e.drop_path_rate = a.drop_path_rate;
    e.with_cp = a.with_cp;
    return engine::Layer(EdgeResidual(e).ptr());
  }
  InvertedResidualOptions r;
  r.in_channels = a.in_channels;
  r.out_channels = a.out_channels;
  r.mid_channels = a.mid_channels;
  r.kernel_size = a.kernel_size;
  r.stride = a.stride;
  r.se_cfg = a.se_cfg;
  r.conv_cfg = a.conv_cfg;
  r.norm_cfg = a.norm_cfg;
  r.act_cfg = a.act_cfg;
  r.drop_path_rate = a.drop_path_rate;
  r.with_cp = a.with_cp;
  return engine::Layer(InvertedResidual(r).ptr());
}

EdgeResidualImpl::EdgeResidualImpl(EdgeResidualOptions o) : engine::BaseModule(o.init_cfg) {
  if (o.stride != 1 && o.stride != 2)
    throw Error("AssertionError", "EdgeResidual: stride must be 1 or 2");
  drop_path_ = engine::register_layer(*this, "drop_path",
                                      o.drop_path_rate > 0
                                          ? engine::Layer(mmcv::DropPath(o.drop_path_rate).ptr())
                                          : engine::Layer(torch::nn::Identity().ptr()));
  with_residual_ = o.stride == 1 && o.in_channels == o.out_channels && o.with_residual;
  if (!o.se_cfg.is_none() && !o.se_cfg.is_dict())
    throw Error("AssertionError", "EdgeResidual: se_cfg must be a dict");
  conv1_ = register_module("conv1", conv_module(o.in_channels, o.mid_channels, o.kernel_size,
                                                o.stride, o.conv_cfg, o.norm_cfg, o.act_cfg));
  if (o.se_cfg.is_dict()) se_ = register_module("se", build_se_layer(o.se_cfg));
  conv2_ = register_module(
      "conv2", conv_module(o.mid_channels, o.out_channels, 1, 1, Value(), o.norm_cfg, Value()));
}

torch::Tensor EdgeResidualImpl::forward(const torch::Tensor& x) {
  torch::Tensor out = conv1_->forward(x);
  if (se_) out = se_->forward(out);
  out = conv2_->forward(out);
  if (with_residual_) return x + drop_path_(out);
  return out;
}

// ---------------------------------------------------------------- model_scaling

EfficientNetLayerSetting efficientnet_model_scaling(const EfficientNetLayerSetting& layer_setting,
                                                    double widen, double depth) {
  EfficientNetLayerSetting scaled = layer_setting;
  for (auto& layer : scaled)
    for (auto& b : layer) b[1] = static_cast<double>(make_divisible(b[1] * widen, 8));
  EfficientNetLayerSetting split = {scaled.front()};
  for (std::size_t l = 1; l + 1 < scaled.size(); ++l) {
    const auto& layer = scaled[l];
    std::vector<std::size_t> idx = {0};
    for (std::size_t i = 0; i + 1 < layer.size(); ++i)
      if (layer[i + 1][1] != layer[i][1]) idx.push_back(i + 1);
    idx.push_back(layer.size());
    for (std::size_t i = 0; i + 1 < idx.size(); ++i)
      split.emplace_back(layer.begin() + static_cast<std::ptrdiff_t>(idx[i]),
                         layer.begin() + static_cast<std::ptrdiff_t>(idx[i + 1]));
  }
  split.push_back(scaled.back());
  EfficientNetLayerSetting merged = {split.front()};
  for (std::size_t i = 0; i + 2 < split.size(); ++i) {
    const auto& layer = split[i + 1];
    const std::size_t num = layer.size();
    const auto target = static_cast<std::size_t>(std::ceil(depth * static_cast<double>(num)));
    std::vector<EfficientNetBlockCfg> tmp;
    if (target <= num) {
      tmp.assign(layer.begin(), layer.begin() + static_cast<std::ptrdiff_t>(target));
    } else {
      tmp = layer;
      for (std::size_t k = num; k < target; ++k) tmp.push_back(layer.back());
    }
    if (tmp.front()[3] == 1 && i != 0)
      merged.back().insert(merged.back().end(), tmp.begin(), tmp.end());
    else
      merged.push_back(tmp);
  }
  merged.push_back(split.back());
  return merged;
}

// ---------------------------------------------------------------- EfficientNet

EfficientNetOptions::EfficientNetOptions() {
  conv_cfg = make_dict({{"type", Value("Conv2dAdaptivePadding")}});
  norm_cfg = make_dict({{"type", Value("BN")}, {"eps", Value(1e-3)}});
  act_cfg = make_dict({{"type", Value("Swish")}});
  init_cfg =
      Value::list({make_dict({{"type", Value("Kaiming")}, {"layer", Value("Conv2d")}}),
                   make_dict({{"type", Value("Constant")},
                              {"layer", Value::list({Value("_BatchNorm"), Value("GroupNorm")})},
                              {"val", Value(1)}})});
}

EfficientNetImpl::EfficientNetImpl(EfficientNetOptions options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  const auto& archs = arch_settings();
  auto it =
      std::find_if(archs.begin(), archs.end(), [&](const auto& e) { return e.first == o.arch; });
  if (it == archs.end()) {
    std::string names;
    for (const auto& e : archs) names += (names.empty() ? "" : ", ") + e.first;
    throw Error("AssertionError",
                "\"" + o.arch + "\" is not one of the arch_settings (" + names + ")");
  }
  const auto& base = layer_settings().at(o.arch == "l2" ? "b" : o.arch.substr(0, 1));
  const auto n = static_cast<std::int64_t>(base.size());
  for (auto i : o.out_indices)
    if (i < 0 || i >= n)
      throw Error("ValueError", "the item in out_indices must in range(0, " + std::to_string(n) +
                                    "). But received " + std::to_string(i));
  if (o.frozen_stages < 0 || o.frozen_stages > n)
    throw Error("ValueError", "frozen_stages must be in range(0, " + std::to_string(n + 1) +
                                  "). But received " + std::to_string(o.frozen_stages));
  const auto setting = efficientnet_model_scaling(base, it->second[0], it->second[1]);
  const auto& first = setting.front().front();
  const auto& last = setting.back().front();
  std::int64_t in = make_divisible(first[1], 8);
  out_channels_ = static_cast<std::int64_t>(last[1]);

  layers_ = register_module("layers", torch::nn::ModuleList());
  auto push = [&](std::shared_ptr<torch::nn::Module> m) {
    layers_->push_back(m);
    layer_calls_.emplace_back(m);
  };
  push(conv_module(3, in, static_cast<std::int64_t>(first[0]), static_cast<std::int64_t>(first[3]),
                   o.conv_cfg, o.norm_cfg, o.act_cfg)
           .ptr());

  std::int64_t total = 0;
  for (std::size_t l = 1; l + 1 < setting.size(); ++l)
    total += static_cast<std::int64_t>(setting[l].size());
  torch::Tensor lin = torch::linspace(0, o.drop_path_rate, total);
  std::int64_t block_idx = 0;
  for (std::size_t l = 1; l + 1 < setting.size(); ++l) {
    auto seq = engine::Sequential();
    for (std::size_t i = 0; i < setting[l].size(); ++i) {
      const auto& b = setting[l][i];
      const auto kernel = static_cast<std::int64_t>(b[0]);
      const auto se_ratio = static_cast<std::int64_t>(b[2]);
      const auto stride = static_cast<std::int64_t>(b[3]);
      auto expand = static_cast<std::int64_t>(b[4]);
      const auto block_type = static_cast<std::int64_t>(b[5]);
      const std::int64_t out = make_divisible(b[1], 8);
      std::int64_t mid = in * expand;
      Value se = se_ratio <= 0 ? Value() : se_cfg_of(mid, expand * se_ratio, o.act_cfg);
      const double dpr = lin[block_idx].item<float>();
      if (block_type == 1) {
        bool with_residual = true;
        if (i > 0 && expand == 3) {
          with_residual = false;
          expand = 4;
        }
        mid = in * expand;
        if (!se.is_none()) se = se_cfg_of(mid, se_ratio * expand, o.act_cfg);
        seq->push_back(
            make_efficient_block(true, {in, out, mid, kernel, stride, se, o.conv_cfg, o.norm_cfg,
                                        o.act_cfg, dpr, o.with_cp, with_residual}));
      } else {
        seq->push_back(make_efficient_block(false, {in, out, mid, kernel, stride, se, o.conv_cfg,
                                                    o.norm_cfg, o.act_cfg, dpr, o.with_cp}));
      }
      in = out;
      ++block_idx;
    }
    push(seq.ptr());
  }
  push(conv_module(in, out_channels_, static_cast<std::int64_t>(last[0]),
                   static_cast<std::int64_t>(last[3]), o.conv_cfg, o.norm_cfg, o.act_cfg)
           .ptr());
}

std::shared_ptr<EfficientNetImpl> EfficientNetImpl::from_config(registry::BuildArgs& a) {
  EfficientNetOptions o;
  o.arch = a.get_str("arch", o.arch);
  o.drop_path_rate = a.get_float("drop_path_rate", o.drop_path_rate);
  o.out_indices = a.get_int_list("out_indices", o.out_indices);
  o.frozen_stages = a.get_int("frozen_stages", o.frozen_stages);
  if (a.has("conv_cfg")) o.conv_cfg = a.value("conv_cfg");
  if (a.has("norm_cfg")) o.norm_cfg = a.value("norm_cfg");
  if (a.has("act_cfg")) o.act_cfg = a.value("act_cfg");
  o.norm_eval = a.get_bool("norm_eval", o.norm_eval);
  o.with_cp = a.get_bool("with_cp", o.with_cp);
  if (a.has("init_cfg")) o.init_cfg = a.value("init_cfg");
  return std::make_shared<EfficientNetImpl>(o);
}

Feats EfficientNetImpl::forward(const torch::Tensor& input) {
  Feats outs;
  torch::Tensor x = input;
  const auto& oi = options_.out_indices;
  for (std::size_t i = 0; i < layer_calls_.size(); ++i) {
    x = layer_calls_[i](x);
    if (std::find(oi.begin(), oi.end(), static_cast<std::int64_t>(i)) != oi.end())
      outs.push_back(x);
  }
  return outs;
}

void EfficientNetImpl::freeze_stages() {
  for (std::int64_t i = 0; i < options_.frozen_stages; ++i) {
    if (static_cast<std::size_t>(i) >= layer_calls_.size())
      throw Error("IndexError", "EfficientNet: index " + std::to_string(i) + " is out of range");
    freeze(layer_calls_[static_cast<std::size_t>(i)].module());
  }
}

void EfficientNetImpl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
  // Python checks isinstance(m, nn.BatchNorm2d) here.
  if (on && options_.norm_eval)
    for (const auto& m : modules(/*include_self=*/false))
      if (dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get())) m->eval();
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::EfficientNetImpl, "EfficientNet",
                  "dict(type='EfficientNet', arch='b0')");
