// Scale and LayerScale (mmcv/cnn/bricks/scale.py); not registered, as in MMCV.
//
// Scale(scale=1.0): x * a learnable 0-d parameter `scale`.
// LayerScale(dim, inplace=False, data_format='channels_last', scale=1e-5):
// x * `weight` (dim,) along the channel axis (last, or dim 1 for channels_first).
#pragma once

#include <torch/nn/module.h>

#include <string>

#include "mmcpp/engine/model/layer.h"
#include "mmcpp/engine/model/python_class.h"

namespace mmcpp::mmcv {

class ScaleImpl : public torch::nn::Module,
                  public engine::TensorForward,
                  public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("Scale", "Module")
  explicit ScaleImpl(double scale = 1.0);
  torch::Tensor forward(const torch::Tensor& x) override { return x * scale; }
  torch::Tensor scale;
};
TORCH_MODULE(Scale);

class LayerScaleImpl : public torch::nn::Module,
                       public engine::TensorForward,
                       public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("LayerScale", "Module")
  LayerScaleImpl(std::int64_t dim, bool inplace = false,
                 const std::string& data_format = "channels_last", double scale = 1e-5);
  torch::Tensor forward(const torch::Tensor& x) override;
  torch::Tensor weight;

 private:
  bool inplace_;
  std::string data_format_;
};
TORCH_MODULE(LayerScale);

}  // namespace mmcpp::mmcv
