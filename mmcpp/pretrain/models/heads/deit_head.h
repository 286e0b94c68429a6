// DeiTClsHead (mmpretrain/models/heads/deit_head.py): VisionTransformerClsHead
// plus `layers.head_dist` for the distillation token; the score is the mean of
// head(cls_token) and head_dist(dist_token). The last feature stacks
// (cls_token, dist_token) along a new first dimension (or (patch, cls, dist)).
// pre_logits() returns them stacked the same way.
#pragma once

#include "mmcpp/pretrain/models/heads/vision_transformer_head.h"

namespace mmcpp::pretrain {

class DeiTClsHeadImpl : public VisionTransformerClsHeadImpl {
 public:
  MMCPP_PYTHON_CLASS("DeiTClsHead", "VisionTransformerClsHead")
  DeiTClsHeadImpl(std::int64_t num_classes, std::int64_t in_channels,
                  std::optional<std::int64_t> hidden_dim, config::Value act_cfg,
                  ClsHeadOptions options);
  // Example: dict(type='DeiTClsHead', num_classes=10, in_channels=64).
  static std::shared_ptr<DeiTClsHeadImpl> from_config(registry::BuildArgs& args);

  torch::Tensor pre_logits(const Feats& feats) override;
  torch::Tensor forward(const Feats& feats) override;

 private:
  torch::nn::Linear head_dist_{nullptr};
};
TORCH_MODULE(DeiTClsHead);

}  // namespace mmcpp::pretrain
