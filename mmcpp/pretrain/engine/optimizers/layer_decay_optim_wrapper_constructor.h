// LearningRateDecayOptimWrapperConstructor
// (mmpretrain/engine/optimizers/layer_decay_optim_wrapper_constructor.py):
// layer-wise learning-rate decay. paramwise_cfg keys: layer_decay_rate (1.0),
// bias_decay_mult, norm_decay_mult, flat_decay_mult, custom_keys (only
// `decay_mult` acts; the dict's other entries are copied into the group).
//
// One group per trainable parameter named `param_name` (no leading dot):
//   weight_decay (only when the optimizer has one): the first custom key that is
//     a substring of the name (longest first) > norm layers > `bias` > 1-D > base;
//   lr = base_lr * rate ** (num_layers - layer_id - 1), plus `lr_scale`,
//   `layer_id` and `param_name` keys.
// (layer_id, num_layers) come from the model: a model deriving from
// LayerDepthInterface answers get_layer_depth(name); otherwise its `backbone`
// child must, with prefix 'backbone.' (ImageClassifier.get_layer_depth). Else a
// NotImplementedError, as in MMPretrain. The groups of each layer are logged at
// DEBUG level.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "mmcpp/engine/optim/default_constructor.h"

namespace mmcpp::pretrain {

class LearningRateDecayOptimWrapperConstructor : public engine::DefaultOptimWrapperConstructor {
 public:
  using DefaultOptimWrapperConstructor::DefaultOptimWrapperConstructor;
  // dict(type='LearningRateDecayOptimWrapperConstructor', optim_wrapper_cfg=...,
  //      paramwise_cfg=dict(layer_decay_rate=0.65))
  static std::shared_ptr<LearningRateDecayOptimWrapperConstructor> from_config(
      registry::BuildArgs& args);

  void add_params(engine::ParamGroups& params, torch::nn::Module& module, Logger* logger) override;

  using LayerDepthFn = std::function<std::pair<std::int64_t, std::int64_t>(const std::string&)>;
  // The model's get_layer_depth, as described above.
  static LayerDepthFn layer_depth_of(torch::nn::Module& model);

 private:
  void add_params_rec(engine::ParamGroups& params, torch::nn::Module& module,
                      const std::string& prefix, const LayerDepthFn& get_layer_depth);
};

}  // namespace mmcpp::pretrain
