#include "mmcpp/pretrain/models/utils/se_layer.h"

#include <torch/nn/modules/pooling.h>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/pretrain/models/utils/make_divisible.h"

namespace mmcpp::pretrain {

using config::Value;

SELayerImpl::SELayerImpl(SELayerOptions o)
    : engine::BaseModule(o.init_cfg()), return_weight_(o.return_weight()) {
  Value act = o.act_cfg();
  Value act1, act2;
  if (act.is_none()) {
    act1 = mmcv::make_dict({{"type", Value("ReLU")}});
    act2 = mmcv::make_dict({{"type", Value("Sigmoid")}});
  } else if (act.is_dict()) {
    act1 = act2 = act;
  } else if (act.is_sequence() && act.items().size() == 2 && act.items()[0].is_dict() &&
             act.items()[1].is_dict()) {
    act1 = act.items()[0];
    act2 = act.items()[1];
  } else {
    throw Error("AssertionError",
                "SELayer: act_cfg must be a dict or a pair of dicts, got " + act.repr());
  }
  global_avgpool_ = engine::register_layer(*this, "global_avgpool",
                                           engine::Layer(torch::nn::AdaptiveAvgPool2d(1).ptr()));
  std::int64_t squeeze = o.squeeze_channels().value_or(
      make_divisible(static_cast<double>(o.channels() / o.ratio()), o.divisor()));
  if (squeeze <= 0)
    throw Error("AssertionError", "\"squeeze_channels\" should be a positive integer, but get " +
                                      std::to_string(squeeze) + " instead.");
  conv1_ = register_module("conv1",
                           mmcv::ConvModule(mmcv::ConvModuleOptions(o.channels(), squeeze, Value(1))
                                                .stride(Value(1))
                                                .bias(o.bias())
                                                .conv_cfg(o.conv_cfg())
                                                .act_cfg(act1)));
  conv2_ = register_module("conv2",
                           mmcv::ConvModule(mmcv::ConvModuleOptions(squeeze, o.channels(), Value(1))
                                                .stride(Value(1))
                                                .bias(o.bias())
                                                .conv_cfg(o.conv_cfg())
                                                .act_cfg(act2)));
}

torch::Tensor SELayerImpl::forward(const torch::Tensor& x) {
  torch::Tensor out = conv2_->forward(conv1_->forward(global_avgpool_(x)));
  return return_weight_ ? out : x * out;
}

}  // namespace mmcpp::pretrain
