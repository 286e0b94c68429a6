#include "mmcpp/editing/models/utils/model_utils.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/torch.h>

namespace mmcpp::editing {

namespace {

void kaiming_fan_in(torch::Tensor& weight, torch::Tensor& bias, double scale) {
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_normal_(weight, 0.0, torch::kFanIn, torch::kReLU);
  weight.mul_(scale);
  if (bias.defined()) bias.zero_();
}

}  // namespace

namespace {

void init_one(torch::nn::Module& m, double scale) {
  if (auto* conv = m.as<torch::nn::Conv2d>()) {
    kaiming_fan_in(conv->weight, conv->bias, scale);
  } else if (auto* linear = m.as<torch::nn::Linear>()) {
    kaiming_fan_in(linear->weight, linear->bias, scale);
  } else if (auto* bn = m.as<torch::nn::BatchNorm2d>()) {
    torch::NoGradGuard no_grad;
    if (bn->weight.defined()) bn->weight.fill_(1.0);
    if (bn->bias.defined()) bn->bias.zero_();
  }
}

}  // namespace

void default_init_weights(torch::nn::Module& module, double scale) {
  // module.modules() in Python; the module itself is handled apart, as it may
  // still be under construction (not yet owned by a shared_ptr).
  init_one(module, scale);
  for (const auto& m : module.modules(/*include_self=*/false)) init_one(*m, scale);
}

}  // namespace mmcpp::editing
