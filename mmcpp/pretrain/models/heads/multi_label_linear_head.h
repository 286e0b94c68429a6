// MultiLabelLinearClsHead (mmpretrain/models/heads/multi_label_linear_head.py):
// MultiLabelClsHead + `fc` Linear(in_channels, num_classes).
// MultiLabelLinearClsHead(num_classes, in_channels, loss=dict(type=
// 'CrossEntropyLoss', use_sigmoid=True), thr=None, topk=None,
// init_cfg=dict(type='Normal', layer='Linear', std=0.01)).
#pragma once

#include <torch/nn/modules/linear.h>

#include "mmcpp/pretrain/models/heads/multi_label_cls_head.h"

namespace mmcpp::pretrain {

class MultiLabelLinearClsHeadImpl : public MultiLabelClsHeadImpl {
 public:
  MMCPP_PYTHON_CLASS("MultiLabelLinearClsHead", "MultiLabelClsHead")
  MultiLabelLinearClsHeadImpl(std::int64_t num_classes, std::int64_t in_channels,
                              MultiLabelClsHeadOptions options);
  // Example: dict(type='MultiLabelLinearClsHead', num_classes=10, in_channels=64).
  static std::shared_ptr<MultiLabelLinearClsHeadImpl> from_config(registry::BuildArgs& args);
  torch::Tensor forward(const Feats& feats) override { return fc(pre_logits(feats)); }

  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(MultiLabelLinearClsHead);

}  // namespace mmcpp::pretrain
