#include "mmcpp/pretrain/models/backbones/efficientnet_v2.h"

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/pretrain/models/backbones/efficientnet.h"
#include "mmcpp/pretrain/models/utils/inverted_residual.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

// repeat, kernel_size, stride, expand_ratio, in_channels, out_channels, se_ratio, block_type
using Row = std::array<double, 8>;
using Arch = std::vector<Row>;

const std::vector<std::pair<std::vector<std::string>, Arch>>& arch_settings() {
  static const std::vector<std::pair<std::vector<std::string>, Arch>> a = {
      {{"small", "s"},
       {{2, 3, 1, 1, 24, 24, 0.0, -1},
        {4, 3, 2, 4, 24, 48, 0.0, 0},
        {4, 3, 2, 4, 48, 64, 0.0, 0},
        {6, 3, 2, 4, 64, 128, 0.25, 1},
        {9, 3, 1, 6, 128, 160, 0.25, 1},
        {15, 3, 2, 6, 160, 256, 0.25, 1},
        {1, 1, 1, 1, 256, 1280, 0.0, -2}}},
      {{"m", "medium"},
       {{3, 3, 1, 1, 24, 24, 0.0, -1},
        {5, 3, 2, 4, 24, 48, 0.0, 0},
        {5, 3, 2, 4, 48, 80, 0.0, 0},
        {7, 3, 2, 4, 80, 160, 0.25, 1},
        {14, 3, 1, 6, 160, 176, 0.25, 1},
        {18, 3, 2, 6, 176, 304, 0.25, 1},
        {5, 3, 1, 6, 304, 512, 0.25, 1},
        {1, 1, 1, 1, 512, 1280, 0.0, -2}}},
      {{"l", "large"},
       {{4, 3, 1, 1, 32, 32, 0.0, -1},
        {7, 3, 2, 4, 32, 64, 0.0, 0},
        {7, 3, 2, 4, 64, 96, 0.0, 0},
        {10, 3, 2, 4, 96, 192, 0.25, 1},
        {19, 3, 1, 6, 192, 224, 0.25, 1},
        {25, 3, 2, 6, 224, 384, 0.25, 1},
        {7, 3, 1, 6, 384, 640, 0.25, 1},
        {1, 1, 1, 1, 640, 1280, 0.0, -2}}},
      {{"xl"},
       {{4, 3, 1, 1, 32, 32, 0.0, -1},
        {8, 3, 2, 4, 32, 64, 0.0, 0},
        {8, 3, 2, 4, 64, 96, 0.0, 0},
        {16, 3, 2, 4, 96, 192, 0.25, 1},
        {24, 3, 1, 6, 192, 256, 0.25, 1},
        {32, 3, 2, 6, 256, 512, 0.25, 1},
        {8, 3, 1, 6, 512, 640, 0.25, 1},
        {1, 1, 1, 1, 640, 1280, 0.0, -2}}},
      {{"b0"},
       {{1, 3, 1, 1, 32, 16, 0.0, -1},
        {2, 3, 2, 4, 16, 32, 0.0, 0},
        {2, 3, 2, 4, 32, 48, 0.0, 0},
        {3, 3, 2, 4, 48, 96, 0.25, 1},
        {5, 3, 1, 6, 96, 112, 0.25, 1},
        {8, 3, 2, 6, 112, 192, 0.25, 1},
        {1, 1, 1, 1, 192, 1280, 0.0, -2}}},
      {{"b1"},
       {{2, 3, 1, 1, 32, 16, 0.0, -1},
        {3, 3, 2, 4, 16, 32, 0.0, 0},
        {3, 3, 2, 4, 32, 48, 0.0, 0},
        {4, 3, 2, 4, 48, 96, 0.25, 1},
        {6, 3, 1, 6, 96, 112, 0.25, 1},
        {9, 3, 2, 6, 112, 192, 0.25, 1},
        {1, 1, 1, 1, 192, 1280, 0.0, -2}}},
      {{"b2"},
       {{2, 3, 1, 1, 32, 16, 0.0, -1},
        {3, 3, 2, 4, 16, 32, 0.0, 0},
        {3, 3, 2, 4, 32, 56, 0.0, 0},
        {4, 3, 2, 4, 56, 104, 0.25, 1},
        {6, 3, 1, 6, 104, 120, 0.25, 1},
        {10, 3, 2, 6, 120, 208, 0.25, 1},
        {1, 1, 1, 1, 208, 1408, 0.0, -2}}},
      {{"b3"},
       {{2, 3, 1, 1, 40, 16, 0.0, -1},
        {3, 3, 2, 4, 16, 40, 0.0, 0},
        {3, 3, 2, 4, 40, 56, 0.0, 0},
        {5, 3, 2, 4, 56, 112, 0.25, 1},
        {7, 3, 1, 6, 112, 136, 0.25, 1},
        {12, 3, 2, 6, 136, 232, 0.25, 1},
        {1, 1, 1, 1, 232, 1536, 0.0, -2}}}};
  return a;
}

