// MMCV's wrappers of torch.nn layers (mmcv/cnn/bricks/wrappers.py), registered
// in MODELS: 'Conv' (wrappers.Conv2d), 'Conv3d' (wrappers.Conv3d, replacing
// torch's), 'deconv'/'ConvTranspose2d', 'deconv3d'/'ConvTranspose3d'.
// They compute what the torch layers compute (MMCV adds support for empty
// batches on old PyTorch) and are told apart by their Python class: named like
// the torch class, whose name is their only base, so init_cfg layer='Conv2d'
// matches both and '_ConvNd' only torch's own.
#pragma once

#include <torch/nn/modules/conv.h>

#include "mmcpp/engine/model/layer.h"
#include "mmcpp/engine/model/python_class.h"

namespace mmcpp::mmcv {

class Conv2dImpl : public torch::nn::Conv2dImpl,
                   public engine::TensorForward,
                   public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("Conv2d", "Conv2d")
  explicit Conv2dImpl(torch::nn::Conv2dOptions options) : torch::nn::Conv2dImpl(options) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    return torch::nn::Conv2dImpl::forward(x);
  }
};

class Conv3dImpl : public torch::nn::Conv3dImpl,
                   public engine::TensorForward,
                   public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("Conv3d", "Conv3d")
  explicit Conv3dImpl(torch::nn::Conv3dOptions options) : torch::nn::Conv3dImpl(options) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    return torch::nn::Conv3dImpl::forward(x);
  }
};

class ConvTranspose2dImpl : public torch::nn::ConvTranspose2dImpl,
                            public engine::TensorForward,
                            public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("ConvTranspose2d", "ConvTranspose2d")
  explicit ConvTranspose2dImpl(torch::nn::ConvTranspose2dOptions options)
      : torch::nn::ConvTranspose2dImpl(options) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    return torch::nn::ConvTranspose2dImpl::forward(x);
  }
};

class ConvTranspose3dImpl : public torch::nn::ConvTranspose3dImpl,
                            public engine::TensorForward,
                            public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("ConvTranspose3d", "ConvTranspose3d")
  explicit ConvTranspose3dImpl(torch::nn::ConvTranspose3dOptions options)
      : torch::nn::ConvTranspose3dImpl(options) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    return torch::nn::ConvTranspose3dImpl::forward(x);
  }
};

}  // namespace mmcpp::mmcv
