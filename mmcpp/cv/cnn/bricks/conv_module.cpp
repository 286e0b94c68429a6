#include "mmcpp/cv/cnn/bricks/conv_module.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include <algorithm>
#include <set>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/activation.h"
#include "mmcpp/cv/cnn/bricks/conv.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/cv/cnn/bricks/padding.h"
#include "mmcpp/engine/model/weight_init.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::mmcv {

using config::Value;

ConvModuleOptions::ConvModuleOptions(std::int64_t in_channels, std::int64_t out_channels,
                                     Value kernel_size)
    : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(std::move(kernel_size)) {
  act_cfg_ = make_dict({{"type", Value("ReLU")}});
}

namespace {

// efficient_conv_bn_eval_forward: conv and an eval-mode BN folded into one conv.
torch::Tensor fused_conv_bn(const torch::nn::Conv2dImpl& conv, torch::nn::Module& bn_module,
                            const torch::Tensor& x) {
  auto& bn = dynamic_cast<torch::nn::BatchNorm2dImpl&>(bn_module);
  torch::Tensor running_var = bn.running_var;
  torch::Tensor conv_bias = conv.bias.defined() ? conv.bias : torch::zeros_like(running_var);
  torch::Tensor bn_weight = bn.weight.defined() ? bn.weight : torch::ones_like(running_var);
  torch::Tensor bn_bias = bn.bias.defined() ? bn.bias : torch::zeros_like(running_var);
  std::vector<std::int64_t> shape(static_cast<std::size_t>(conv.weight.dim()), 1);
  shape[0] = -1;
  torch::Tensor weight_coeff = torch::rsqrt(running_var + bn.options.eps()).reshape(shape);
  torch::Tensor coeff = bn_weight.view_as(weight_coeff) * weight_coeff;
  torch::Tensor weight = conv.weight * coeff;
  torch::Tensor bias = bn_bias + coeff.flatten() * (conv_bias - bn.running_mean);
  const auto& o = conv.options;
  const auto& padding = c10::get<torch::ExpandingArray<2>>(o.padding());
  return torch::conv2d(x, weight, bias, *o.stride(), *padding, *o.dilation(), o.groups());
}

bool can_fuse(const engine::Layer& conv, const engine::Layer& norm) {
  auto* c = conv.as<torch::nn::Conv2dImpl>();
  auto* bn = norm.as<torch::nn::BatchNorm2dImpl>();
  return c && bn && bn->options.track_running_stats() &&
         c10::get_if<torch::ExpandingArray<2>>(&c->options.padding()) &&
         c10::get_if<torch::enumtype::kZeros>(&c->options.padding_mode());
}

}  // namespace

ConvModuleImpl::ConvModuleImpl(ConvModuleOptions o) : options_(std::move(o)) {
  const auto& opt = options_;
  for (const auto* cfg : {&opt.conv_cfg(), &opt.norm_cfg(), &opt.act_cfg()})
    if (!cfg->is_none() && !cfg->is_dict())
      throw Error("AssertionError",
                  "ConvModule: conv_cfg, norm_cfg and act_cfg must be dicts or "
                  "None, got " +
                      cfg->repr());
  static const std::set<std::string> official_padding = {"zeros", "circular"};
  with_explicit_padding_ = !official_padding.count(opt.padding_mode());
  const auto& order = opt.order();
  if (order.size() != 3 || std::set<std::string>(order.begin(), order.end()) !=
                               std::set<std::string>{"conv", "norm", "act"})
    throw Error("AssertionError", "ConvModule: order must be a permutation of conv, norm, act");
  if (opt.with_spectral_norm())
    throw Error("NotImplementedError",
                "ConvModule: with_spectral_norm=True is not supported by mmcpp "
                "(torch.nn.utils.spectral_norm has no LibTorch counterpart here)");
  const bool with_norm = !opt.norm_cfg().is_none();
  const Value& bias = opt.bias();
  if (bias.is_str()) {
    if (bias.as_str() != "auto")
      throw Error("ValueError", "ConvModule: bias must be a bool or 'auto', got " + bias.repr());
    with_bias_ = !with_norm;
  } else {
    with_bias_ = bias.truthy();
  }

  if (with_explicit_padding_)
    padding_layer_ = engine::register_layer(
        *this, "padding_layer",
        build_padding_layer(make_dict({{"type", Value(opt.padding_mode())}}), {opt.padding()}));
  Value conv_padding = with_explicit_padding_ ? Value(0) : opt.padding();
  conv_ = engine::register_layer(
      *this, "conv",
      build_conv_layer(opt.conv_cfg(),
                       {Value(opt.in_channels()), Value(opt.out_channels()), opt.kernel_size()},
                       {{"stride", opt.stride()},
                        {"padding", conv_padding},
                        {"dilation", opt.dilation()},
                        {"groups", Value(opt.groups())},
                        {"bias", Value(with_bias_)}}));

  if (with_norm) {
    auto norm_pos = std::find(order.begin(), order.end(), "norm");
    auto conv_pos = std::find(order.begin(), order.end(), "conv");
    std::int64_t channels = norm_pos > conv_pos ? opt.out_channels() : opt.in_channels();
    auto [name, norm] = build_norm_layer(opt.norm_cfg(), channels);
    norm_name_ = name;
    norm_ = engine::register_layer(*this, name, norm);
  }
  efficient_conv_bn_eval_ = opt.efficient_conv_bn_eval() && with_norm && can_fuse(conv_, norm_);

  if (!opt.act_cfg().is_none()) {
    Value act = opt.act_cfg().deep_copy();
    static const std::set<std::string> no_inplace = {"Tanh",     "PReLU", "Sigmoid",
                                                     "HSigmoid", "Swish", "GELU"};
    const Value* type = act.as_dict().find("type");
    if (!type) throw Error("KeyError", "ConvModule: act_cfg " + act.repr() + " has no 'type'");
    if (!no_inplace.count(type->str()) && !act.as_dict().contains("inplace"))
      act.as_dict().set("inplace", Value(opt.inplace()));
    activate_ = engine::register_layer(*this, "activate", build_activation_layer(act));
  }
  init_weights();
}

