#include "mmcpp/pretrain/models/necks/linear_neck.h"

#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/activation.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;

LinearNeckImpl::LinearNeckImpl(std::int64_t in_channels, std::int64_t out_channels,
                               std::int64_t gap_dim, const Value& norm_cfg, const Value& act_cfg,
                               Value init_cfg)
    : engine::BaseModule(std::move(init_cfg)) {
  namespace nn = torch::nn;
  if (gap_dim == 0)
    gap_ = engine::Layer(nn::Identity().ptr());
  else if (gap_dim == 1)
    gap_ = engine::Layer(nn::AdaptiveAvgPool1d(1).ptr());
  else if (gap_dim == 2)
    gap_ = engine::Layer(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1})).ptr());
  else if (gap_dim == 3)
    gap_ = engine::Layer(nn::AdaptiveAvgPool3d(nn::AdaptiveAvgPool3dOptions({1, 1, 1})).ptr());
  else
    throw Error("AssertionError", "GlobalAveragePooling dim only support (0, 1, 2, 3), get " +
                                      std::to_string(gap_dim) + " instead.");
  engine::register_layer(*this, "gap", gap_);
  fc_ = register_module("fc", nn::Linear(in_channels, out_channels));
  norm_ = engine::register_layer(*this, "norm",
                                 norm_cfg.truthy()
                                     ? mmcv::build_norm_layer(norm_cfg, out_channels).second
                                     : engine::Layer(nn::Identity().ptr()));
  act_ = engine::register_layer(*this, "act",
                                act_cfg.truthy() ? mmcv::build_activation_layer(act_cfg)
                                                 : engine::Layer(nn::Identity().ptr()));
}

std::shared_ptr<LinearNeckImpl> LinearNeckImpl::from_config(registry::BuildArgs& args) {
  std::int64_t in = args.require_int("in_channels");
  std::int64_t out = args.require_int("out_channels");
  std::int64_t gap_dim = args.get_int("gap_dim", 0);
  Value norm_cfg;
  if (args.has("norm_cfg")) {
    norm_cfg = args.value("norm_cfg");
  } else {
    norm_cfg = Value::dict(false);
    norm_cfg.as_dict().set("type", Value("BN1d"));
  }
  return std::make_shared<LinearNeckImpl>(in, out, gap_dim, norm_cfg, args.value("act_cfg"),
                                          args.value("init_cfg"));
}

Feats LinearNeckImpl::forward(const Feats& inputs) {
  if (inputs.empty()) throw Error("AssertionError", "LinearNeck: no input features");
  torch::Tensor x = gap_(inputs.back());
  x = x.view({x.size(0), -1});
  return {act_(norm_(fc_(x)))};
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::LinearNeckImpl, "LinearNeck",
                  "dict(type='LinearNeck', in_channels=64, out_channels=32)");