std::int64_t as_i(double v) { return static_cast<std::int64_t>(v); }

}  // namespace

EnhancedConvModuleImpl::EnhancedConvModuleImpl(mmcv::ConvModuleOptions options, bool has_skip,
                                               double drop_path_rate)
    : mmcv::ConvModuleImpl(options), has_skip_(has_skip) {
  const Value& s = options.stride();
  const bool stride1 = s.is_int() ? s.as_int() == 1
                                  : std::all_of(s.items().begin(), s.items().end(),
                                                [](const Value& v) { return v.as_int() == 1; });
  if (has_skip && (options.in_channels() != options.out_channels() || !stride1))
    throw Error("ValueError",
                "the stride must be 1 and the `in_channels` and `out_channels` must be the same , "
                "when `has_skip` is True in `EnhancedConvModule` .");
  drop_path_ = engine::register_layer(*this, "drop_path",
                                      drop_path_rate != 0.
                                          ? engine::Layer(mmcv::DropPath(drop_path_rate).ptr())
                                          : engine::Layer(torch::nn::Identity().ptr()));
}

torch::Tensor EnhancedConvModuleImpl::forward(const torch::Tensor& x) {
  torch::Tensor out = mmcv::ConvModuleImpl::forward(x, true, true);
  if (has_skip_) out = drop_path_(out) + x;
  return out;
}

EfficientNetV2Options::EfficientNetV2Options() {
  conv_cfg = make_dict({{"type", Value("Conv2dAdaptivePadding")}});
  norm_cfg = make_dict({{"type", Value("BN")}, {"eps", Value(1e-3)}, {"momentum", Value(0.1)}});
  act_cfg = make_dict({{"type", Value("Swish")}});
  init_cfg =
      Value::list({make_dict({{"type", Value("Kaiming")}, {"layer", Value("Conv2d")}}),
                   make_dict({{"type", Value("Constant")},
                              {"layer", Value::list({Value("_BatchNorm"), Value("GroupNorm")})},
                              {"val", Value(1)}})});
}

