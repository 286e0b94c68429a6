#include "mmcpp/pretrain/models/backbones/mobilenet_v2.h"

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/conv_module.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/pretrain/models/utils/make_divisible.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

engine::Layer conv_module(std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t stride,
                          std::int64_t padding, std::int64_t groups, const Value& conv_cfg,
                          const Value& norm_cfg, const Value& act_cfg) {
  return engine::Layer(mmcv::ConvModule(mmcv::ConvModuleOptions(in, out, Value(k))
                                            .stride(Value(stride))
                                            .padding(Value(padding))
                                            .groups(groups)
                                            .conv_cfg(conv_cfg)
                                            .norm_cfg(norm_cfg)
                                            .act_cfg(act_cfg))
                           .ptr());
}

// (expand_ratio, channels, num_blocks, stride)
constexpr std::array<std::array<std::int64_t, 4>, 7> kArchSettings = {{{1, 16, 1, 1},
                                                                       {6, 24, 2, 2},
                                                                       {6, 32, 3, 2},
                                                                       {6, 64, 4, 2},
                                                                       {6, 96, 3, 1},
                                                                       {6, 160, 3, 2},
                                                                       {6, 320, 1, 1}}};

}  // namespace

MobileNetV2InvertedResidualImpl::MobileNetV2InvertedResidualImpl(
    std::int64_t in_channels, std::int64_t out_channels, std::int64_t stride, double expand_ratio,
    const Value& conv_cfg, const Value& norm_cfg, const Value& act_cfg, bool /*with_cp*/,
    Value init_cfg)
    : engine::BaseModule(std::move(init_cfg)) {
  if (stride != 1 && stride != 2)
    throw Error("AssertionError",
                "stride must in [1, 2]. But received " + std::to_string(stride) + ".");
  use_res_connect_ = stride == 1 && in_channels == out_channels;
  const auto hidden =
      static_cast<std::int64_t>(std::nearbyint(static_cast<double>(in_channels) * expand_ratio));
  conv_ = register_module("conv", engine::LayerSequential());
  if (expand_ratio != 1)
    conv_->push_back(conv_module(in_channels, hidden, 1, 1, 0, 1, conv_cfg, norm_cfg, act_cfg));
  conv_->push_back(conv_module(hidden, hidden, 3, stride, 1, hidden, conv_cfg, norm_cfg, act_cfg));
  conv_->push_back(conv_module(hidden, out_channels, 1, 1, 0, 1, conv_cfg, norm_cfg, Value()));
}

torch::Tensor MobileNetV2InvertedResidualImpl::forward(const torch::Tensor& x) {
  if (use_res_connect_) return x + conv_->forward(x);
  return conv_->forward(x);
}

MobileNetV2Options::MobileNetV2Options() {
  norm_cfg = make_dict({{"type", Value("BN")}});
  act_cfg = make_dict({{"type", Value("ReLU6")}});
  init_cfg = Value::list(
      {make_dict({{"type", Value("Kaiming")}, {"layer", Value::list({Value("Conv2d")})}}),
       make_dict({{"type", Value("Constant")},
                  {"val", Value(1)},
                  {"layer", Value::list({Value("_BatchNorm"), Value("GroupNorm")})}})});
}

MobileNetV2Impl::MobileNetV2Impl(MobileNetV2Options options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  for (auto i : o.out_indices)
    if (i < 0 || i >= 8)
      throw Error("ValueError",
                  "the item in out_indices must in range(0, 8). But received " + std::to_string(i));
  if (o.frozen_stages < -1 || o.frozen_stages >= 8)
    throw Error("ValueError", "frozen_stages must be in range(-1, 8). But received " +
                                  std::to_string(o.frozen_stages));
  std::int64_t in = make_divisible(32 * o.widen_factor, 8);
  conv1_ = engine::register_layer(
      *this, "conv1", conv_module(3, in, 3, 2, 1, 1, o.conv_cfg, o.norm_cfg, o.act_cfg));
  for (std::size_t i = 0; i < kArchSettings.size(); ++i) {
    const auto [expand_ratio, channel, num_blocks, first_stride] = kArchSettings[i];
    const std::int64_t out = make_divisible(static_cast<double>(channel) * o.widen_factor, 8);
    auto seq = engine::LayerSequential();
    for (std::int64_t b = 0; b < num_blocks; ++b) {
      seq->push_back(
          engine::Layer(MobileNetV2InvertedResidual(in, out, b >= 1 ? 1 : first_stride,
                                                    static_cast<double>(expand_ratio), o.conv_cfg,
                                                    o.norm_cfg, o.act_cfg, o.with_cp)
                            .ptr()));
      in = out;
    }
    layers_.push_back(
        engine::register_layer(*this, "layer" + std::to_string(i + 1), engine::Layer(seq.ptr())));
  }
  out_channel_ =
      o.widen_factor > 1.0 ? static_cast<std::int64_t>(1280 * o.widen_factor) : std::int64_t{1280};
  layers_.push_back(engine::register_layer(
      *this, "conv2",
      conv_module(in, out_channel_, 1, 1, 0, 1, o.conv_cfg, o.norm_cfg, o.act_cfg)));
}

std::shared_ptr<MobileNetV2Impl> MobileNetV2Impl::from_config(registry::BuildArgs& a) {
  MobileNetV2Options o;
  o.widen_factor = a.get_float("widen_factor", o.widen_factor);
  o.out_indices = a.get_int_list("out_indices", o.out_indices);
  o.frozen_stages = a.get_int("frozen_stages", o.frozen_stages);
  o.conv_cfg = a.value("conv_cfg");
  if (a.has("norm_cfg")) o.norm_cfg = a.value("norm_cfg");
  if (a.has("act_cfg")) o.act_cfg = a.value("act_cfg");
  o.norm_eval = a.get_bool("norm_eval", o.norm_eval);
  o.with_cp = a.get_bool("with_cp", o.with_cp);
  if (a.has("init_cfg")) o.init_cfg = a.value("init_cfg");
  return std::make_shared<MobileNetV2Impl>(o);
}

Feats MobileNetV2Impl::forward(const torch::Tensor& input) {
  torch::Tensor x = conv1_(input);
  Feats outs;
  const auto& oi = options_.out_indices;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    x = layers_[i](x);
    if (std::find(oi.begin(), oi.end(), static_cast<std::int64_t>(i)) != oi.end())
      outs.push_back(x);
  }
  return outs;
}

void MobileNetV2Impl::freeze_stages() {
  if (options_.frozen_stages >= 0)
    for (auto& p : conv1_.module().parameters()) p.set_requires_grad(false);
  for (std::int64_t i = 1; i <= options_.frozen_stages; ++i)
    freeze(layers_[static_cast<std::size_t>(i - 1)].module());
}

void MobileNetV2Impl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
  if (on && options_.norm_eval) set_batch_norms_eval(*this);
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::MobileNetV2Impl, "MobileNetV2",
                  "dict(type='MobileNetV2', widen_factor=0.5)");
