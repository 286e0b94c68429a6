#include "mmcpp/pretrain/models/backbones/densenet.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/activation.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/cv/cnn/bricks/wrappers.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

engine::Layer norm_layer(const Value& cfg, std::int64_t channels) {
  return mmcv::build_norm_layer(cfg, channels).second;
}

engine::Layer conv2d(std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t stride,
                     std::int64_t padding) {
  return engine::Layer(
      torch::nn::Conv2d(
          torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(padding).bias(false))
          .ptr());
}

std::vector<std::int64_t> arch_int_list(const Value& v, const std::string& key) {
  if (!v.is_sequence())
    throw Error("TypeError", "DenseNet: arch['" + key + "'] must be a sequence, got " + v.repr());
  std::vector<std::int64_t> out;
  for (const auto& x : v.items()) out.push_back(x.as_int());
  return out;
}

}  // namespace

// ---------------------------------------------------------------- DenseLayer

DenseLayerImpl::DenseLayerImpl(std::int64_t in_channels, std::int64_t growth_rate,
                               std::int64_t bn_size, const Value& norm_cfg, const Value& act_cfg,
                               double drop_rate, bool /*memory_efficient*/)
    : drop_rate_(drop_rate) {
  norm1_ = engine::register_layer(*this, "norm1", norm_layer(norm_cfg, in_channels));
  conv1_ =
      engine::register_layer(*this, "conv1", conv2d(in_channels, bn_size * growth_rate, 1, 1, 0));
  act_ = engine::register_layer(*this, "act", mmcv::build_activation_layer(act_cfg));
  norm2_ = engine::register_layer(*this, "norm2", norm_layer(norm_cfg, bn_size * growth_rate));
  conv2_ =
      engine::register_layer(*this, "conv2", conv2d(bn_size * growth_rate, growth_rate, 3, 1, 1));
}

torch::Tensor DenseLayerImpl::forward(const std::vector<torch::Tensor>& xs) {
  torch::Tensor bottleneck = conv1_(act_(norm1_(torch::cat(xs, 1))));
  torch::Tensor out = conv2_(act_(norm2_(bottleneck)));
  if (drop_rate_ > 0) out = torch::dropout(out, drop_rate_, is_training());
  return out;
}

// ---------------------------------------------------------------- DenseBlock

DenseBlockImpl::DenseBlockImpl(std::int64_t num_layers, std::int64_t in_channels,
                               std::int64_t bn_size, std::int64_t growth_rate,
                               const Value& norm_cfg, const Value& act_cfg, double drop_rate,
                               bool memory_efficient) {
  block_ = register_module("block", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < num_layers; ++i) {
    DenseLayer layer(in_channels + i * growth_rate, growth_rate, bn_size, norm_cfg, act_cfg,
                     drop_rate, memory_efficient);
    block_->push_back(layer.ptr());
    layers_.push_back(layer);
  }
}

torch::Tensor DenseBlockImpl::forward(const torch::Tensor& x) {
  std::vector<torch::Tensor> features = {x};
  for (auto& layer : layers_) features.push_back(layer->forward(features));
  return torch::cat(features, 1);
}

engine::Layer make_dense_transition(std::int64_t in_channels, std::int64_t out_channels,
                                    const Value& norm_cfg, const Value& act_cfg) {
  auto seq = engine::LayerSequential();
  seq->push_back("norm", norm_layer(norm_cfg, in_channels));
  seq->push_back("act", mmcv::build_activation_layer(act_cfg));
  seq->push_back("conv", conv2d(in_channels, out_channels, 1, 1, 0));
  seq->push_back(
      "pool", engine::Layer(torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(2).stride(2)).ptr()));
  return engine::Layer(seq.ptr());
}

// ---------------------------------------------------------------- DenseNet

const std::vector<std::pair<std::string, DenseNetArch>>& densenet_arch_settings() {
  static const std::vector<std::pair<std::string, DenseNetArch>> table = {
      {"121", {32, {6, 12, 24, 16}, 64}},
      {"169", {32, {6, 12, 32, 32}, 64}},
      {"201", {32, {6, 12, 48, 32}, 64}},
      {"161", {48, {6, 12, 36, 24}, 96}},
  };
  return table;
}

DenseNetOptions::DenseNetOptions() {
  norm_cfg = make_dict({{"type", Value("BN")}});
  act_cfg = make_dict({{"type", Value("ReLU")}});
}

