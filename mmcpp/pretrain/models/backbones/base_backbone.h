// BaseBackbone (mmpretrain/models/backbones/base_backbone.py) and the C++
// interfaces a classifier's parts implement.
//
// A backbone is a BaseBackboneImpl: forward(x) returns one tensor per out
// index (Python's tuple), in order. Its init_cfg and default init follow
// BaseModule (engine/model/base_module.h); frozen stages and norm_eval are
// re-applied in train(), which LibTorch calls recursively as PyTorch does:
//
//   void train(bool on = true) override {
//     BaseBackboneImpl::train(on);
//     freeze_stages();                      // freeze(*stem), freeze(*layer1), ...
//     if (on && norm_eval_) set_batch_norms_eval(*this);
//   }
//
// Necks implement NeckInterface (Feats -> Feats), heads HeadInterface
// (forward/pre_logits/loss/predict over the last feature), losses BaseLoss.
#pragma once

#include <torch/nn/module.h>

#include <vector>

#include "mmcpp/engine/model/base_module.h"

namespace mmcpp::pretrain {

// The outputs of a backbone or neck: one tensor per stage (Python's tuple).
// A stage whose Python output is itself a tuple (DeiT's (cls_token,
// dist_token)) stacks its parts along a new first dimension.
using Feats = std::vector<torch::Tensor>;

class BaseBackboneImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS(engine::cpp_class_name(*this), "BaseBackbone")
  explicit BaseBackboneImpl(config::Value init_cfg = config::Value())
      : engine::BaseModule(std::move(init_cfg)) {}

  virtual Feats forward(const torch::Tensor& x) = 0;

 protected:
  // A frozen stage: eval mode and no gradient for its parameters.
  static void freeze(torch::nn::Module& module);
  // norm_eval: every _BatchNorm below `module` (itself included) in eval mode.
  static void set_batch_norms_eval(torch::nn::Module& module);
};

class NeckInterface {
 public:
  virtual ~NeckInterface() = default;
  virtual Feats forward(const Feats& inputs) = 0;
};

}  // namespace mmcpp::pretrain
