// LeViTClsHead and BatchNormLinear (mmpretrain/models/heads/levit_head.py).
//
// LeViTClsHead(num_classes=1000, distillation=True, in_channels=None,
// deploy=False, **ClsHead kwargs (loss, topk, cal_acc, init_cfg=None)):
// head = BatchNormLinear(in_channels, num_classes) (bn: BN1d, then linear),
// and head_dist (the same) with distillation. forward(feats) on the last
// feature: head(x), or with distillation the mean of head(x) and
// head_dist(x) in eval mode; in training mode with distillation it is
// MMPretrain's NotImplementedError ("MMPretrain doesn't support training in
// distillation mode."), so the LeViT configs cannot train, as in Python.
// switch_to_deploy() (and deploy=True) replaces each BatchNormLinear by its
// fused Linear: `head.head.weight`/`bias`. (MMPretrain 1.2's deploy=True
// calls `self.switch_to_deploy(self)`, a TypeError: its LeViT deploy configs
// do not build there; here they build the fused head.)
#pragma once

#include <torch/nn/modules/linear.h>

#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/repvgg.h"  // SwitchToDeployInterface
#include "mmcpp/pretrain/models/heads/cls_head.h"

namespace mmcpp::pretrain {

// BatchNormLinear(in_channels, out_channels, norm_cfg=dict(type='BN1d')).
class BatchNormLinearImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("BatchNormLinear", "BaseModule")
  BatchNormLinearImpl(std::int64_t in_channels, std::int64_t out_channels,
                      const config::Value& norm_cfg);
  torch::Tensor forward(const torch::Tensor& x) override;
  // A Linear computing linear(bn(x)) with the eval-mode bn folded in.
  engine::Layer fuse() const;

 private:
  engine::Layer bn_;
  torch::nn::Linear linear_{nullptr};
};
TORCH_MODULE(BatchNormLinear);

class LeViTClsHeadImpl : public ClsHeadImpl, public SwitchToDeployInterface {
 public:
  MMCPP_PYTHON_CLASS("LeViTClsHead", "ClsHead")
  LeViTClsHeadImpl(std::int64_t num_classes, bool distillation, std::int64_t in_channels,
                   bool deploy, ClsHeadOptions options);
  // Example: dict(type='LeViTClsHead', num_classes=10, in_channels=64).
  static std::shared_ptr<LeViTClsHeadImpl> from_config(registry::BuildArgs& args);

  torch::Tensor forward(const Feats& feats) override;
  void switch_to_deploy() override;
  bool deploy() const { return deploy_; }

 private:
  bool distillation_, deploy_ = false;
  engine::Layer head_, head_dist_;
};
TORCH_MODULE(LeViTClsHead);

}  // namespace mmcpp::pretrain
