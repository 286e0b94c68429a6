// Conv2dAdaptivePadding (mmcv/cnn/bricks/conv2d_adaptive_padding.py): a
// Conv2d with TensorFlow's "SAME" padding.
//
// Conv2dAdaptivePadding(in_channels, out_channels, kernel_size, stride=1,
// padding=0, dilation=1, groups=1, bias=True): `padding` is accepted and
// ignored (the conv itself has padding 0). forward pads the input by
// max((ceil(H / s) - 1) * s + (k - 1) * d + 1 - H, 0) rows (half before, the
// rest after; columns alike), then convolves. Registered in MODELS as
// 'Conv2dAdaptivePadding' (a conv_cfg type); Python class
// Conv2dAdaptivePadding, base Conv2d.
#pragma once

#include <torch/nn/modules/conv.h>

#include "mmcpp/engine/model/layer.h"
#include "mmcpp/engine/model/python_class.h"

namespace mmcpp::mmcv {

class Conv2dAdaptivePaddingImpl : public torch::nn::Conv2dImpl,
                                  public engine::TensorForward,
                                  public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("Conv2dAdaptivePadding", "Conv2d")
  // `options.padding` is replaced by 0, as MMCV's constructor does.
  explicit Conv2dAdaptivePaddingImpl(torch::nn::Conv2dOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;
};
TORCH_MODULE(Conv2dAdaptivePadding);

}  // namespace mmcpp::mmcv
