// DefaultOptimWrapperConstructor (mmengine/optim/optimizer/default_constructor.py).
//
// Without paramwise_cfg the optimizer gets model.parameters() as one group. With
// it, the modules are walked recursively (each module's own parameters, then its
// children; full names `prefix.name`) and every parameter gets its own group:
//   * bypass_duplicate=True skips a parameter already in a group (tied weights);
//     requires_grad=False parameters are skipped (both with a warning);
//   * custom_keys={substr: dict(lr_mult=1., decay_mult=1., **extra)}: keys sorted
//     longest first, ties alphabetically; the first key that is a substring of
//     f'{prefix}.{name}' (a top-level `cls_token` is matched as '.cls_token')
//     sets lr = base_lr * lr_mult, weight_decay = base_wd * decay_mult (when the
//     optimizer has weight_decay) and copies every entry of its dict into the
//     group; no other rule applies then;
//   * otherwise bias_lr_mult (biases outside norm layers and DCN modules),
//     dcn_offset_lr_mult (Conv2d under `conv_offset` in a DCN module), and the
//     first matching weight-decay rule of norm_decay_mult (norm layers), then
//     bias_decay_mult (non-DCN biases), dwconv_decay_mult (Conv2d with
//     groups == in_channels), flat_decay_mult (1-D non-DCN parameters).
// bias/norm/dwconv_decay_mult, or a custom key with decay_mult, need the
// optimizer's weight_decay: ValueError 'base_wd should not be None'. Each key set
// on a group is logged as `paramwise_options -- {name}:{key}={value}`.
//
// Module kinds on LibTorch: norm layers are BatchNorm1d/2d/3d, InstanceNorm1d/2d/
// 3d, GroupNorm, LayerNorm (and subclasses), plus any module deriving from
// NormLayer (our own norm modules: mmpretrain's LayerNorm2d, SyncBatchNorm...).
// DCN modules (mmcv's DeformConv2d/ModulatedDeformConv2d) derive from
// DeformConvLayer; their children get the DCN rules, as in MMEngine.
#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/optim/optim_wrapper_constructor.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

// Marker base of norm modules that are not LibTorch's own norm classes
// (MMEngine tests isinstance(_BatchNorm, _InstanceNorm, GroupNorm, LayerNorm)).
class NormLayer {
 public:
  virtual ~NormLayer() = default;
};

// Marker base of deformable convolutions (mmcv.ops.DeformConv2d,
// ModulatedDeformConv2d).
class DeformConvLayer {
 public:
  virtual ~DeformConvLayer() = default;
};

bool is_norm_layer(const torch::nn::Module& module);
// A torch.nn.Conv2d (or subclass) with in_channels == groups.
bool is_depthwise_conv2d(const torch::nn::Module& module);
bool is_conv2d(const torch::nn::Module& module);
bool is_deform_conv(const torch::nn::Module& module);

// Python's a * b for the numbers of a param group (int * int stays an int); a
// None operand is Python's TypeError.
config::Value py_mul(const config::Value& a, const config::Value& b);

class DefaultOptimWrapperConstructor : public OptimWrapperConstructor {
 public:
  // `optim_wrapper_cfg` must contain `optimizer`; `paramwise_cfg` None or a dict.
  DefaultOptimWrapperConstructor(const config::Value& optim_wrapper_cfg,
                                 const config::Value& paramwise_cfg = config::Value());
  // dict(type='DefaultOptimWrapperConstructor', optim_wrapper_cfg=..., paramwise_cfg=None)
  static std::shared_ptr<DefaultOptimWrapperConstructor> from_config(registry::BuildArgs& args);

  std::shared_ptr<OptimWrapper> build(torch::nn::Module& model, Logger* logger = nullptr) override;

  // Appends the param groups of `module` and its descendants (the paramwise
  // rules), as `add_params(params, model)` does. Subclasses replace the rules.
  virtual void add_params(ParamGroups& params, torch::nn::Module& module, Logger* logger);

  // The wrapper cfg without `optimizer`, the optimizer cfg, the paramwise cfg
  // ({} when None), and the optimizer's lr / weight_decay (None when unset).
  const config::Value& optim_wrapper_cfg() const { return optim_wrapper_cfg_; }
  const config::Value& optimizer_cfg() const { return optimizer_cfg_; }
  const config::Value& paramwise_cfg() const { return paramwise_cfg_; }
  const config::Value& base_lr() const { return base_lr_; }
  const config::Value& base_wd() const { return base_wd_; }

 protected:
  // paramwise_cfg[key] (None when absent).
  config::Value paramwise(const char* key) const;
  // custom_keys sorted as MMEngine: longest first, ties alphabetically.
  std::vector<std::string> sorted_custom_keys() const;

  config::Value optim_wrapper_cfg_;
  config::Value optimizer_cfg_;
  config::Value paramwise_cfg_;
  config::Value base_lr_;
  config::Value base_wd_;

 private:
  void validate_cfg() const;
  void add_params_rec(ParamGroups& params, torch::nn::Module& module, const std::string& prefix,
                      bool is_dcn_module, Logger* logger);
};

}  // namespace mmcpp::engine
