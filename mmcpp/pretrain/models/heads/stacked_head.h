// StackedLinearClsHead (mmpretrain/models/heads/stacked_head.py).
//
// StackedLinearClsHead(num_classes, in_channels, mid_channels (sequence),
// dropout_rate=0., norm_cfg=None, act_cfg=dict(type='ReLU'), **ClsHead kwargs):
// `layers` (ModuleList) of LinearBlock(fc, norm, act, dropout) for each hidden
// size, then LinearBlock(mid_channels[-1], num_classes) without norm/act/dropout.
#pragma once

#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include "mmcpp/pretrain/models/heads/cls_head.h"

namespace mmcpp::pretrain {

class LinearBlockImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("LinearBlock", "BaseModule")
  LinearBlockImpl(std::int64_t in_channels, std::int64_t out_channels, double dropout_rate,
                  const config::Value& norm_cfg, const config::Value& act_cfg,
                  config::Value init_cfg = config::Value());
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  torch::nn::Linear fc_{nullptr};
  engine::Layer norm_, act_;
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(LinearBlock);

class StackedLinearClsHeadImpl : public ClsHeadImpl {
 public:
  MMCPP_PYTHON_CLASS("StackedLinearClsHead", "ClsHead")
  StackedLinearClsHeadImpl(std::int64_t num_classes, std::int64_t in_channels,
                           std::vector<std::int64_t> mid_channels, double dropout_rate,
                           config::Value norm_cfg, config::Value act_cfg, ClsHeadOptions options);
  // Example: dict(type='StackedLinearClsHead', num_classes=10, in_channels=64, mid_channels=[32]).
  static std::shared_ptr<StackedLinearClsHeadImpl> from_config(registry::BuildArgs& args);

  torch::Tensor pre_logits(const Feats& feats) override;
  torch::Tensor forward(const Feats& feats) override;

 private:
  engine::ModuleList layers_{nullptr};
};
TORCH_MODULE(StackedLinearClsHead);

}  // namespace mmcpp::pretrain
