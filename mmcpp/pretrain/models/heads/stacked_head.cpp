#include "mmcpp/pretrain/models/heads/stacked_head.h"

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/activation.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;

LinearBlockImpl::LinearBlockImpl(std::int64_t in_channels, std::int64_t out_channels,
                                 double dropout_rate, const Value& norm_cfg, const Value& act_cfg,
                                 Value init_cfg)
    : engine::BaseModule(std::move(init_cfg)) {
  fc_ = register_module("fc", torch::nn::Linear(in_channels, out_channels));
  if (!norm_cfg.is_none())
    norm_ = engine::register_layer(*this, "norm",
                                   mmcv::build_norm_layer(norm_cfg, out_channels).second);
  if (!act_cfg.is_none())
    act_ = engine::register_layer(*this, "act", mmcv::build_activation_layer(act_cfg));
  if (dropout_rate > 0)
    dropout_ =
        register_module("dropout", torch::nn::Dropout(torch::nn::DropoutOptions(dropout_rate)));
}

torch::Tensor LinearBlockImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = fc_(input);
  if (norm_) x = norm_(x);
  if (act_) x = act_(x);
  if (dropout_) x = dropout_(x);
  return x;
}

StackedLinearClsHeadImpl::StackedLinearClsHeadImpl(std::int64_t num_classes,
                                                   std::int64_t in_channels,
                                                   std::vector<std::int64_t> mid_channels,
                                                   double dropout_rate, Value norm_cfg,
                                                   Value act_cfg, ClsHeadOptions options)
    : ClsHeadImpl(std::move(options)) {
  if (num_classes <= 0)
    throw Error("ValueError",
                "num_classes=" + std::to_string(num_classes) + " must be a positive integer");
  if (mid_channels.empty())
    throw Error("IndexError", "StackedLinearClsHead: mid_channels must not be empty");
  layers_ = register_module("layers", engine::ModuleList());
  std::int64_t in = in_channels;
  for (std::int64_t hidden : mid_channels) {
    layers_->push_back(LinearBlock(in, hidden, dropout_rate, norm_cfg, act_cfg).ptr());
    in = hidden;
  }
  layers_->push_back(LinearBlock(mid_channels.back(), num_classes, 0., Value(), Value()).ptr());
}

std::shared_ptr<StackedLinearClsHeadImpl> StackedLinearClsHeadImpl::from_config(
    registry::BuildArgs& args) {
  std::int64_t num_classes = args.require_int("num_classes");
  std::int64_t in_channels = args.require_int("in_channels");
  Value mid = args.require("mid_channels");
  if (!mid.is_sequence())
    throw Error("AssertionError",
                "`mid_channels` of StackedLinearClsHead should be a sequence, "
                "instead of " +
                    mid.type_name());
  std::vector<std::int64_t> mid_channels = args.get_int_list("mid_channels", {});
  double dropout_rate = args.get_float("dropout_rate", 0.);
  Value norm_cfg = args.value("norm_cfg");
  Value act_cfg = args.has("act_cfg") ? args.value("act_cfg") : Value::dict(false);
  if (!args.has("act_cfg")) act_cfg.as_dict().set("type", Value("ReLU"));
  return std::make_shared<StackedLinearClsHeadImpl>(num_classes, in_channels, mid_channels,
                                                    dropout_rate, norm_cfg, act_cfg,
                                                    ClsHeadOptions::read(args));
}

torch::Tensor StackedLinearClsHeadImpl::pre_logits(const Feats& feats) {
  torch::Tensor x = ClsHeadImpl::pre_logits(feats);
  for (std::size_t i = 0; i + 1 < layers_->size(); ++i)
    x = layers_->at<LinearBlockImpl>(i).forward(x);
  return x;
}

torch::Tensor StackedLinearClsHeadImpl::forward(const Feats& feats) {
  return layers_->at<LinearBlockImpl>(layers_->size() - 1).forward(pre_logits(feats));
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::StackedLinearClsHeadImpl,
                  "StackedLinearClsHead",
                  "dict(type='StackedLinearClsHead', num_classes=10, in_channels=64, "
                  "mid_channels=[32])");
