// SELayer (mmpretrain/models/utils/se_layer.py): squeeze-and-excitation.
//
// SELayer(channels, squeeze_channels=None, ratio=16, divisor=8, bias='auto',
// conv_cfg=None, act_cfg=(dict(type='ReLU'), dict(type='Sigmoid')),
// return_weight=False, init_cfg=None): `global_avgpool`, then `conv1`
// (ConvModule channels -> squeeze) and `conv2` (ConvModule squeeze ->
// channels), 1x1; squeeze_channels defaults to
// make_divisible(channels // ratio, divisor). forward returns x * weight (or
// the weight with return_weight).
#pragma once

#include <optional>

#include "mmcpp/config/value.h"
#include "mmcpp/cv/cnn/bricks/conv_module.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"

namespace mmcpp::pretrain {

struct SELayerOptions {
  explicit SELayerOptions(std::int64_t channels) : channels_(channels) {}
  TORCH_ARG(std::int64_t, channels);
  TORCH_ARG(std::optional<std::int64_t>, squeeze_channels);
  TORCH_ARG(std::int64_t, ratio) = 16;
  TORCH_ARG(std::int64_t, divisor) = 8;
  TORCH_ARG(config::Value, bias) = "auto";
  TORCH_ARG(config::Value, conv_cfg);
  // A dict (used twice) or a sequence of two dicts; None: ReLU then Sigmoid.
  TORCH_ARG(config::Value, act_cfg);
  TORCH_ARG(bool, return_weight) = false;
  TORCH_ARG(config::Value, init_cfg);
};

class SELayerImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("SELayer", "BaseModule")
  explicit SELayerImpl(SELayerOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  bool return_weight_;
  engine::Layer global_avgpool_;
  mmcv::ConvModule conv1_{nullptr}, conv2_{nullptr};
};
TORCH_MODULE(SELayer);

}  // namespace mmcpp::pretrain
