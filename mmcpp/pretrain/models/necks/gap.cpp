#include "mmcpp/pretrain/models/necks/gap.h"

#include <torch/nn/modules/pooling.h>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/analysis/complexity_analysis.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

GlobalAveragePoolingImpl::GlobalAveragePoolingImpl(std::int64_t dim) {
  namespace nn = torch::nn;
  if (dim == 1)
    gap_ = engine::Layer(nn::AdaptiveAvgPool1d(1).ptr());
  else if (dim == 2)
    gap_ = engine::Layer(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1})).ptr());
  else if (dim == 3)
    gap_ = engine::Layer(nn::AdaptiveAvgPool3d(nn::AdaptiveAvgPool3dOptions({1, 1, 1})).ptr());
  else
    throw Error("AssertionError", "GlobalAveragePooling dim only support (1, 2, 3), get " +
                                      std::to_string(dim) + " instead.");
  engine::register_layer(*this, "gap", gap_);
}

std::shared_ptr<GlobalAveragePoolingImpl> GlobalAveragePoolingImpl::from_config(
    registry::BuildArgs& args) {
  return std::make_shared<GlobalAveragePoolingImpl>(args.get_int("dim", 2));
}

torch::Tensor GlobalAveragePoolingImpl::forward(const torch::Tensor& input) {
  // Parameter-free: get-flops attributes the pooling to `gap`, as MMEngine's
  // module hooks do (neck.gap in MMPretrain's table).
  engine::analysis::ModuleScope scope(gap_.module());
  return gap_(input).view({input.size(0), -1});
}

Feats GlobalAveragePoolingImpl::forward(const Feats& inputs) {
  Feats outs;
  for (const auto& x : inputs) outs.push_back(forward(x));
  return outs;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::GlobalAveragePoolingImpl,
                  "GlobalAveragePooling", "dict(type='GlobalAveragePooling')");
