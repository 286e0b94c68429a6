// LinearNeck (mmpretrain/models/necks/linear_neck.py).
// LinearNeck(in_channels, out_channels, gap_dim=0, norm_cfg=dict(type='BN1d'),
// act_cfg=None, init_cfg=None): the last feature -> `gap` (Identity or
// AdaptiveAvgPool{1,2,3}d) -> flatten -> `fc` -> `norm` -> `act` (Identity
// when not configured); returns a 1-tuple.
#pragma once

#include <torch/nn/modules/linear.h>

#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class LinearNeckImpl : public engine::BaseModule, public NeckInterface {
 public:
  MMCPP_PYTHON_CLASS("LinearNeck", "BaseModule")
  LinearNeckImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t gap_dim,
                 const config::Value& norm_cfg, const config::Value& act_cfg,
                 config::Value init_cfg);
  // Example: dict(type='LinearNeck', in_channels=64, out_channels=32).
  static std::shared_ptr<LinearNeckImpl> from_config(registry::BuildArgs& args);
  Feats forward(const Feats& inputs) override;

 private:
  engine::Layer gap_, norm_, act_;
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(LinearNeck);

}  // namespace mmcpp::pretrain
