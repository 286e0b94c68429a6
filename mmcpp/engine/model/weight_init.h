// Weight initialisation (mmengine/model/weight_init.py).
//
// Functions modules call in their own init_weights(): constant_init,
// xavier_init, normal_init, trunc_normal_init, uniform_init, kaiming_init,
// caffe2_xavier_init (each sets `weight` and `bias` of one module when it has
// them), bias_init_with_prob and MMEngine's trunc_normal_.
//
// Initialisers (WEIGHT_INITIALIZERS, built from init_cfg dicts):
//   Constant(val, bias=0, bias_prob=None, layer=None)
//   Xavier(gain=1, distribution='normal', bias=0, bias_prob=None, layer=None)
//   Normal(mean=0, std=1, bias=0, bias_prob=None, layer=None)
//   TruncNormal(mean=0, std=1, a=-2, b=2, bias=0, bias_prob=None, layer=None)
//   Uniform(a=0, b=1, bias=0, bias_prob=None, layer=None)
//   Kaiming(a=0, mode='fan_out', nonlinearity='relu', distribution='normal', ...)
//   Caffe2Xavier(bias=0, bias_prob=None, layer=None)  (Kaiming a=1, fan_in,
//       leaky_relu, uniform)
//   Pretrained(checkpoint, prefix=None, map_location='cpu')
// An initialiser visits the module and all its submodules (children first,
// as Module.apply) and initialises those whose Python class name or direct
// base names (python_class.h) are in `layer`; within `override` (by child
// name, e.g. dict(type='Normal', name='fc', std=0.01)) it initialises every
// submodule of that child. Pretrained loads a checkpoint non-strictly (only
// the `prefix.` keys, stripped, when a prefix is given).
#pragma once

#include <torch/nn/module.h>

#include <optional>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

void constant_init(torch::nn::Module& module, double val, double bias = 0);
void xavier_init(torch::nn::Module& module, double gain = 1, double bias = 0,
                 const std::string& distribution = "normal");
void normal_init(torch::nn::Module& module, double mean = 0, double std = 1, double bias = 0);
void trunc_normal_init(torch::nn::Module& module, double mean = 0, double std = 1, double a = -2,
                       double b = 2, double bias = 0);
void uniform_init(torch::nn::Module& module, double a = 0, double b = 1, double bias = 0);
void kaiming_init(torch::nn::Module& module, double a = 0, const std::string& mode = "fan_out",
                  const std::string& nonlinearity = "relu", double bias = 0,
                  const std::string& distribution = "normal");
void caffe2_xavier_init(torch::nn::Module& module, double bias = 0);
double bias_init_with_prob(double prior_prob);
// In place, without autograd: values of N(mean, std) truncated to [a, b]
// (inverse-CDF method, as MMEngine and timm).
torch::Tensor trunc_normal_(torch::Tensor tensor, double mean = 0, double std = 1, double a = -2,
                            double b = 2);
// torch.nn.init.kaiming_normal_/_uniform_ and xavier_* with PyTorch's names.
void kaiming_normal_(torch::Tensor tensor, double a, const std::string& mode,
                     const std::string& nonlinearity);
void kaiming_uniform_(torch::Tensor tensor, double a, const std::string& mode,
                      const std::string& nonlinearity);

// The registry's component: one initialiser built from one init_cfg dict.
class WeightInitializer {
 public:
  virtual ~WeightInitializer() = default;
  // __call__(module). `context` (may be null) receives the init info and the logger.
  virtual void apply(torch::nn::Module& module, InitContext* context) = 0;
  // _get_init_info()
  virtual std::string init_info() const = 0;
  // Set by initialize() for `override` entries: initialise every submodule.
  bool wholemodule = false;
};

// BaseInit: bias / bias_prob / layer, and the walk over submodules.
class BaseInit : public WeightInitializer {
 public:
  explicit BaseInit(registry::BuildArgs& args);
  void apply(torch::nn::Module& module, InitContext* context) override;
  const std::vector<std::string>& layer() const { return layer_; }
  double bias() const { return bias_; }

 protected:
  // Initialise one module (it matched `layer`, or wholemodule).
  virtual void init_module(torch::nn::Module& m) = 0;
  std::string bias_repr() const;  // Python's str(self.bias)

 private:
  bool matches(const torch::nn::Module& m) const;
  double bias_ = 0;
  config::Value bias_value_;
  std::vector<std::string> layer_;
};

class ConstantInit : public BaseInit {
 public:
  explicit ConstantInit(registry::BuildArgs& args);
  static std::shared_ptr<ConstantInit> from_config(registry::BuildArgs& args);
  std::string init_info() const override;

 protected:
  void init_module(torch::nn::Module& m) override;

 private:
  config::Value val_;
};

class XavierInit : public BaseInit {
 public:
  explicit XavierInit(registry::BuildArgs& args);
  static std::shared_ptr<XavierInit> from_config(registry::BuildArgs& args);
  std::string init_info() const override;

 protected:
  void init_module(torch::nn::Module& m) override;

 private:
  config::Value gain_;
  std::string distribution_;
};

class NormalInit : public BaseInit {
 public:
  explicit NormalInit(registry::BuildArgs& args);
  static std::shared_ptr<NormalInit> from_config(registry::BuildArgs& args);
  std::string init_info() const override;

 protected:
  void init_module(torch::nn::Module& m) override;

 private:
  config::Value mean_, std_;
};

class TruncNormalInit : public BaseInit {
 public:
  explicit TruncNormalInit(registry::BuildArgs& args);
  static std::shared_ptr<TruncNormalInit> from_config(registry::BuildArgs& args);
  std::string init_info() const override;

 protected:
  void init_module(torch::nn::Module& m) override;

 private:
  config::Value mean_, std_, a_, b_;
};

class UniformInit : public BaseInit {
 public:
  explicit UniformInit(registry::BuildArgs& args);
  static std::shared_ptr<UniformInit> from_config(registry::BuildArgs& args);
  std::string init_info() const override;

 protected:
  void init_module(torch::nn::Module& m) override;

 private:
  config::Value a_, b_;
};

class KaimingInit : public BaseInit {
 public:
  explicit KaimingInit(registry::BuildArgs& args);
  static std::shared_ptr<KaimingInit> from_config(registry::BuildArgs& args);
  std::string init_info() const override;

 protected:
  void init_module(torch::nn::Module& m) override;

 private:
  config::Value a_;
  std::string mode_, nonlinearity_, distribution_;
};

// Caffe2Xavier: KaimingInit(a=1, mode='fan_in', nonlinearity='leaky_relu',
// distribution='uniform'); its info names Caffe2XavierInit.
class Caffe2XavierInit : public KaimingInit {
 public:
  explicit Caffe2XavierInit(registry::BuildArgs& args);
  static std::shared_ptr<Caffe2XavierInit> from_config(registry::BuildArgs& args);
  std::string init_info() const override;
};

class PretrainedInit : public WeightInitializer {
 public:
  PretrainedInit(std::string checkpoint, std::optional<std::string> prefix,
                 std::string map_location);
  static std::shared_ptr<PretrainedInit> from_config(registry::BuildArgs& args);
  void apply(torch::nn::Module& module, InitContext* context) override;
  std::string init_info() const override;

 private:
  std::string checkpoint_;
  std::optional<std::string> prefix_;
  std::string map_location_;
};

// initialize(module, init_cfg): a dict or a list of dicts, each built through
// WEIGHT_INITIALIZERS and applied, then its `override` entries.
void initialize(torch::nn::Module& module, const config::Value& init_cfg,
                InitContext* context = nullptr);

}  // namespace mmcpp::engine
