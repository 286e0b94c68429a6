#include "mmcpp/pretrain/models/necks/mae_neck.h"

#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

ClsBatchNormNeckImpl::ClsBatchNormNeckImpl(std::int64_t input_features, bool affine, double eps,
                                           config::Value init_cfg)
    : engine::BaseModule(std::move(init_cfg)) {
  bn_ = register_module(
      "bn",
      torch::nn::BatchNorm1d(torch::nn::BatchNormOptions(input_features).affine(affine).eps(eps)));
}

std::shared_ptr<ClsBatchNormNeckImpl> ClsBatchNormNeckImpl::from_config(registry::BuildArgs& args) {
  const std::int64_t n = args.require_int("input_features");
  const bool affine = args.get_bool("affine", false);
  const double eps = args.get_float("eps", 1e-6);
  return std::make_shared<ClsBatchNormNeckImpl>(n, affine, eps,
                                                args.value_or("init_cfg", config::Value()));
}

Feats ClsBatchNormNeckImpl::forward(const Feats& inputs) {
  Feats out;
  for (const auto& x : inputs) out.push_back(bn_(x));
  return out;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::ClsBatchNormNeckImpl,
                  "ClsBatchNormNeck", "dict(type='ClsBatchNormNeck', input_features=16)");
