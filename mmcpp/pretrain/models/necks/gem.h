// GeneralizedMeanPooling (mmpretrain/models/necks/gem.py).
// GeneralizedMeanPooling(p=3., eps=1e-6, clamp=True, p_trainable=True): each
// feature -> avg_pool(x.clamp(min=eps) ** p) ** (1/p), (N, C); `p` is a
// parameter of shape (1,).
#pragma once

#include <torch/nn/module.h>

#include "mmcpp/engine/model/python_class.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

torch::Tensor gem(const torch::Tensor& x, const torch::Tensor& p, double eps = 1e-6,
                  bool clamp = true);

class GeneralizedMeanPoolingImpl : public torch::nn::Module,
                                   public NeckInterface,
                                   public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("GeneralizedMeanPooling", "Module")
  GeneralizedMeanPoolingImpl(double p = 3., double eps = 1e-6, bool clamp = true,
                             bool p_trainable = true);
  // Example: dict(type='GeneralizedMeanPooling', p=3.0).
  static std::shared_ptr<GeneralizedMeanPoolingImpl> from_config(registry::BuildArgs& args);
  Feats forward(const Feats& inputs) override;
  torch::Tensor forward(const torch::Tensor& input);

  torch::Tensor p;

 private:
  double eps_;
  bool clamp_;
};
TORCH_MODULE(GeneralizedMeanPooling);

}  // namespace mmcpp::pretrain
