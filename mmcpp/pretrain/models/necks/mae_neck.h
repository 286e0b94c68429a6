// ClsBatchNormNeck (mmpretrain/models/necks/mae_neck.py; MAEPretrainDecoder,
// a self-supervised decoder, is not here).
//
// ClsBatchNormNeck(input_features, affine=False, eps=1e-6, init_cfg=None):
// `bn` BatchNorm1d over each input (the cls tokens of a linear probe).
#pragma once

#include <torch/nn/modules/batchnorm.h>

#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class ClsBatchNormNeckImpl : public engine::BaseModule, public NeckInterface {
 public:
  MMCPP_PYTHON_CLASS("ClsBatchNormNeck", "BaseModule")
  ClsBatchNormNeckImpl(std::int64_t input_features, bool affine = false, double eps = 1e-6,
                       config::Value init_cfg = config::Value());
  // Example: dict(type='ClsBatchNormNeck', input_features=16).
  static std::shared_ptr<ClsBatchNormNeckImpl> from_config(registry::BuildArgs& args);
  Feats forward(const Feats& inputs) override;

 private:
  torch::nn::BatchNorm1d bn_{nullptr};
};
TORCH_MODULE(ClsBatchNormNeck);

}  // namespace mmcpp::pretrain