void ConvModuleImpl::init_weights() {
  if (!dynamic_cast<engine::InitWeights*>(&conv_.module())) {
    std::string nonlinearity = "relu";
    double a = 0;
    if (activate_) {
      const Value& act = options_.act_cfg();
      if (act.as_dict().find("type")->str() == "LeakyReLU") {
        nonlinearity = "leaky_relu";
        const Value* slope = act.as_dict().find("negative_slope");
        a = slope ? slope->as_number() : 0.01;
      }
    }
    engine::kaiming_init(conv_.module(), a, "fan_out", nonlinearity);
  }
  if (norm_) engine::constant_init(norm_.module(), 1, 0);
}

torch::Tensor ConvModuleImpl::forward(const torch::Tensor& input, bool activate, bool norm) {
  const auto& order = options_.order();
  torch::Tensor x = input;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::string& layer = order[i];
    if (layer == "conv") {
      if (with_explicit_padding_) x = padding_layer_(x);
      if (efficient_conv_bn_eval_ && i + 1 < order.size() && order[i + 1] == "norm" && norm &&
          !norm_.module().is_training()) {
        x = fused_conv_bn(*conv_.as<torch::nn::Conv2dImpl>(), norm_.module(), x);
        ++i;
      } else {
        x = conv_(x);
      }
    } else if (layer == "norm" && norm && norm_) {
      x = norm_(x);
    } else if (layer == "act" && activate && activate_) {
      x = activate_(x);
    }
  }
  return x;
}

std::shared_ptr<ConvModuleImpl> ConvModuleImpl::from_config(registry::BuildArgs& args) {
  ConvModuleOptions o(args.require_int("in_channels"), args.require_int("out_channels"),
                      args.require("kernel_size"));
  o.stride(args.value_or("stride", Value(1)));
  o.padding(args.value_or("padding", Value(0)));
  o.dilation(args.value_or("dilation", Value(1)));
  o.groups(args.get_int("groups", 1));
  o.bias(args.value_or("bias", Value("auto")));
  o.conv_cfg(args.value("conv_cfg"));
  o.norm_cfg(args.value("norm_cfg"));
  if (args.has("act_cfg")) o.act_cfg(args.value("act_cfg"));
  o.inplace(args.get_bool("inplace", true));
  o.with_spectral_norm(args.get_bool("with_spectral_norm", false));
  o.padding_mode(args.get_str("padding_mode", "zeros"));
  if (args.has("order")) o.order(args.get_str_list("order", {}));
  o.efficient_conv_bn_eval(args.get_bool("efficient_conv_bn_eval", false));
  return std::make_shared<ConvModuleImpl>(o);
}

}  // namespace mmcpp::mmcv

MMCPP_REGISTER_AS(
    mmcpp::registry::MODELS, mmcpp::mmcv::ConvModuleImpl, "ConvModule",
    "dict(type='ConvModule', in_channels=3, out_channels=8, kernel_size=3, padding=1, "
    "norm_cfg=dict(type='BN'))");
