// GlobalAveragePooling (mmpretrain/models/necks/gap.py): GlobalAveragePooling(dim=2)
// pools each feature to (N, C) with AdaptiveAvgPool{1,2,3}d (child `gap`).
#pragma once

#include <torch/nn/module.h>

#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class GlobalAveragePoolingImpl : public torch::nn::Module,
                                 public NeckInterface,
                                 public engine::DeclaresPythonClass,
                                 public engine::InitWeights {
 public:
  MMCPP_PYTHON_CLASS("GlobalAveragePooling", "Module")
  explicit GlobalAveragePoolingImpl(std::int64_t dim = 2);
  // Example: dict(type='GlobalAveragePooling').
  static std::shared_ptr<GlobalAveragePoolingImpl> from_config(registry::BuildArgs& args);
  Feats forward(const Feats& inputs) override;
  torch::Tensor forward(const torch::Tensor& input);
  void init_weights() override {}

 private:
  engine::Layer gap_;
};
TORCH_MODULE(GlobalAveragePooling);

}  // namespace mmcpp::pretrain
