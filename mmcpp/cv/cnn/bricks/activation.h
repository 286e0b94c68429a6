// build_activation_layer (mmcv/cnn/bricks/activation.py).
//
// Registered in MODELS with torch.nn's arguments and defaults: ReLU(inplace),
// LeakyReLU(negative_slope=0.01, inplace), PReLU(num_parameters=1, init=0.25),
// RReLU(lower=1/8, upper=1/3, inplace), ReLU6(inplace), ELU(alpha=1.0, inplace),
// Sigmoid(), Tanh(), GELU(approximate='none'), SiLU(inplace); MMCV's own:
// Swish() (swish.h), HSwish (torch.nn.Hardswish(inplace), hswish.h), HSigmoid
// (hsigmoid.h), Clamp/Clip(min=-1., max=1.) (below).
//
//   engine::Layer act = mmcv::build_activation_layer(act_cfg);   // MODELS.build(cfg)
#pragma once

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/engine/model/python_class.h"

namespace mmcpp::mmcv {

engine::Layer build_activation_layer(const config::Value& cfg);

const std::vector<std::string>& activation_layer_types();

// Clamp(min=-1., max=1.) (registered as 'Clamp' and 'Clip').
class ClampImpl : public torch::nn::Module,
                  public engine::TensorForward,
                  public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("Clamp", "Module")
  ClampImpl(double min = -1., double max = 1.) : min_(min), max_(max) {}
  torch::Tensor forward(const torch::Tensor& x) override { return torch::clamp(x, min_, max_); }

 private:
  double min_, max_;
};
TORCH_MODULE(Clamp);

}  // namespace mmcpp::mmcv
