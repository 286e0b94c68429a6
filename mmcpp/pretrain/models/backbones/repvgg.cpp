#include "mmcpp/pretrain/models/backbones/repvgg.h"

#include <torch/torch.h>

#include <algorithm>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/activation.h"
#include "mmcpp/cv/cnn/bricks/conv.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/pretrain/models/utils/fuse_conv_bn.h"
#include "mmcpp/pretrain/models/utils/inverted_residual.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

// ---------------------------------------------------------------- RepVGGBlock

RepVGGBlockOptions::RepVGGBlockOptions() {
  norm_cfg = make_dict({{"type", Value("BN")}});
  act_cfg = make_dict({{"type", Value("ReLU")}});
}

engine::Sequential RepVGGBlockImpl::create_conv_bn(std::int64_t kernel_size, std::int64_t dilation,
                                                   std::int64_t padding) const {
  const auto& o = options_;
  auto seq = engine::Sequential();
  seq->push_back("conv", mmcv::build_conv_layer(o.conv_cfg, {},
                                                {{"in_channels", Value(o.in_channels)},
                                                 {"out_channels", Value(o.out_channels)},
                                                 {"kernel_size", Value(kernel_size)},
                                                 {"stride", Value(o.stride)},
                                                 {"dilation", Value(dilation)},
                                                 {"padding", Value(padding)},
                                                 {"groups", Value(o.groups)},
                                                 {"bias", Value(false)}}));
  seq->push_back("norm", mmcv::build_norm_layer(o.norm_cfg, o.out_channels).second);
  return seq;
}

RepVGGBlockImpl::RepVGGBlockImpl(RepVGGBlockOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  if (!op.se_cfg.is_none() && !op.se_cfg.is_dict())
    throw Error("AssertionError", "RepVGGBlock: se_cfg must be None or a dict");
  if (op.deploy) {
    branch_reparam_ =
        engine::register_layer(*this, "branch_reparam",
                               mmcv::build_conv_layer(op.conv_cfg, {},
                                                      {{"in_channels", Value(op.in_channels)},
                                                       {"out_channels", Value(op.out_channels)},
                                                       {"kernel_size", Value(3)},
                                                       {"stride", Value(op.stride)},
                                                       {"padding", Value(op.padding)},
                                                       {"dilation", Value(op.dilation)},
                                                       {"groups", Value(op.groups)},
                                                       {"bias", Value(true)},
                                                       {"padding_mode", Value(op.padding_mode)}}));
  } else {
    if (op.out_channels == op.in_channels && op.stride == 1 && op.padding == op.dilation)
      branch_norm_ = engine::register_layer(
          *this, "branch_norm", mmcv::build_norm_layer(op.norm_cfg, op.in_channels).second);
    branch_3x3_ = register_module("branch_3x3", create_conv_bn(3, op.dilation, op.padding));
    branch_1x1_ = register_module("branch_1x1", create_conv_bn(1, 1, 0));
  }
  if (op.se_cfg.is_dict()) {
    Value se = op.se_cfg.deep_copy();
    if (se.as_dict().contains("channels"))
      throw Error("TypeError", "SELayer: got multiple values for keyword argument 'channels'");
    Value cfg = make_dict({{"channels", Value(op.out_channels)}});
    for (const auto& [k, v] : se.as_dict().entries()) cfg.as_dict().set(k, v);
    se_layer_ = register_module("se_layer", build_se_layer(cfg));
  }
  act_ = engine::register_layer(*this, "act", mmcv::build_activation_layer(op.act_cfg));
}

torch::Tensor RepVGGBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor out;
  if (options_.deploy) {
    out = branch_reparam_(x);
  } else {
    out = branch_3x3_->forward(x) + branch_1x1_->forward(x);
    if (branch_norm_) out = out + branch_norm_(x);
    if (se_layer_) out = se_layer_->forward(out);
  }
  return act_(out);
}

std::pair<torch::Tensor, torch::Tensor> RepVGGBlockImpl::reparameterize() const {
  const auto& o = options_;
  auto conv_weight = [](const engine::Sequential& s) {
    return s->get("conv").as<torch::nn::Conv2dImpl>()->weight;
  };
  auto [w3, b3] = fuse_conv_bn(conv_weight(branch_3x3_), branch_3x3_->get("norm").module());
  auto [w1, b1] = fuse_conv_bn(conv_weight(branch_1x1_), branch_1x1_->get("norm").module());
  torch::Tensor w = w3 + torch::constant_pad_nd(w1, {1, 1, 1, 1}, 0);
  torch::Tensor b = b3 + b1;
  if (branch_norm_) {
    auto [wn, bn] = fuse_conv_bn(identity_kernel(o.in_channels, o.groups, 3, w3.options()),
                                 branch_norm_.module());
    w = w + wn;
    b = b + bn;
  }
  return {w, b};
}

