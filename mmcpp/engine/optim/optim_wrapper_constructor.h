// The OPTIM_WRAPPER_CONSTRUCTORS interface. In MMEngine a constructor is any
// class built as `Constructor(optim_wrapper_cfg=..., paramwise_cfg=...)` and
// called with the model (`constructor(model)`); here that call is build().
//
// Also the step every constructor ends with: building the optimizer over param
// groups and the wrapper around it. Python param groups are dicts that keep any
// key; LibTorch's groups only have their optimizer's options, so the keys the
// optimizer does not know (lr_mult, decay_mult, layer_id, ...) are kept by the
// OptimWrapper as extra group keys (numbers only; strings such as the layer-decay
// constructor's `param_name` stay in the constructor's group list).
#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/engine/optim/optim_wrapper.h"

namespace mmcpp::engine {

class OptimWrapperConstructor {
 public:
  virtual ~OptimWrapperConstructor() = default;
  // `constructor(model)`: the OptimWrapper (or OptimWrapperDict) for `model`.
  // Messages MMEngine prints with print_log(logger='current') go to `logger`
  // (none: not printed).
  virtual std::shared_ptr<OptimWrapper> build(torch::nn::Module& model,
                                              Logger* logger = nullptr) = 0;
};

// A param group as a constructor produces it: the parameters and the group's
// other keys in Python's insertion order (the optimizer's options and any extra
// key), with Python's value types.
using ParamGroups = std::vector<ParamGroupSpec>;

// OPTIMIZERS.build(optimizer_cfg with the params) then
// OPTIM_WRAPPERS.build(optim_wrapper_cfg (type defaults to 'OptimWrapper'),
// optimizer=...). `groups` go to the optimizer as its param groups; the keys its
// options lack become the wrapper's extra group keys.
std::shared_ptr<OptimWrapper> build_optimizer_and_wrapper(const config::Value& optimizer_cfg,
                                                          const config::Value& optim_wrapper_cfg,
                                                          const ParamGroups& groups);
// The same with one group of `params` (PyTorch's `model.parameters()`).
std::shared_ptr<OptimWrapper> build_optimizer_and_wrapper(const config::Value& optimizer_cfg,
                                                          const config::Value& optim_wrapper_cfg,
                                                          const std::vector<torch::Tensor>& params);

// Python's module.parameters(): every parameter of the module and its
// descendants, each tensor once (tied weights appear once).
std::vector<torch::Tensor> unique_parameters(const torch::nn::Module& module);

}  // namespace mmcpp::engine
