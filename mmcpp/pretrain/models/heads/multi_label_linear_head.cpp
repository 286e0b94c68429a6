#include "mmcpp/pretrain/models/heads/multi_label_linear_head.h"

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/heads/linear_head.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

MultiLabelLinearClsHeadImpl::MultiLabelLinearClsHeadImpl(std::int64_t num_classes,
                                                         std::int64_t in_channels,
                                                         MultiLabelClsHeadOptions options)
    : MultiLabelClsHeadImpl(std::move(options)) {
  if (num_classes <= 0)
    throw Error("AssertionError",
                "num_classes (" + std::to_string(num_classes) + ") must be a positive integer.");
  fc = register_module("fc", torch::nn::Linear(in_channels, num_classes));
}

std::shared_ptr<MultiLabelLinearClsHeadImpl> MultiLabelLinearClsHeadImpl::from_config(
    registry::BuildArgs& args) {
  std::int64_t num_classes = args.require_int("num_classes");
  std::int64_t in_channels = args.require_int("in_channels");
  return std::make_shared<MultiLabelLinearClsHeadImpl>(
      num_classes, in_channels,
      MultiLabelClsHeadOptions::read(args, linear_head_default_init_cfg()));
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::MultiLabelLinearClsHeadImpl,
                  "MultiLabelLinearClsHead",
                  "dict(type='MultiLabelLinearClsHead', num_classes=10, in_channels=64)");
