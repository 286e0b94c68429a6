#include "mmcpp/pretrain/models/backbones/base_backbone.h"

#include "mmcpp/cv/cnn/bricks/norm.h"

namespace mmcpp::pretrain {

void BaseBackboneImpl::freeze(torch::nn::Module& module) {
  module.eval();
  for (auto& p : module.parameters()) p.set_requires_grad(false);
}

void BaseBackboneImpl::set_batch_norms_eval(torch::nn::Module& module) {
  if (mmcv::is_batch_norm(module)) module.eval();
  for (const auto& m : module.modules(/*include_self=*/false))
    if (mmcv::is_batch_norm(*m)) m->eval();
}

}  // namespace mmcpp::pretrain
