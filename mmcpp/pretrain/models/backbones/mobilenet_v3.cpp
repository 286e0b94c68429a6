#include "mmcpp/pretrain/models/backbones/mobilenet_v3.h"

#include <torch/torch.h>

#include <algorithm>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/conv_module.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/pretrain/models/utils/inverted_residual.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

const std::vector<std::pair<std::string, std::vector<MobileNetV3LayerSetting>>>&
mobilenet_v3_arch_settings() {
  static const std::vector<std::pair<std::string, std::vector<MobileNetV3LayerSetting>>> arch = {
      {"small",
       {{3, 16, 16, true, "ReLU", 2},
        {3, 72, 24, false, "ReLU", 2},
        {3, 88, 24, false, "ReLU", 1},
        {5, 96, 40, true, "HSwish", 2},
        {5, 240, 40, true, "HSwish", 1},
        {5, 240, 40, true, "HSwish", 1},
        {5, 120, 48, true, "HSwish", 1},
        {5, 144, 48, true, "HSwish", 1},
        {5, 288, 96, true, "HSwish", 2},
        {5, 576, 96, true, "HSwish", 1},
        {5, 576, 96, true, "HSwish", 1}}},
      {"small_075",
       {{3, 16, 16, true, "ReLU", 2},
        {3, 72, 24, false, "ReLU", 2},
        {3, 88, 24, false, "ReLU", 1},
        {5, 96, 32, true, "HSwish", 2},
        {5, 192, 32, true, "HSwish", 1},
        {5, 192, 32, true, "HSwish", 1},
        {5, 96, 40, true, "HSwish", 1},
        {5, 120, 40, true, "HSwish", 1},
        {5, 240, 72, true, "HSwish", 2},
        {5, 432, 72, true, "HSwish", 1},
        {5, 432, 72, true, "HSwish", 1}}},
      {"small_050",
       {{3, 16, 8, true, "ReLU", 2},
        {3, 40, 16, false, "ReLU", 2},
        {3, 56, 16, false, "ReLU", 1},
        {5, 64, 24, true, "HSwish", 2},
        {5, 144, 24, true, "HSwish", 1},
        {5, 144, 24, true, "HSwish", 1},
        {5, 72, 24, true, "HSwish", 1},
        {5, 72, 24, true, "HSwish", 1},
        {5, 144, 48, true, "HSwish", 2},
        {5, 288, 48, true, "HSwish", 1},
        {5, 288, 48, true, "HSwish", 1}}},
      {"large",
       {{3, 16, 16, false, "ReLU", 1},
        {3, 64, 24, false, "ReLU", 2},
        {3, 72, 24, false, "ReLU", 1},
        {5, 72, 40, true, "ReLU", 2},
        {5, 120, 40, true, "ReLU", 1},
        {5, 120, 40, true, "ReLU", 1},
        {3, 240, 80, false, "HSwish", 2},
        {3, 200, 80, false, "HSwish", 1},
        {3, 184, 80, false, "HSwish", 1},
        {3, 184, 80, false, "HSwish", 1},
        {3, 480, 112, true, "HSwish", 1},
        {3, 672, 112, true, "HSwish", 1},
        {5, 672, 160, true, "HSwish", 2},
        {5, 960, 160, true, "HSwish", 1},
        {5, 960, 160, true, "HSwish", 1}}}};
  return arch;
}

MobileNetV3Options::MobileNetV3Options() {
  norm_cfg = make_dict({{"type", Value("BN")}, {"eps", Value(0.001)}, {"momentum", Value(0.01)}});
  init_cfg = Value::list({make_dict({{"type", Value("Kaiming")},
                                     {"layer", Value::list({Value("Conv2d")})},
                                     {"nonlinearity", Value("leaky_relu")}}),
                          make_dict({{"type", Value("Normal")},
                                     {"layer", Value::list({Value("Linear")})},
                                     {"std", Value(0.01)}}),
                          make_dict({{"type", Value("Constant")},
                                     {"layer", Value::list({Value("BatchNorm2d")})},
                                     {"val", Value(1)}})});
}

