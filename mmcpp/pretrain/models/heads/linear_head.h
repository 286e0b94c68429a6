// LinearClsHead (mmpretrain/models/heads/linear_head.py): ClsHead + `fc`
// (Linear(in_channels, num_classes)) on the last feature.
// LinearClsHead(num_classes, in_channels, init_cfg=dict(type='Normal',
// layer='Linear', std=0.01), **ClsHead kwargs). ValueError for num_classes <= 0.
#pragma once

#include <torch/nn/modules/linear.h>

#include "mmcpp/pretrain/models/heads/cls_head.h"

namespace mmcpp::pretrain {

class LinearClsHeadImpl : public ClsHeadImpl {
 public:
  MMCPP_PYTHON_CLASS("LinearClsHead", "ClsHead")
  LinearClsHeadImpl(std::int64_t num_classes, std::int64_t in_channels, ClsHeadOptions options);
  // Example: dict(type='LinearClsHead', num_classes=10, in_channels=64, topk=(1, 5)).
  static std::shared_ptr<LinearClsHeadImpl> from_config(registry::BuildArgs& args);

  torch::Tensor pre_logits(const Feats& feats) override;
  torch::Tensor forward(const Feats& feats) override;

  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(LinearClsHead);

// dict(type='Normal', layer='Linear', std=0.01)
config::Value linear_head_default_init_cfg();

}  // namespace mmcpp::pretrain