void RepVGGBlockImpl::switch_to_deploy() {
  auto& o = options_;
  if (o.deploy) return;
  if (!o.norm_cfg.is_dict() || !o.norm_cfg.as_dict().contains("type") ||
      o.norm_cfg.as_dict().find("type")->str() != "BN")
    throw Error("AssertionError", "Switch is not allowed when norm_cfg['type'] != 'BN'.");
  torch::NoGradGuard no_grad;
  auto [w, b] = reparameterize();
  branch_reparam_ = engine::register_layer(
      *this, "branch_reparam",
      mmcv::build_conv_layer(o.conv_cfg, {Value(o.in_channels), Value(o.out_channels)},
                             {{"kernel_size", Value(3)},
                              {"stride", Value(o.stride)},
                              {"padding", Value(o.padding)},
                              {"dilation", Value(o.dilation)},
                              {"groups", Value(o.groups)},
                              {"bias", Value(true)}}));
  auto* conv = branch_reparam_.as<torch::nn::Conv2dImpl>();
  if (!conv) throw Error("TypeError", "RepVGGBlock: branch_reparam must be a Conv2d");
  conv->weight.set_data(w.detach().clone());
  conv->bias.set_data(b.detach().clone());
  for (auto& p : parameters()) p.detach_();
  unregister_module("branch_3x3");
  unregister_module("branch_1x1");
  if (branch_norm_) unregister_module("branch_norm");
  branch_3x3_ = nullptr;
  branch_1x1_ = nullptr;
  branch_norm_ = engine::Layer();
  o.deploy = true;
}

// ---------------------------------------------------------------- MTSPPF

MTSPPFImpl::MTSPPFImpl(std::int64_t in_channels, std::int64_t out_channels, const Value& norm_cfg,
                       const Value& act_cfg, std::int64_t kernel_size) {
  const std::int64_t hidden = in_channels / 2;
  conv1_ = register_module("conv1",
                           mmcv::ConvModule(mmcv::ConvModuleOptions(in_channels, hidden, Value(1))
                                                .norm_cfg(norm_cfg)
                                                .act_cfg(act_cfg)));
  conv2_ = register_module(
      "conv2", mmcv::ConvModule(mmcv::ConvModuleOptions(hidden * 4, out_channels, Value(1))
                                    .norm_cfg(norm_cfg)
                                    .act_cfg(act_cfg)));
  maxpool_ = engine::register_layer(
      *this, "maxpool",
      engine::Layer(torch::nn::MaxPool2d(
                        torch::nn::MaxPool2dOptions(kernel_size).stride(1).padding(kernel_size / 2))
                        .ptr()));
}

torch::Tensor MTSPPFImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = conv1_->forward(input);
  torch::Tensor y1 = maxpool_(x);
  torch::Tensor y2 = maxpool_(y1);
  return conv2_->forward(torch::cat({x, y1, y2, maxpool_(y2)}, 1));
}

// ---------------------------------------------------------------- RepVGG

const std::vector<std::pair<std::string, RepVGGArch>>& repvgg_arch_settings() {
  static const std::vector<std::pair<std::string, RepVGGArch>> a = [] {
    std::map<std::int64_t, std::int64_t> g2, g4;
    for (std::int64_t l = 2; l <= 26; l += 2) g2[l] = 2, g4[l] = 4;
    using Map = std::optional<std::map<std::int64_t, std::int64_t>>;
    const std::vector<std::int64_t> a_blocks = {2, 4, 14, 1}, b_blocks = {4, 6, 16, 1};
    auto arch = [](std::vector<std::int64_t> n, std::vector<double> w, Map g, Value se = Value(),
                   std::int64_t stem = 64) {
      return RepVGGArch{std::move(n), std::move(w), std::move(g), std::move(se), stem};
    };
    return std::vector<std::pair<std::string, RepVGGArch>>{
        {"A0", arch(a_blocks, {0.75, 0.75, 0.75, 2.5}, std::nullopt)},
        {"A1", arch(a_blocks, {1, 1, 1, 2.5}, std::nullopt)},
        {"A2", arch(a_blocks, {1.5, 1.5, 1.5, 2.75}, std::nullopt)},
        {"B0", arch(b_blocks, {1, 1, 1, 2.5}, std::nullopt)},
        {"B1", arch(b_blocks, {2, 2, 2, 4}, std::nullopt)},
        {"B1g2", arch(b_blocks, {2, 2, 2, 4}, g2)},
        {"B1g4", arch(b_blocks, {2, 2, 2, 4}, g4)},
        {"B2", arch(b_blocks, {2.5, 2.5, 2.5, 5}, std::nullopt)},
        {"B2g2", arch(b_blocks, {2.5, 2.5, 2.5, 5}, g2)},
        {"B2g4", arch(b_blocks, {2.5, 2.5, 2.5, 5}, g4)},
        {"B3", arch(b_blocks, {3, 3, 3, 5}, std::nullopt)},
        {"B3g2", arch(b_blocks, {3, 3, 3, 5}, g2)},
        {"B3g4", arch(b_blocks, {3, 3, 3, 5}, g4)},
        {"D2se", arch({8, 14, 24, 1}, {2.5, 2.5, 2.5, 5}, std::nullopt,
                      make_dict({{"ratio", Value(16)}, {"divisor", Value(1)}}))},
        {"yolox-pai-small", arch({3, 5, 7, 3}, {1, 1, 1, 1}, std::nullopt, Value(), 32)}};
  }();
  return a;
}