DenseNetOptions::DenseNetOptions(registry::BuildArgs& a) : DenseNetOptions() {
  Value av = a.has("arch") ? a.value("arch") : Value("121");
  if (av.is_str()) {
    const auto& table = densenet_arch_settings();
    auto it = std::find_if(table.begin(), table.end(),
                           [&](const auto& e) { return e.first == av.as_str(); });
    if (it == table.end()) {
      std::string names;
      for (const auto& e : table) names += (names.empty() ? "'" : ", '") + e.first + "'";
      throw Error("AssertionError", "DenseNet: Unavailable arch '" + av.as_str() +
                                        "', please choose from ({" + names + "}) or pass a dict.");
    }
    arch = it->second;
  } else if (av.is_dict()) {
    const auto& d = av.as_dict();
    if (!d.contains("growth_rate") || !d.contains("depths") || !d.contains("init_channels"))
      throw Error("AssertionError",
                  "DenseNet: Custom arch needs a dict with keys {'growth_rate', 'depths', "
                  "'init_channels'}, got " +
                      av.repr());
    arch.growth_rate = d.find("growth_rate")->as_int();
    arch.depths = arch_int_list(*d.find("depths"), "depths");
    arch.init_channels = d.find("init_channels")->as_int();
  } else {
    throw Error("TypeError", "DenseNet: arch must be a str or a dict, got " + av.repr());
  }
  in_channels = a.get_int("in_channels", in_channels);
  bn_size = a.get_int("bn_size", bn_size);
  drop_rate = a.get_float("drop_rate", drop_rate);
  compression_factor = a.get_float("compression_factor", compression_factor);
  memory_efficient = a.get_bool("memory_efficient", memory_efficient);
  if (a.has("norm_cfg")) norm_cfg = a.value("norm_cfg");
  if (a.has("act_cfg")) act_cfg = a.value("act_cfg");
  Value oi = a.has("out_indices") ? a.value("out_indices") : Value(-1);
  if (oi.is_int())
    out_indices = {oi.as_int()};
  else
    out_indices = a.get_int_list("out_indices", out_indices);
  frozen_stages = a.get_int("frozen_stages", frozen_stages);
  if (a.has("init_cfg")) init_cfg = a.value("init_cfg");
}

DenseNetImpl::DenseNetImpl(DenseNetOptions options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  const auto num_stages = static_cast<std::int64_t>(o.arch.depths.size());
  for (std::int64_t i : o.out_indices) {
    std::int64_t idx = i < 0 ? num_stages + i : i;
    if (idx < 0)
      throw Error("AssertionError", "DenseNet: Invalid out_indices " + std::to_string(i));
    out_indices_.push_back(idx);
  }
  stem_ = register_module("stem", engine::LayerSequential());
  stem_->push_back(conv2d(o.in_channels, o.arch.init_channels, 7, 2, 3));
  stem_->push_back(norm_layer(o.norm_cfg, o.arch.init_channels));
  stem_->push_back(mmcv::build_activation_layer(o.act_cfg));
  stem_->push_back(engine::Layer(
      torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(2).padding(1)).ptr()));

  stages_ = register_module("stages", torch::nn::ModuleList());
  transitions_ = register_module("transitions", torch::nn::ModuleList());
  std::int64_t channels = o.arch.init_channels;
  for (std::int64_t i = 0; i < num_stages; ++i) {
    const std::int64_t depth = o.arch.depths[static_cast<std::size_t>(i)];
    DenseBlock stage(depth, channels, o.bn_size, o.arch.growth_rate, o.norm_cfg, o.act_cfg,
                     o.drop_rate, o.memory_efficient);
    stages_->push_back(stage.ptr());
    stage_layers_.emplace_back(stage.ptr());
    channels += depth * o.arch.growth_rate;
    engine::Layer transition;
    if (i != num_stages - 1) {
      const auto out = static_cast<std::int64_t>(
          std::floor(static_cast<double>(channels) * o.compression_factor));
      transition = make_dense_transition(channels, out, o.norm_cfg, o.act_cfg);
      channels = out;
    } else {
      auto seq = engine::LayerSequential();
      seq->push_back(norm_layer(o.norm_cfg, channels));
      seq->push_back(mmcv::build_activation_layer(o.act_cfg));
      transition = engine::Layer(seq.ptr());
    }
    transitions_->push_back(transition.ptr());
    transition_layers_.push_back(transition);
    stage_channels_.push_back(channels);
  }
  if (o.frozen_stages > num_stages)
    throw Error("IndexError", "DenseNet: frozen_stages " + std::to_string(o.frozen_stages) +
                                  " is more than the " + std::to_string(num_stages) +
                                  " stages (index out of range)");
  freeze_stages();
}

std::shared_ptr<DenseNetImpl> DenseNetImpl::from_config(registry::BuildArgs& a) {
  return std::make_shared<DenseNetImpl>(DenseNetOptions(a));
}

Feats DenseNetImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = stem_->forward(input);
  Feats outs;
  for (std::size_t i = 0; i < stage_layers_.size(); ++i) {
    x = transition_layers_[i](stage_layers_[i](x));
    if (std::find(out_indices_.begin(), out_indices_.end(), static_cast<std::int64_t>(i)) !=
        out_indices_.end())
      outs.push_back(x);
  }
  return outs;
}

void DenseNetImpl::freeze_stages() {
  for (std::int64_t i = 0; i < options_.frozen_stages; ++i) {
    freeze(transition_layers_[static_cast<std::size_t>(i)].module());
    freeze(stage_layers_[static_cast<std::size_t>(i)].module());
  }
}

void DenseNetImpl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::DenseNetImpl, "DenseNet",
                  "dict(type='DenseNet', arch=dict(growth_rate=8, depths=[1, 2], "
                  "init_channels=8), out_indices=(0, 1))");
