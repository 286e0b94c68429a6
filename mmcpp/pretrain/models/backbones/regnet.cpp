#include "mmcpp/pretrain/models/backbones/regnet.h"

#include <torch/nn/modules/activation.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/conv.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/engine/model/weight_init.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;

const std::vector<std::pair<std::string, RegNetArch>>& regnet_arch_settings() {
  static const std::vector<std::pair<std::string, RegNetArch>> a = {
      {"regnetx_400mf", {24, 24.48, 2.54, 16, 22, 1.0}},
      {"regnetx_800mf", {56, 35.73, 2.28, 16, 16, 1.0}},
      {"regnetx_1.6gf", {80, 34.01, 2.25, 24, 18, 1.0}},
      {"regnetx_3.2gf", {88, 26.31, 2.25, 48, 25, 1.0}},
      {"regnetx_4.0gf", {96, 38.65, 2.43, 40, 23, 1.0}},
      {"regnetx_6.4gf", {184, 60.83, 2.07, 56, 17, 1.0}},
      {"regnetx_8.0gf", {80, 49.56, 2.88, 120, 23, 1.0}},
      {"regnetx_12gf", {168, 73.36, 2.37, 112, 19, 1.0}}};
  return a;
}

RegNetStages regnet_stages(const RegNetArch& arch) {
  // generate_regnet(w0, wa, wm, depth, divisor=8)
  const double divisor = 8;
  if (!(arch.wa >= 0) || !(arch.w0 > 0) || !(arch.wm > 1) || std::fmod(arch.w0, divisor) != 0)
    throw Error("AssertionError", "RegNet: needs wa >= 0, w0 > 0, wm > 1 and w0 divisible by 8");
  const auto depth = static_cast<std::int64_t>(arch.depth);
  std::vector<std::int64_t> widths;
  for (std::int64_t i = 0; i < depth; ++i) {
    const double cont = static_cast<double>(i) * arch.wa + arch.w0;
    const double ks = std::nearbyint(std::log(cont / arch.w0) / std::log(arch.wm));
    const double w = arch.w0 * std::pow(arch.wm, ks);
    widths.push_back(static_cast<std::int64_t>(std::nearbyint(w / divisor) * divisor));
  }
  const std::size_t num_stages = std::set<std::int64_t>(widths.begin(), widths.end()).size();
  // get_stages_from_blocks
  RegNetStages s;
  std::vector<std::int64_t> starts;
  for (std::size_t i = 0; i <= widths.size(); ++i) {
    const std::int64_t w = i < widths.size() ? widths[i] : 0;
    const std::int64_t prev = i == 0 ? 0 : widths[i - 1];
    if (w != prev) {
      starts.push_back(static_cast<std::int64_t>(i));
      if (i < widths.size()) s.widths.push_back(w);
    }
  }
  for (std::size_t i = 0; i + 1 < starts.size(); ++i) s.blocks.push_back(starts[i + 1] - starts[i]);
  // adjust_width_group
  for (std::size_t i = 0; i < num_stages && i < s.widths.size(); ++i) {
    auto w_bot = static_cast<std::int64_t>(static_cast<double>(s.widths[i]) * arch.bot_mul);
    const auto g = std::min(static_cast<std::int64_t>(arch.group_w), w_bot);
    w_bot = static_cast<std::int64_t>(
        std::nearbyint(static_cast<double>(w_bot) / static_cast<double>(g)) *
        static_cast<double>(g));
    s.widths[i] = static_cast<std::int64_t>(static_cast<double>(w_bot) / arch.bot_mul);
    s.group_widths.push_back(g);
  }
  s.widths.resize(s.group_widths.size());
  if (s.blocks.size() > num_stages) s.blocks.resize(num_stages);
  return s;
}