RepVGGOptions::RepVGGOptions() {
  norm_cfg = make_dict({{"type", Value("BN")}});
  act_cfg = make_dict({{"type", Value("ReLU")}});
  init_cfg = Value::list(
      {make_dict({{"type", Value("Kaiming")}, {"layer", Value::list({Value("Conv2d")})}}),
       make_dict({{"type", Value("Constant")},
                  {"val", Value(1)},
                  {"layer", Value::list({Value("_BatchNorm"), Value("GroupNorm")})}})});
}

RepVGGImpl::RepVGGImpl(RepVGGOptions options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  const auto& a = o.arch;
  const std::size_t n = a.num_blocks.size();
  if (a.width_factor.size() != n || o.strides.size() != n || o.dilations.size() != n)
    throw Error("AssertionError",
                "RepVGG: len(num_blocks) == len(width_factor) == len(strides) == len(dilations)");
  if (o.out_indices.empty() ||
      *std::max_element(o.out_indices.begin(), o.out_indices.end()) >= static_cast<std::int64_t>(n))
    throw Error("AssertionError", "RepVGG: max(out_indices) must be < len(num_blocks)");
  std::int64_t total = 0;
  for (auto b : a.num_blocks) total += b;
  if (a.group_layer_map && !a.group_layer_map->empty() &&
      a.group_layer_map->rbegin()->first > total)
    throw Error("AssertionError", "RepVGG: group_layer_map keys must be <= sum(num_blocks)");

  auto block = [&](std::int64_t in, std::int64_t out, std::int64_t stride, std::int64_t padding,
                   std::int64_t dilation, std::int64_t groups, const Value& init_cfg) {
    RepVGGBlockOptions b;
    b.in_channels = in;
    b.out_channels = out;
    b.stride = stride;
    b.padding = padding;
    b.dilation = dilation;
    b.groups = groups;
    b.se_cfg = a.se_cfg;
    b.with_cp = o.with_cp;
    b.conv_cfg = o.conv_cfg;
    b.norm_cfg = o.norm_cfg;
    b.act_cfg = o.act_cfg;
    b.deploy = o.deploy;
    b.init_cfg = init_cfg;
    return RepVGGBlock(b);
  };
  std::int64_t channels =
      std::min(a.stem_channels,
               static_cast<std::int64_t>(static_cast<double>(o.base_channels) * a.width_factor[0]));
  stem_ = register_module("stem", block(o.in_channels, channels, 2, 1, 1, 1, Value()));
  std::int64_t next_idx = 1, out = channels;
  for (std::size_t i = 0; i < n; ++i) {
    out = static_cast<std::int64_t>(static_cast<double>(o.base_channels * (std::int64_t{1} << i)) *
                                    a.width_factor[i]);
    auto stage = engine::Sequential();
    for (std::int64_t j = 0; j < a.num_blocks[i]; ++j) {
      std::int64_t groups = 1;
      if (a.group_layer_map) {
        auto g = a.group_layer_map->find(next_idx);
        if (g != a.group_layer_map->end()) groups = g->second;
      }
      stage->push_back(engine::Layer(block(channels, out, j == 0 ? o.strides[i] : 1, o.dilations[i],
                                           o.dilations[i], groups, o.init_cfg)
                                         .ptr()));
      channels = out;
      ++next_idx;
    }
    stages_.push_back(register_module("stage_" + std::to_string(i + 1), stage));
  }
  if (o.add_ppf)
    ppf_ = engine::register_layer(*this, "ppf",
                                  engine::Layer(MTSPPF(out, out, o.norm_cfg, o.act_cfg, 5).ptr()));
  else
    ppf_ = engine::register_layer(*this, "ppf", engine::Layer(torch::nn::Identity().ptr()));
}

