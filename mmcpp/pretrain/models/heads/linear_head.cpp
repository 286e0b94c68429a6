#include "mmcpp/pretrain/models/heads/linear_head.h"

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;

Value linear_head_default_init_cfg() {
  Value v = Value::dict(false);
  v.as_dict().set("type", Value("Normal"));
  v.as_dict().set("layer", Value("Linear"));
  v.as_dict().set("std", Value(0.01));
  return v;
}

LinearClsHeadImpl::LinearClsHeadImpl(std::int64_t num_classes, std::int64_t in_channels,
                                     ClsHeadOptions options)
    : ClsHeadImpl(std::move(options)) {
  if (num_classes <= 0)
    throw Error("ValueError",
                "num_classes=" + std::to_string(num_classes) + " must be a positive integer");
  fc = register_module("fc", torch::nn::Linear(in_channels, num_classes));
}

std::shared_ptr<LinearClsHeadImpl> LinearClsHeadImpl::from_config(registry::BuildArgs& args) {
  std::int64_t num_classes = args.require_int("num_classes");
  std::int64_t in_channels = args.require_int("in_channels");
  return std::make_shared<LinearClsHeadImpl>(
      num_classes, in_channels, ClsHeadOptions::read(args, linear_head_default_init_cfg()));
}

torch::Tensor LinearClsHeadImpl::pre_logits(const Feats& feats) {
  return ClsHeadImpl::pre_logits(feats);
}

torch::Tensor LinearClsHeadImpl::forward(const Feats& feats) { return fc(pre_logits(feats)); }

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::LinearClsHeadImpl, "LinearClsHead",
                  "dict(type='LinearClsHead', num_classes=10, in_channels=64, topk=(1, 5))");
