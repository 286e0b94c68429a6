// DropPath, Dropout, build_dropout (mmcv/cnn/bricks/drop.py).
//
// drop_path(x, drop_prob, training): stochastic depth per sample (timm's):
// in training, x / keep_prob * floor(keep_prob + U[0,1)) with one draw per
// sample; the identity otherwise or when drop_prob is 0.
// Registered in MODELS: DropPath(drop_prob=0.1), Dropout(drop_prob=0.5,
// inplace=False) (MMCV's torch.nn.Dropout with `p` renamed).
#pragma once

#include <torch/nn/modules/dropout.h>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/engine/model/python_class.h"

namespace mmcpp::mmcv {

torch::Tensor drop_path(const torch::Tensor& x, double drop_prob = 0., bool training = false);

class DropPathImpl : public torch::nn::Module,
                     public engine::TensorForward,
                     public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("DropPath", "Module")
  explicit DropPathImpl(double drop_prob = 0.1) : drop_prob_(drop_prob) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    return drop_path(x, drop_prob_, is_training());
  }
  double drop_prob() const { return drop_prob_; }

 private:
  double drop_prob_;
};
TORCH_MODULE(DropPath);

class DropoutImpl : public torch::nn::DropoutImpl,
                    public engine::TensorForward,
                    public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("Dropout", "Dropout")
  explicit DropoutImpl(double drop_prob = 0.5, bool inplace = false)
      : torch::nn::DropoutImpl(torch::nn::DropoutOptions(drop_prob).inplace(inplace)) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    return torch::nn::DropoutImpl::forward(x);
  }
};
TORCH_MODULE(Dropout);

// MODELS.build(cfg, default_args).
engine::Layer build_dropout(const config::Value& cfg,
                            const config::Value& default_args = config::Value());

}  // namespace mmcpp::mmcv
