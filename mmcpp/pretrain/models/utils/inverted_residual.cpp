#include "mmcpp/pretrain/models/utils/inverted_residual.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"

namespace mmcpp::pretrain {

using config::Value;

SELayer build_se_layer(const Value& se_cfg) {
  if (!se_cfg.is_dict()) throw Error("AssertionError", "se_cfg must be a dict");
  const auto& d = se_cfg.as_dict();
  const Value* ch = d.find("channels");
  if (!ch) throw Error("TypeError", "SELayer: missing required argument 'channels'");
  SELayerOptions o(ch->as_int());
  for (const auto& [k, v] : d.entries()) {
    const std::string& key = k.as_str();
    if (key == "channels") continue;
    if (key == "squeeze_channels") {
      if (!v.is_none()) o.squeeze_channels(v.as_int());
    } else if (key == "ratio") {
      o.ratio(v.as_int());
    } else if (key == "divisor") {
      o.divisor(v.as_int());
    } else if (key == "bias") {
      o.bias(v);
    } else if (key == "conv_cfg") {
      o.conv_cfg(v);
    } else if (key == "act_cfg") {
      o.act_cfg(v);
    } else if (key == "return_weight") {
      o.return_weight(v.truthy());
    } else if (key == "init_cfg") {
      o.init_cfg(v);
    } else {
      throw Error("TypeError", "SELayer: __init__() got an unexpected keyword argument '" + key +
                                   "' (known: channels, squeeze_channels, ratio, divisor, bias, "
                                   "conv_cfg, act_cfg, return_weight, init_cfg)");
    }
  }
  return SELayer(o);
}

InvertedResidualOptions::InvertedResidualOptions() {
  norm_cfg = mmcv::make_dict({{"type", Value("BN")}});
  act_cfg = mmcv::make_dict({{"type", Value("ReLU")}});
}

InvertedResidualImpl::InvertedResidualImpl(InvertedResidualOptions o)
    : engine::BaseModule(o.init_cfg) {
  with_res_shortcut_ = o.stride == 1 && o.in_channels == o.out_channels;
  if (o.stride != 1 && o.stride != 2)
    throw Error("AssertionError", "InvertedResidual: stride must be 1 or 2");
  drop_path_ = engine::register_layer(*this, "drop_path",
                                      o.drop_path_rate > 0
                                          ? engine::Layer(mmcv::DropPath(o.drop_path_rate).ptr())
                                          : engine::Layer(torch::nn::Identity().ptr()));
  if (!o.se_cfg.is_none() && !o.se_cfg.is_dict())
    throw Error("AssertionError", "InvertedResidual: se_cfg must be a dict");
  auto cm = [&](std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t stride,
                std::int64_t groups, const Value& act) {
    return mmcv::ConvModule(mmcv::ConvModuleOptions(in, out, Value(k))
                                .stride(Value(stride))
                                .padding(Value(k / 2))
                                .groups(groups)
                                .conv_cfg(o.conv_cfg)
                                .norm_cfg(o.norm_cfg)
                                .act_cfg(act));
  };
  if (o.mid_channels != o.in_channels)
    expand_conv_ =
        register_module("expand_conv", cm(o.in_channels, o.mid_channels, 1, 1, 1, o.act_cfg));
  depthwise_conv_ = register_module(
      "depthwise_conv",
      cm(o.mid_channels, o.mid_channels, o.kernel_size, o.stride, o.mid_channels, o.act_cfg));
  if (o.se_cfg.is_dict()) se_ = register_module("se", build_se_layer(o.se_cfg));
  linear_conv_ =
      register_module("linear_conv", cm(o.mid_channels, o.out_channels, 1, 1, 1, Value()));
}

torch::Tensor InvertedResidualImpl::forward(const torch::Tensor& x) {
  torch::Tensor out = x;
  if (expand_conv_) out = expand_conv_->forward(out);
  out = depthwise_conv_->forward(out);
  if (se_) out = se_->forward(out);
  out = linear_conv_->forward(out);
  if (with_res_shortcut_) return x + drop_path_(out);
  return out;
}

}  // namespace mmcpp::pretrain
