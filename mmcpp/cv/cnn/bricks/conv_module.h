// ConvModule (mmcv/cnn/bricks/conv_module.py): conv / norm / activation in a
// configurable order.
//
// ConvModule(in_channels, out_channels, kernel_size, stride=1, padding=0,
// dilation=1, groups=1, bias='auto', conv_cfg=None, norm_cfg=None,
// act_cfg=dict(type='ReLU'), inplace=True, with_spectral_norm=False,
// padding_mode='zeros', order=('conv', 'norm', 'act'),
// efficient_conv_bn_eval=False). Registered in MODELS.
//
// Submodules as MMCV names them: `padding_layer` (padding_mode other than
// 'zeros'/'circular': built by build_padding_layer, and the conv gets padding
// 0; 'circular' is accepted but, as in MMCV, not passed to the conv), `conv`,
// the norm under its inferred name (`bn`, `gn`, `ln`, `in`), `activate`.
// bias='auto' means bias = (norm_cfg is None). act_cfg gets inplace=`inplace`
// unless its type is Tanh, PReLU, Sigmoid, HSigmoid, Swish or GELU.
// Default init (called by the constructor and again by a parent's
// init_weights): kaiming_init(conv, a, mode='fan_out', nonlinearity='relu',
// or 'leaky_relu' with a = negative_slope for a LeakyReLU act_cfg) unless the
// conv has its own init_weights; constant_init(norm, 1, bias=0).
// with_spectral_norm=True is not supported (NotImplementedError).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/engine/model/python_class.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::mmcv {

struct ConvModuleOptions {
  ConvModuleOptions(std::int64_t in_channels, std::int64_t out_channels, config::Value kernel_size);
  TORCH_ARG(std::int64_t, in_channels);
  TORCH_ARG(std::int64_t, out_channels);
  TORCH_ARG(config::Value, kernel_size);   // int or tuple
  TORCH_ARG(config::Value, stride) = 1;    // int or tuple
  TORCH_ARG(config::Value, padding) = 0;   // int or tuple
  TORCH_ARG(config::Value, dilation) = 1;  // int or tuple
  TORCH_ARG(std::int64_t, groups) = 1;
  TORCH_ARG(config::Value, bias) = "auto";  // bool or 'auto'
  TORCH_ARG(config::Value, conv_cfg);       // None: Conv2d
  TORCH_ARG(config::Value, norm_cfg);       // None: no norm
  TORCH_ARG(config::Value, act_cfg);        // default dict(type='ReLU'); None: no act
  TORCH_ARG(bool, inplace) = true;
  TORCH_ARG(bool, with_spectral_norm) = false;
  TORCH_ARG(std::string, padding_mode) = "zeros";
  TORCH_ARG(std::vector<std::string>, order) = {"conv", "norm", "act"};
  TORCH_ARG(bool, efficient_conv_bn_eval) = false;
};

class ConvModuleImpl : public torch::nn::Module,
                       public engine::TensorForward,
                       public engine::DeclaresPythonClass,
                       public engine::InitWeights {
 public:
  MMCPP_PYTHON_CLASS("ConvModule", "Module")
  explicit ConvModuleImpl(ConvModuleOptions options);
  // Example: dict(type='ConvModule', in_channels=3, out_channels=8, kernel_size=3,
  // padding=1, norm_cfg=dict(type='BN')).
  static std::shared_ptr<ConvModuleImpl> from_config(registry::BuildArgs& args);

  torch::Tensor forward(const torch::Tensor& x) override { return forward(x, true, true); }
  torch::Tensor forward(const torch::Tensor& x, bool activate, bool norm);
  void init_weights() override;

  const engine::Layer& conv() const { return conv_; }
  // The norm layer (empty Layer without one) and its attribute name ("" without one).
  const engine::Layer& norm() const { return norm_; }
  const std::string& norm_name() const { return norm_name_; }
  const engine::Layer& activate() const { return activate_; }
  bool with_norm() const { return static_cast<bool>(norm_); }
  bool with_activation() const { return static_cast<bool>(activate_); }
  bool with_bias() const { return with_bias_; }
  const ConvModuleOptions& options() const { return options_; }

 private:
  ConvModuleOptions options_;
  bool with_bias_ = false;
  bool with_explicit_padding_ = false;
  bool efficient_conv_bn_eval_ = false;
  engine::Layer padding_layer_, conv_, norm_, activate_;
  std::string norm_name_;
};
TORCH_MODULE(ConvModule);

}  // namespace mmcpp::mmcv
