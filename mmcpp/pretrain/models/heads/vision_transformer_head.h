// VisionTransformerClsHead (mmpretrain/models/heads/vision_transformer_head.py).
//
// VisionTransformerClsHead(num_classes, in_channels, hidden_dim=None,
// act_cfg=dict(type='Tanh'), init_cfg=dict(type='Constant', layer='Linear',
// val=0), **ClsHead kwargs): `layers` (mmengine Sequential) = head, or
// pre_logits / act / head with a hidden layer, whose weight init_weights()
// sets to LeCun-normal (truncated, std sqrt(1/in)) and bias to 0.
// The last feature is the cls token (N, C).
#pragma once

#include <torch/nn/modules/linear.h>

#include <optional>

#include "mmcpp/pretrain/models/heads/cls_head.h"

namespace mmcpp::pretrain {

class VisionTransformerClsHeadImpl : public ClsHeadImpl {
 public:
  MMCPP_PYTHON_CLASS("VisionTransformerClsHead", "ClsHead")
  VisionTransformerClsHeadImpl(std::int64_t num_classes, std::int64_t in_channels,
                               std::optional<std::int64_t> hidden_dim, config::Value act_cfg,
                               ClsHeadOptions options);
  // Example: dict(type='VisionTransformerClsHead', num_classes=10, in_channels=64).
  static std::shared_ptr<VisionTransformerClsHeadImpl> from_config(registry::BuildArgs& args);

  void init_weights() override;
  torch::Tensor pre_logits(const Feats& feats) override;
  torch::Tensor forward(const Feats& feats) override;

  engine::SequentialImpl& layers() { return *layers_; }

 protected:
  std::int64_t num_classes_, in_channels_;
  std::optional<std::int64_t> hidden_dim_;
  config::Value act_cfg_;
  engine::Sequential layers_{nullptr};
  torch::nn::Linear head_{nullptr}, pre_logits_{nullptr};
  engine::Layer act_;
};
TORCH_MODULE(VisionTransformerClsHead);

// VisionTransformerClsHead's arguments (DeiTClsHead shares them).
struct VisionTransformerClsHeadArgs {
  std::int64_t num_classes, in_channels;
  std::optional<std::int64_t> hidden_dim;
  config::Value act_cfg;
  ClsHeadOptions options;
  static VisionTransformerClsHeadArgs read(registry::BuildArgs& args);
};

}  // namespace mmcpp::pretrain