std::shared_ptr<RepVGGImpl> RepVGGImpl::from_config(registry::BuildArgs& args) {
  RepVGGOptions o;
  Value av = args.require("arch");
  if (av.is_str()) {
    const auto& table = repvgg_arch_settings();
    auto it = std::find_if(table.begin(), table.end(),
                           [&](const auto& e) { return e.first == av.as_str(); });
    if (it == table.end())
      throw Error("AssertionError",
                  "\"arch\": \"" + av.as_str() + "\" is not one of the arch_settings");
    o.arch = it->second;
  } else if (av.is_dict()) {
    const auto& d = av.as_dict();
    auto need = [&](const char* key) -> const Value& {
      const Value* v = d.find(key);
      if (!v) throw Error("KeyError", std::string("RepVGG: the arch dict needs '") + key + "'");
      return *v;
    };
    for (const auto& x : need("num_blocks").items()) o.arch.num_blocks.push_back(x.as_int());
    for (const auto& x : need("width_factor").items()) o.arch.width_factor.push_back(x.as_number());
    const Value& g = need("group_layer_map");
    if (g.is_dict()) {
      std::map<std::int64_t, std::int64_t> m;
      for (const auto& [k, v] : g.as_dict().entries()) m[k.as_int()] = v.as_int();
      o.arch.group_layer_map = m;
    } else if (!g.is_none()) {
      throw Error("TypeError", "RepVGG: group_layer_map must be a dict or None");
    }
    o.arch.se_cfg = need("se_cfg");
    if (!o.arch.se_cfg.is_none() && !o.arch.se_cfg.is_dict())
      throw Error("AssertionError", "RepVGG: se_cfg must be a dict or None");
    if (const Value* s = d.find("stem_channels")) o.arch.stem_channels = s->as_int();
  } else {
    throw Error("TypeError",
                "Expect \"arch\" to be either a string or a dict, got " + av.type_name());
  }
  o.in_channels = args.get_int("in_channels", o.in_channels);
  o.base_channels = args.get_int("base_channels", o.base_channels);
  o.out_indices = args.get_int_list("out_indices", o.out_indices);
  o.strides = args.get_int_list("strides", o.strides);
  o.dilations = args.get_int_list("dilations", o.dilations);
  o.frozen_stages = args.get_int("frozen_stages", o.frozen_stages);
  o.conv_cfg = args.value("conv_cfg");
  if (args.has("norm_cfg")) o.norm_cfg = args.value("norm_cfg");
  if (args.has("act_cfg")) o.act_cfg = args.value("act_cfg");
  o.with_cp = args.get_bool("with_cp", o.with_cp);
  o.deploy = args.get_bool("deploy", o.deploy);
  o.norm_eval = args.get_bool("norm_eval", o.norm_eval);
  o.add_ppf = args.get_bool("add_ppf", o.add_ppf);
  if (args.has("init_cfg")) o.init_cfg = args.value("init_cfg");
  return std::make_shared<RepVGGImpl>(o);
}

Feats RepVGGImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = stem_->forward(input);
  Feats outs;
  const auto& oi = options_.out_indices;
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    x = stages_[i]->forward(x);
    if (i + 1 == stages_.size()) x = ppf_(x);
    if (std::find(oi.begin(), oi.end(), static_cast<std::int64_t>(i)) != oi.end())
      outs.push_back(x);
  }
  return outs;
}

void RepVGGImpl::freeze_stages() {
  if (options_.frozen_stages >= 0) freeze(*stem_);
  for (std::int64_t i = 0; i < options_.frozen_stages; ++i) {
    if (static_cast<std::size_t>(i) >= stages_.size())
      throw Error("AttributeError",
                  "'RepVGG' object has no attribute 'stage_" + std::to_string(i + 1) + "'");
    freeze(*stages_[static_cast<std::size_t>(i)]);
  }
}

void RepVGGImpl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
  if (on && options_.norm_eval) set_batch_norms_eval(*this);
}

void RepVGGImpl::switch_to_deploy() {
  for (const auto& m : modules(/*include_self=*/false))
    if (auto* b = dynamic_cast<RepVGGBlockImpl*>(m.get())) b->switch_to_deploy();
  options_.deploy = true;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::RepVGGImpl, "RepVGG",
                  "dict(type='RepVGG', arch='A0')");
