// The layer depth of a backbone's parameters, for layer-wise learning-rate decay
// (LearningRateDecayOptimWrapperConstructor). MMPretrain's backbones that
// support it (VisionTransformer, SwinTransformer, ConvNeXt, BEiT, ...) define
// `get_layer_depth(param_name, prefix='')`; ours derive from LayerDepthInterface.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace mmcpp::pretrain {

class LayerDepthInterface {
 public:
  virtual ~LayerDepthInterface() = default;
  // (layer_depth, num_layers) of the parameter named `param_name` in the model;
  // `prefix` is the backbone's own prefix there ('backbone.' inside a
  // classifier). The stem is depth 0 and what follows the backbone (head, names
  // without `prefix`) is num_layers - 1.
  virtual std::pair<std::int64_t, std::int64_t> get_layer_depth(
      const std::string& param_name, const std::string& prefix = "") const = 0;
};

}  // namespace mmcpp::pretrain
