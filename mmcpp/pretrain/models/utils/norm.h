// GRN, LayerNorm2d ('LN2d') and MMPretrain's build_norm_layer
// (mmpretrain/models/utils/norm.py).
//
// LayerNorm2d(num_channels, eps=1e-5, elementwise_affine=True): a LayerNorm
// (weight/bias (C,)) over the channels of (N, C, H, W) inputs; forward(x) is
// channel_first, forward(x, "channel_last") takes (N, H, W, C).
// GRN(in_channels, eps=1e-6): ConvNeXt V2's global response norm with
// parameters gamma/beta (C,), zero-initialised.
// build_norm_layer(cfg, num_features) returns the module alone (no name),
// looked up in MMPretrain's MODELS; GN gets num_channels=, the others
// num_features as first argument; requires_grad and eps=1e-5 as MMCV's.
#pragma once

#include <torch/nn/modules/normalization.h>

#include <string>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/engine/model/python_class.h"

namespace mmcpp::pretrain {

class LayerNorm2dImpl : public torch::nn::LayerNormImpl,
                        public engine::TensorForward,
                        public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("LayerNorm2d", "LayerNorm")
  LayerNorm2dImpl(std::int64_t num_channels, double eps = 1e-5, bool elementwise_affine = true);
  torch::Tensor forward(const torch::Tensor& x) override { return forward(x, "channel_first"); }
  torch::Tensor forward(const torch::Tensor& x, const std::string& data_format);
  std::int64_t num_channels() const { return num_channels_; }

 private:
  std::int64_t num_channels_;
};
TORCH_MODULE(LayerNorm2d);

class GRNImpl : public torch::nn::Module,
                public engine::TensorForward,
                public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("GRN", "Module")
  explicit GRNImpl(std::int64_t in_channels, double eps = 1e-6);
  torch::Tensor forward(const torch::Tensor& x) override { return forward(x, "channel_first"); }
  torch::Tensor forward(const torch::Tensor& x, const std::string& data_format);
  torch::Tensor gamma, beta;

 private:
  std::int64_t in_channels_;
  double eps_;
};
TORCH_MODULE(GRN);

engine::Layer build_norm_layer(const config::Value& cfg, std::int64_t num_features);

}  // namespace mmcpp::pretrain