EfficientNetV2Impl::EfficientNetV2Impl(EfficientNetV2Options options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  const auto& table = arch_settings();
  const Arch* arch = nullptr;
  std::string names;
  for (const auto& [keys, rows] : table)
    for (const auto& k : keys) {
      names += (names.empty() ? "" : ", ") + k;
      if (k == o.arch) arch = &rows;
    }
  if (!arch)
    throw Error("AssertionError",
                "\"" + o.arch + "\" is not one of the arch_settings (" + names + ")");
  const auto n = static_cast<std::int64_t>(arch->size());
  if (o.frozen_stages < 0 || o.frozen_stages > n)
    throw Error("ValueError", "frozen_stages must be in range(0, " + std::to_string(n) +
                                  "), but get " + std::to_string(o.frozen_stages));

  layers_ = register_module("layers", torch::nn::ModuleList());
  auto push = [&](std::shared_ptr<torch::nn::Module> m) {
    layers_->push_back(m);
    layer_calls_.emplace_back(m);
  };
  const auto& first = arch->front();
  push(mmcv::ConvModule(mmcv::ConvModuleOptions(o.in_channels, as_i(first[4]), Value(3))
                            .stride(Value(2))
                            .conv_cfg(o.conv_cfg)
                            .norm_cfg(o.norm_cfg)
                            .act_cfg(o.act_cfg))
           .ptr());
  std::int64_t in = as_i(first[4]);
  std::int64_t total = 0;
  for (std::size_t r = 0; r + 1 < arch->size(); ++r) total += as_i((*arch)[r][0]);
  torch::Tensor lin = torch::linspace(0, o.drop_path_rate, total);
  std::int64_t block_idx = 0;
  for (std::size_t r = 0; r + 1 < arch->size(); ++r) {
    const auto& row = (*arch)[r];
    const std::int64_t repeat = as_i(row[0]), kernel = as_i(row[1]), out = as_i(row[5]);
    const double expand = row[3], se_ratio = row[6];
    const auto block_type = as_i(row[7]);
    auto seq = engine::Sequential();
    for (std::int64_t i = 0; i < repeat; ++i) {
      const std::int64_t stride = i == 0 ? as_i(row[2]) : 1;
      const double dpr = lin[block_idx].item<float>();
      if (block_type == -1) {
        const bool has_skip = stride == 1 && in == out;
        seq->push_back(
            engine::Layer(EnhancedConvModule(mmcv::ConvModuleOptions(in, out, Value(kernel))
                                                 .stride(Value(stride))
                                                 .padding(Value(1))
                                                 .norm_cfg(o.norm_cfg)
                                                 .act_cfg(o.act_cfg),
                                             has_skip, has_skip ? dpr : 0.0)
                              .ptr()));
      } else {
        const auto mid = static_cast<std::int64_t>(static_cast<double>(in) * expand);
        Value se;
        if (block_type != 0 && se_ratio > 0) {
          const double ratio = expand * (1.0 / se_ratio);
          if (ratio != std::floor(ratio))
            throw Error("NotImplementedError", "EfficientNetV2: fractional SE ratio");
          se = make_dict(
              {{"channels", Value(mid)},
               {"ratio", Value(static_cast<std::int64_t>(ratio))},
               {"divisor", Value(1)},
               {"act_cfg", Value::tuple({o.act_cfg, make_dict({{"type", Value("Sigmoid")}})})}});
        }
        const Value conv_cfg = stride == 2 ? o.conv_cfg : Value();
        seq->push_back(make_efficient_block(
            block_type == 0,
            {in, out, mid, kernel, stride, se, conv_cfg, o.norm_cfg, o.act_cfg, dpr, o.with_cp}));
      }
      in = out;
      ++block_idx;
    }
    push(seq.ptr());
  }
  const auto& last = arch->back();
  push(mmcv::ConvModule(mmcv::ConvModuleOptions(in, as_i(last[5]), Value(as_i(last[1])))
                            .stride(Value(as_i(last[2])))
                            .conv_cfg(o.conv_cfg)
                            .norm_cfg(o.norm_cfg)
                            .act_cfg(o.act_cfg))
           .ptr());

  const auto num_layers = static_cast<std::int64_t>(layer_calls_.size());
  for (std::int64_t idx : o.out_indices) {
    const std::int64_t v = idx < 0 ? num_layers + idx : idx;
    if (v < 0 || v > num_layers)
      throw Error("AssertionError", "Invalid out_indices " + std::to_string(idx) + ".");
    out_indices_.push_back(v);
  }
}

std::shared_ptr<EfficientNetV2Impl> EfficientNetV2Impl::from_config(registry::BuildArgs& a) {
  EfficientNetV2Options o;
  o.arch = a.get_str("arch", o.arch);
  o.in_channels = a.get_int("in_channels", o.in_channels);
  o.drop_path_rate = a.get_float("drop_path_rate", o.drop_path_rate);
  o.out_indices = a.get_int_list("out_indices", o.out_indices);
  o.frozen_stages = a.get_int("frozen_stages", o.frozen_stages);
  if (a.has("conv_cfg")) o.conv_cfg = a.value("conv_cfg");
  if (a.has("norm_cfg")) o.norm_cfg = a.value("norm_cfg");
  if (a.has("act_cfg")) o.act_cfg = a.value("act_cfg");
  o.norm_eval = a.get_bool("norm_eval", o.norm_eval);
  o.with_cp = a.get_bool("with_cp", o.with_cp);
  if (a.has("init_cfg")) o.init_cfg = a.value("init_cfg");
  return std::make_shared<EfficientNetV2Impl>(o);
}

Feats EfficientNetV2Impl::forward(const torch::Tensor& input) {
  Feats outs;
  torch::Tensor x = input;
  for (std::size_t i = 0; i < layer_calls_.size(); ++i) {
    x = layer_calls_[i](x);
    if (std::find(out_indices_.begin(), out_indices_.end(), static_cast<std::int64_t>(i)) !=
        out_indices_.end())
      outs.push_back(x);
  }
  return outs;
}

void EfficientNetV2Impl::freeze_stages() {
  for (std::int64_t i = 0; i < options_.frozen_stages; ++i) {
    if (static_cast<std::size_t>(i) >= layer_calls_.size())
      throw Error("IndexError", "EfficientNetV2: index out of range");
    freeze(layer_calls_[static_cast<std::size_t>(i)].module());
  }
}

void EfficientNetV2Impl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
  if (on && options_.norm_eval)
    for (const auto& m : modules(/*include_self=*/false))
      if (dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get())) m->eval();
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::EfficientNetV2Impl, "EfficientNetV2",
                  "dict(type='EfficientNetV2', arch='b0')");