RegNetImpl::RegNetImpl(RegNetArch arch, ResNetOptions options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  stages_ = regnet_stages(arch);
  const auto num_stages = static_cast<std::int64_t>(stages_.widths.size());
  if (num_stages < 1 || num_stages > 4)
    throw Error("AssertionError", "RegNet: num_stages must be in [1, 4]");
  if (static_cast<std::int64_t>(o.strides.size()) != num_stages ||
      static_cast<std::int64_t>(o.dilations.size()) != num_stages)
    throw Error("AssertionError", "RegNet: len(strides) == len(dilations) == num_stages");
  if (o.out_indices.empty() ||
      *std::max_element(o.out_indices.begin(), o.out_indices.end()) >= num_stages)
    throw Error("AssertionError", "RegNet: max(out_indices) must be < num_stages");
  if (o.deep_stem)
    throw Error("NotImplementedError", "deep_stem has not been implemented for RegNet");

  conv1_ = engine::register_layer(
      *this, "conv1",
      mmcv::build_conv_layer(o.conv_cfg, {Value(o.in_channels), Value(o.stem_channels)},
                             {{"kernel_size", Value(3)},
                              {"stride", Value(2)},
                              {"padding", Value(1)},
                              {"bias", Value(false)}}));
  auto [name, norm1] = mmcv::build_norm_layer(o.norm_cfg, o.stem_channels, 1);
  norm1_ = engine::register_layer(*this, name, norm1);
  relu_ = engine::register_layer(
      *this, "relu", engine::Layer(torch::nn::ReLU(torch::nn::ReLUOptions(true)).ptr()));

  std::int64_t in = o.stem_channels;
  for (std::int64_t i = 0; i < num_stages; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const std::int64_t stage_width = stages_.widths[k];
    const std::int64_t group_width = stages_.group_widths[k];
    const auto width =
        static_cast<std::int64_t>(std::nearbyint(static_cast<double>(stage_width) * arch.bot_mul));
    ResBlockOptions block;
    block.expansion = 1;
    block.style = o.style;
    block.with_cp = o.with_cp;
    block.conv_cfg = o.conv_cfg;
    block.norm_cfg = o.norm_cfg;
    block.dilation = o.dilations[k];
    block.base_channels = stage_width;
    block.groups = width / group_width;
    block.width_per_group = group_width;
    block.python_class = engine::PythonClass{"Bottleneck", {"Bottleneck"}};
    const std::int64_t n = stages_.blocks[k];
    auto layer = ResLayer(ResBlockType::Bottleneck, n, in, stage_width, o.strides[k], o.avg_down,
                          block, std::vector<double>(static_cast<std::size_t>(n), 0.0));
    register_module("layer" + std::to_string(i + 1), layer);
    res_layers_.push_back(layer);
    in = stage_width;
  }
  feat_dim_ = stages_.widths.back();
  freeze_stages();
}

std::shared_ptr<RegNetImpl> RegNetImpl::from_config(registry::BuildArgs& a) {
  Value av = a.require("arch");
  RegNetArch arch;
  if (av.is_str()) {
    const auto& table = regnet_arch_settings();
    auto it = std::find_if(table.begin(), table.end(),
                           [&](const auto& e) { return e.first == av.as_str(); });
    if (it == table.end())
      throw Error("AssertionError",
                  "\"arch\": \"" + av.as_str() + "\" is not one of the arch_settings");
    arch = it->second;
  } else if (av.is_dict()) {
    const auto& d = av.as_dict();
    auto num = [&](const char* key) {
      const Value* v = d.find(key);
      if (!v) throw Error("KeyError", std::string("RegNet: the arch dict needs '") + key + "'");
      return v->as_number();
    };
    arch = {num("w0"), num("wa"), num("wm"), num("group_w"), num("depth"), num("bot_mul")};
  } else {
    throw Error("TypeError",
                "Expect \"arch\" to be either a string or a dict, got " + av.type_name());
  }
  ResNetOptions o;
  o.stem_channels = 32;
  o.base_channels = 32;
  o.strides = {2, 2, 2, 2};
  o.init_cfg = Value();
  // ResNet's arguments that RegNet.__init__ does not take.
  for (const char* k : {"depth", "expansion", "num_stages", "drop_path_rate"})
    if (a.has(k))
      throw Error("TypeError",
                  std::string("RegNet: __init__() got an unexpected keyword argument '") + k + "'");
  o.read(a);
  return std::make_shared<RegNetImpl>(arch, o);
}

Feats RegNetImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = relu_(norm1_(conv1_(input)));
  Feats outs;
  const auto& oi = options_.out_indices;
  for (std::size_t i = 0; i < res_layers_.size(); ++i) {
    x = res_layers_[i]->forward(x);
    if (std::find(oi.begin(), oi.end(), static_cast<std::int64_t>(i)) != oi.end())
      outs.push_back(x);
  }
  return outs;
}

void RegNetImpl::freeze_stages() {
  if (options_.frozen_stages >= 0) {
    norm1_.module().eval();
    for (auto* m : {&conv1_.module(), &norm1_.module()})
      for (auto& p : m->parameters()) p.set_requires_grad(false);
  }
  for (std::int64_t i = 1;
       i <= options_.frozen_stages && i <= static_cast<std::int64_t>(res_layers_.size()); ++i)
    freeze(*res_layers_[static_cast<std::size_t>(i - 1)]);
}

void RegNetImpl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
  if (on && options_.norm_eval) set_batch_norms_eval(*this);
}

void RegNetImpl::init_weights() {
  BaseBackboneImpl::init_weights();
  const Value& cfg = init_cfg();
  if (cfg.is_dict()) {
    const Value* t = cfg.as_dict().find("type");
    if (t && t->is_str() && t->as_str() == "Pretrained") return;
  }
  if (!options_.zero_init_residual) return;
  for (const auto& m : modules(/*include_self=*/false))
    if (auto* b = dynamic_cast<BottleneckImpl*>(m.get()))
      engine::constant_init(b->norm3().module(), 0);
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::RegNetImpl, "RegNet",
                  "dict(type='RegNet', arch='regnetx_400mf')");