MobileNetV3Impl::MobileNetV3Impl(MobileNetV3Options options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  const auto& table = mobilenet_v3_arch_settings();
  auto it =
      std::find_if(table.begin(), table.end(), [&](const auto& e) { return e.first == o.arch; });
  if (it == table.end())
    throw Error("AssertionError", "MobileNetV3: arch '" + o.arch +
                                      "' is not one of small, small_075, small_050, large");
  const auto& setting = it->second;
  const auto n = static_cast<std::int64_t>(setting.size());
  out_indices_ = o.out_indices.value_or(std::vector<std::int64_t>{
      o.arch.find("small") != std::string::npos ? std::int64_t{12} : std::int64_t{16}});
  for (auto i : out_indices_)
    if (i < 0 || i >= n + 2)
      throw Error("ValueError", "the item in out_indices must in range(0, " +
                                    std::to_string(n + 2) + "). But received " + std::to_string(i));
  if (o.frozen_stages < -1 || o.frozen_stages >= n + 2)
    throw Error("ValueError", "frozen_stages must be in range(-1, " + std::to_string(n + 2) +
                                  "). But received " + std::to_string(o.frozen_stages));

  const Value hswish = make_dict({{"type", Value("HSwish")}});
  std::int64_t in = 16;
  layers_.push_back(
      engine::register_layer(*this, "layer0",
                             engine::Layer(mmcv::ConvModule(mmcv::ConvModuleOptions(3, in, Value(3))
                                                                .stride(Value(2))
                                                                .padding(Value(1))
                                                                .conv_cfg(o.conv_cfg)
                                                                .norm_cfg(o.norm_cfg)
                                                                .act_cfg(hswish))
                                               .ptr())));
  for (std::size_t i = 0; i < setting.size(); ++i) {
    const auto& s = setting[i];
    InvertedResidualOptions b;
    b.in_channels = in;
    b.out_channels = s.out_channels;
    b.mid_channels = s.mid_channels;
    b.kernel_size = s.kernel_size;
    b.stride = s.stride;
    if (s.with_se)
      b.se_cfg = make_dict({{"channels", Value(s.mid_channels)},
                            {"ratio", Value(4)},
                            {"act_cfg", Value::tuple({make_dict({{"type", Value("ReLU")}}),
                                                      make_dict({{"type", Value("HSigmoid")},
                                                                 {"bias", Value(3)},
                                                                 {"divisor", Value(6)},
                                                                 {"min_value", Value(0)},
                                                                 {"max_value", Value(1)}})})}});
    b.conv_cfg = o.conv_cfg;
    b.norm_cfg = o.norm_cfg;
    b.act_cfg = make_dict({{"type", Value(s.act)}});
    b.with_cp = o.with_cp;
    in = s.out_channels;
    layers_.push_back(engine::register_layer(*this, "layer" + std::to_string(i + 1),
                                             engine::Layer(InvertedResidual(b).ptr())));
  }
  const std::int64_t last_mid = setting.back().mid_channels;
  layers_.push_back(engine::register_layer(
      *this, "layer" + std::to_string(n + 1),
      engine::Layer(mmcv::ConvModule(mmcv::ConvModuleOptions(in, last_mid, Value(1))
                                         .conv_cfg(o.conv_cfg)
                                         .norm_cfg(o.norm_cfg)
                                         .act_cfg(hswish))
                        .ptr())));
  feat_dim_ = setting.back().mid_channels;
}

std::shared_ptr<MobileNetV3Impl> MobileNetV3Impl::from_config(registry::BuildArgs& a) {
  MobileNetV3Options o;
  o.arch = a.get_str("arch", o.arch);
  o.conv_cfg = a.value("conv_cfg");
  if (a.has("norm_cfg")) o.norm_cfg = a.value("norm_cfg");
  if (a.has("out_indices") && !a.value("out_indices").is_none())
    o.out_indices = a.get_int_list("out_indices", {});
  o.frozen_stages = a.get_int("frozen_stages", o.frozen_stages);
  o.norm_eval = a.get_bool("norm_eval", o.norm_eval);
  o.with_cp = a.get_bool("with_cp", o.with_cp);
  if (a.has("init_cfg")) o.init_cfg = a.value("init_cfg");
  return std::make_shared<MobileNetV3Impl>(o);
}

Feats MobileNetV3Impl::forward(const torch::Tensor& input) {
  Feats outs;
  torch::Tensor x = input;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    x = layers_[i](x);
    if (std::find(out_indices_.begin(), out_indices_.end(), static_cast<std::int64_t>(i)) !=
        out_indices_.end())
      outs.push_back(x);
  }
  return outs;
}

void MobileNetV3Impl::freeze_stages() {
  for (std::int64_t i = 0; i <= options_.frozen_stages; ++i)
    freeze(layers_[static_cast<std::size_t>(i)].module());
}

void MobileNetV3Impl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
  if (on && options_.norm_eval) set_batch_norms_eval(*this);
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::MobileNetV3Impl, "MobileNetV3",
                  "dict(type='MobileNetV3', arch='small')");
