#include "mmcpp/pretrain/models/necks/gem.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

torch::Tensor gem(const torch::Tensor& x_in, const torch::Tensor& p, double eps, bool clamp) {
  torch::Tensor x = clamp ? x_in.clamp_min(eps) : x_in;
  return torch::avg_pool2d(x.pow(p), {x.size(-2), x.size(-1)}).pow(1. / p);
}

GeneralizedMeanPoolingImpl::GeneralizedMeanPoolingImpl(double p_value, double eps, bool clamp,
                                                       bool p_trainable)
    : eps_(eps), clamp_(clamp) {
  if (!(p_value >= 1)) throw Error("AssertionError", "'p' must be a value greater than 1");
  p = register_parameter("p", torch::ones({1}) * p_value, p_trainable);
}

std::shared_ptr<GeneralizedMeanPoolingImpl> GeneralizedMeanPoolingImpl::from_config(
    registry::BuildArgs& args) {
  return std::make_shared<GeneralizedMeanPoolingImpl>(
      args.get_float("p", 3.), args.get_float("eps", 1e-6), args.get_bool("clamp", true),
      args.get_bool("p_trainable", true));
}

torch::Tensor GeneralizedMeanPoolingImpl::forward(const torch::Tensor& input) {
  return gem(input, p, eps_, clamp_).view({input.size(0), -1});
}

Feats GeneralizedMeanPoolingImpl::forward(const Feats& inputs) {
  Feats outs;
  for (const auto& x : inputs) outs.push_back(forward(x));
  return outs;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::GeneralizedMeanPoolingImpl,
                  "GeneralizedMeanPooling", "dict(type='GeneralizedMeanPooling', p=3.0)");
