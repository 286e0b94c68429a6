// DistilledVisionTransformer (mmpretrain/models/backbones/deit.py).
//
// DistilledVisionTransformer(arch='deit-base', **VisionTransformer kwargs but
// with_cls_token, which is fixed to True): two extra tokens (cls_token and
// dist_token, the latter registered last: state dict cls_token, pos_embed,
// dist_token, patch_embed...). out_type='cls_token' outputs the pair (cls, dist)
// stacked along a new first dimension ((2, B, C), see Feats), as DeiTClsHead
// reads it. As in MMPretrain, forward skips pre_norm.
#pragma once

#include "mmcpp/pretrain/models/backbones/vision_transformer.h"

namespace mmcpp::pretrain {

class DistilledVisionTransformerImpl : public VisionTransformerImpl {
 public:
  MMCPP_PYTHON_CLASS("DistilledVisionTransformer", "VisionTransformer")
  explicit DistilledVisionTransformerImpl(VisionTransformerOptions options);
  // Example: dict(type='DistilledVisionTransformer', arch=dict(embed_dims=32,
  // num_layers=2, num_heads=2, feedforward_channels=64), img_size=32, patch_size=8).
  static std::shared_ptr<DistilledVisionTransformerImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void init_weights() override;
  torch::Tensor dist_token;

 protected:
  torch::Tensor format_output(const torch::Tensor& x, mmcv::Size2 hw) override;
};
TORCH_MODULE(DistilledVisionTransformer);

}  // namespace mmcpp::pretrain
