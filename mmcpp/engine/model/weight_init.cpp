#include "mmcpp/engine/model/weight_init.h"

#include <torch/nn/init.h>

#include <cmath>
#include <set>

#include "mmcpp/config/dump.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

using config::Value;

namespace {

// module.weight / module.bias when the module has them (parameters, then buffers).
torch::Tensor own_tensor(torch::nn::Module& m, const std::string& name) {
  if (auto* p = m.named_parameters(/*recurse=*/false).find(name)) return *p;
  if (auto* b = m.named_buffers(/*recurse=*/false).find(name)) return *b;
  return torch::Tensor();
}

void fill_bias(torch::nn::Module& m, double bias) {
  torch::Tensor b = own_tensor(m, "bias");
  if (b.defined()) {
    torch::NoGradGuard no_grad;
    b.fill_(bias);
  }
}

double calculate_gain(const std::string& nonlinearity, double param) {
  static const std::set<std::string> linear = {
      "linear",           "conv1d",           "conv2d",          "conv3d",
      "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"};
  if (linear.count(nonlinearity) || nonlinearity == "sigmoid") return 1;
  if (nonlinearity == "tanh") return 5.0 / 3;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4;
  throw Error("ValueError", "Unsupported nonlinearity " + nonlinearity);
}

double kaiming_std(const torch::Tensor& tensor, double a, const std::string& mode,
                   const std::string& nonlinearity) {
  if (mode != "fan_in" && mode != "fan_out")
    throw Error("ValueError", "Mode " + mode + " not supported, please use one of fan_in, fan_out");
  if (tensor.dim() < 2)
    throw Error("ValueError",
                "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  auto [fan_in, fan_out] = torch::nn::init::_calculate_fan_in_and_fan_out(tensor);
  double fan = static_cast<double>(mode == "fan_in" ? fan_in : fan_out);
  return calculate_gain(nonlinearity, a) / std::sqrt(fan);
}

std::string str_of(const Value& v) { return v.str(); }

double number(const Value& v, const std::string& component, const std::string& key) {
  if (!v.is_number() && !v.is_bool())
    throw Error("TypeError", component + ": " + key + " must be a number, but got " +
                                 v.type_name() + " " + v.repr());
  return v.as_number();
}

}  // namespace

// ---------------------------------------------------------------- functions

void kaiming_normal_(torch::Tensor tensor, double a, const std::string& mode,
                     const std::string& nonlinearity) {
  double std = kaiming_std(tensor, a, mode, nonlinearity);
  torch::NoGradGuard no_grad;
  tensor.normal_(0, std);
}

void kaiming_uniform_(torch::Tensor tensor, double a, const std::string& mode,
                      const std::string& nonlinearity) {
  double bound = std::sqrt(3.0) * kaiming_std(tensor, a, mode, nonlinearity);
  torch::NoGradGuard no_grad;
  tensor.uniform_(-bound, bound);
}

void constant_init(torch::nn::Module& module, double val, double bias) {
  torch::Tensor w = own_tensor(module, "weight");
  if (w.defined()) {
    torch::NoGradGuard no_grad;
    w.fill_(val);
  }
  fill_bias(module, bias);
}

void xavier_init(torch::nn::Module& module, double gain, double bias,
                 const std::string& distribution) {
  if (distribution != "uniform" && distribution != "normal")
    throw Error("AssertionError", "xavier_init: distribution must be 'uniform' or 'normal', got '" +
                                      distribution + "'");
  torch::Tensor w = own_tensor(module, "weight");
  if (w.defined()) {
    torch::NoGradGuard no_grad;
    if (distribution == "uniform")
      torch::nn::init::xavier_uniform_(w, gain);
    else
      torch::nn::init::xavier_normal_(w, gain);
  }
  fill_bias(module, bias);
}

void normal_init(torch::nn::Module& module, double mean, double std, double bias) {
  torch::Tensor w = own_tensor(module, "weight");
  if (w.defined()) {
    torch::NoGradGuard no_grad;
    w.normal_(mean, std);
  }
  fill_bias(module, bias);
}

void trunc_normal_init(torch::nn::Module& module, double mean, double std, double a, double b,
                       double bias) {
  torch::Tensor w = own_tensor(module, "weight");
  if (w.defined()) trunc_normal_(w, mean, std, a, b);
  fill_bias(module, bias);
}

void uniform_init(torch::nn::Module& module, double a, double b, double bias) {
  torch::Tensor w = own_tensor(module, "weight");
  if (w.defined()) {
    torch::NoGradGuard no_grad;
    w.uniform_(a, b);
  }
  fill_bias(module, bias);
}

void kaiming_init(torch::nn::Module& module, double a, const std::string& mode,
                  const std::string& nonlinearity, double bias, const std::string& distribution) {
  if (distribution != "uniform" && distribution != "normal")
    throw Error(
        "AssertionError",
        "kaiming_init: distribution must be 'uniform' or 'normal', got '" + distribution + "'");
  torch::Tensor w = own_tensor(module, "weight");
  if (w.defined()) {
    if (distribution == "uniform")
      kaiming_uniform_(w, a, mode, nonlinearity);
    else
      kaiming_normal_(w, a, mode, nonlinearity);
  }
  fill_bias(module, bias);
}

void caffe2_xavier_init(torch::nn::Module& module, double bias) {
  kaiming_init(module, 1, "fan_in", "leaky_relu", bias, "uniform");
}

double bias_init_with_prob(double prior_prob) { return -std::log((1 - prior_prob) / prior_prob); }

torch::Tensor trunc_normal_(torch::Tensor tensor, double mean, double std, double a, double b) {
  auto norm_cdf = [](double x) { return (1. + std::erf(x / std::sqrt(2.))) / 2.; };
  torch::NoGradGuard no_grad;
  double lower = norm_cdf((a - mean) / std);
  double upper = norm_cdf((b - mean) / std);
  tensor.uniform_(2 * lower - 1, 2 * upper - 1);
  tensor.erfinv_();
  tensor.mul_(std * std::sqrt(2.));
  tensor.add_(mean);
  tensor.clamp_(a, b);
  return tensor;
}

// ---------------------------------------------------------------- BaseInit

BaseInit::BaseInit(registry::BuildArgs& args) {
  const std::string& c = args.component();
  Value bias = args.value_or("bias", Value(0));
  if (!bias.is_number() && !bias.is_bool())
    throw Error("TypeError", c + ": bias must be a number, but got a " + bias.type_name());
  Value bias_prob = args.value("bias_prob");
  if (!bias_prob.is_none() && !bias_prob.is_float())
    throw Error("TypeError",
                c + ": bias_prob type must be float, but got " + bias_prob.type_name());
  Value layer = args.value("layer");
  if (layer.is_str()) {
    layer_ = {layer.as_str()};
  } else if (layer.is_list()) {
    for (const auto& l : layer.items()) {
      if (!l.is_str())
        throw Error("TypeError", c + ": layer must be a str or a list of str, but got " + l.repr());
      layer_.push_back(l.as_str());
    }
  } else if (!layer.is_none()) {
    throw Error("TypeError",
                c + ": layer must be a str or a list of str, but got a " + layer.type_name());
  }
  if (!bias_prob.is_none()) {
    bias_ = bias_init_with_prob(bias_prob.as_float());
    bias_value_ = Value(bias_);
  } else {
    bias_ = bias.as_number();
    bias_value_ = bias;
  }
}

std::string BaseInit::bias_repr() const { return str_of(bias_value_); }

bool BaseInit::matches(const torch::nn::Module& m) const {
  PythonClass cls = python_class_of(m);
  for (const auto& l : layer_) {
    if (l == cls.name) return true;
    for (const auto& b : cls.bases)
      if (l == b) return true;
  }
  return false;
}

void BaseInit::apply(torch::nn::Module& module, InitContext* context) {
  apply_post_order(module, [&](torch::nn::Module& m) {
    if (wholemodule || matches(m)) init_module(m);
  });
  if (context) update_init_info(module, init_info(), *context);
}

// ---------------------------------------------------------------- initialisers

ConstantInit::ConstantInit(registry::BuildArgs& args) : BaseInit(args) {
  val_ = args.require("val");
  number(val_, "ConstantInit", "val");
}
std::shared_ptr<ConstantInit> ConstantInit::from_config(registry::BuildArgs& args) {
  return std::make_shared<ConstantInit>(args);
}
void ConstantInit::init_module(torch::nn::Module& m) { constant_init(m, val_.as_number(), bias()); }
std::string ConstantInit::init_info() const {
  return "ConstantInit: val=" + str_of(val_) + ", bias=" + bias_repr();
}

XavierInit::XavierInit(registry::BuildArgs& args) : BaseInit(args) {
  gain_ = args.value_or("gain", Value(1));
  number(gain_, "XavierInit", "gain");
  distribution_ = args.get_str("distribution", "normal");
}
std::shared_ptr<XavierInit> XavierInit::from_config(registry::BuildArgs& args) {
  return std::make_shared<XavierInit>(args);
}
void XavierInit::init_module(torch::nn::Module& m) {
  xavier_init(m, gain_.as_number(), bias(), distribution_);
}
std::string XavierInit::init_info() const {
  return "XavierInit: gain=" + str_of(gain_) + ", distribution=" + distribution_ +
         ", bias=" + bias_repr();
}

NormalInit::NormalInit(registry::BuildArgs& args) : BaseInit(args) {
  mean_ = args.value_or("mean", Value(0));
  std_ = args.value_or("std", Value(1));
  number(mean_, "NormalInit", "mean");
  number(std_, "NormalInit", "std");
}
std::shared_ptr<NormalInit> NormalInit::from_config(registry::BuildArgs& args) {
  return std::make_shared<NormalInit>(args);
}
void NormalInit::init_module(torch::nn::Module& m) {
  normal_init(m, mean_.as_number(), std_.as_number(), bias());
}
std::string NormalInit::init_info() const {
  return "NormalInit: mean=" + str_of(mean_) + ", std=" + str_of(std_) + ", bias=" + bias_repr();
}

TruncNormalInit::TruncNormalInit(registry::BuildArgs& args) : BaseInit(args) {
  mean_ = args.value_or("mean", Value(0));
  std_ = args.value_or("std", Value(1));
  a_ = args.value_or("a", Value(-2));
  b_ = args.value_or("b", Value(2));
  for (const auto& [k, v] : {std::pair{"mean", mean_}, {"std", std_}, {"a", a_}, {"b", b_}})
    number(v, "TruncNormalInit", k);
}
std::shared_ptr<TruncNormalInit> TruncNormalInit::from_config(registry::BuildArgs& args) {
  return std::make_shared<TruncNormalInit>(args);
}
void TruncNormalInit::init_module(torch::nn::Module& m) {
  trunc_normal_init(m, mean_.as_number(), std_.as_number(), a_.as_number(), b_.as_number(), bias());
}
std::string TruncNormalInit::init_info() const {
  return "TruncNormalInit: a=" + str_of(a_) + ", b=" + str_of(b_) + ", mean=" + str_of(mean_) +
         ", std=" + str_of(std_) + ", bias=" + bias_repr();
}

UniformInit::UniformInit(registry::BuildArgs& args) : BaseInit(args) {
  a_ = args.value_or("a", Value(0));
  b_ = args.value_or("b", Value(1));
  number(a_, "UniformInit", "a");
  number(b_, "UniformInit", "b");
}
std::shared_ptr<UniformInit> UniformInit::from_config(registry::BuildArgs& args) {
  return std::make_shared<UniformInit>(args);
}
void UniformInit::init_module(torch::nn::Module& m) {
  uniform_init(m, a_.as_number(), b_.as_number(), bias());
}
std::string UniformInit::init_info() const {
  return "UniformInit: a=" + str_of(a_) + ", b=" + str_of(b_) + ", bias=" + bias_repr();
}

KaimingInit::KaimingInit(registry::BuildArgs& args) : BaseInit(args) {
  a_ = args.value_or("a", Value(0));
  number(a_, "KaimingInit", "a");
  mode_ = args.get_str("mode", "fan_out");
  nonlinearity_ = args.get_str("nonlinearity", "relu");
  distribution_ = args.get_str("distribution", "normal");
}
std::shared_ptr<KaimingInit> KaimingInit::from_config(registry::BuildArgs& args) {
  return std::make_shared<KaimingInit>(args);
}
void KaimingInit::init_module(torch::nn::Module& m) {
  kaiming_init(m, a_.as_number(), mode_, nonlinearity_, bias(), distribution_);
}
std::string KaimingInit::init_info() const {
  return "KaimingInit: a=" + str_of(a_) + ", mode=" + mode_ + ", nonlinearity=" + nonlinearity_ +
         ", distribution =" + distribution_ + ", bias=" + bias_repr();
}

namespace {
// Caffe2XavierInit(**kwargs) passes its own a/mode/nonlinearity/distribution:
// giving them again is Python's "got multiple values for keyword argument".
registry::BuildArgs& caffe2_args(registry::BuildArgs& args) {
  for (const char* k : {"a", "mode", "nonlinearity", "distribution"})
    if (args.has(k))
      throw Error("TypeError", "Caffe2XavierInit: got multiple values for keyword argument '" +
                                   std::string(k) + "'");
  return args;
}
}  // namespace

Caffe2XavierInit::Caffe2XavierInit(registry::BuildArgs& args) : KaimingInit(args) {}
std::shared_ptr<Caffe2XavierInit> Caffe2XavierInit::from_config(registry::BuildArgs& args) {
  // KaimingInit reads a/mode/... with their defaults; Caffe2Xavier's differ.
  Value cfg = Value::dict(false);
  cfg.as_dict().set("a", Value(1));
  cfg.as_dict().set("mode", Value("fan_in"));
  cfg.as_dict().set("nonlinearity", Value("leaky_relu"));
  cfg.as_dict().set("distribution", Value("uniform"));
  caffe2_args(args);
  for (const char* k : {"bias", "bias_prob", "layer"})
    if (args.has(k)) cfg.as_dict().set(k, args.value(k));
  registry::BuildArgs inner("Caffe2XavierInit", cfg);
  return std::make_shared<Caffe2XavierInit>(inner);
}
std::string Caffe2XavierInit::init_info() const {
  std::string info = KaimingInit::init_info();
  return "Caffe2XavierInit" + info.substr(std::string("KaimingInit").size());
}

PretrainedInit::PretrainedInit(std::string checkpoint, std::optional<std::string> prefix,
                               std::string map_location)
    : checkpoint_(std::move(checkpoint)),
      prefix_(std::move(prefix)),
      map_location_(std::move(map_location)) {}

std::shared_ptr<PretrainedInit> PretrainedInit::from_config(registry::BuildArgs& args) {
  std::string checkpoint = args.require_str("checkpoint");
  std::optional<std::string> prefix = args.get_opt_str("prefix");
  std::string map_location = args.get_str("map_location", "cpu");
  return std::make_shared<PretrainedInit>(checkpoint, prefix, map_location);
}

void PretrainedInit::apply(torch::nn::Module& module, InitContext* context) {
  Logger* logger = context ? context->logger : nullptr;
  if (!prefix_) {
    if (logger) logger->info("load model from: " + checkpoint_);
    load_checkpoint(module, checkpoint_, map_location_, /*strict=*/false, logger);
  } else {
    if (logger) logger->info("load " + *prefix_ + " in model from: " + checkpoint_);
    StateDict state_dict = load_checkpoint_with_prefix(*prefix_, checkpoint_, map_location_);
    load_state_dict(module, state_dict, /*strict=*/false, logger);
  }
  if (context) update_init_info(module, init_info(), *context);
}

std::string PretrainedInit::init_info() const { return "PretrainedInit: load from " + checkpoint_; }

// ---------------------------------------------------------------- initialize

namespace {

void initialize_one(torch::nn::Module& module, const Value& cfg, bool wholemodule,
                    InitContext* context) {
  auto init = registry::WEIGHT_INITIALIZERS().build(cfg);
  init->wholemodule = wholemodule;
  init->apply(module, context);
}

void initialize_override(torch::nn::Module& module, const Value& override, const Value& cfg,
                         InitContext* context) {
  if (!override.is_dict() && !override.is_list())
    throw Error("TypeError",
                "override must be a dict or a list of dict, but got " + override.type_name());
  Value::Items overrides = override.is_dict() ? Value::Items{override} : override.items();
  for (const auto& o : overrides) {
    if (!o.is_dict())
      throw Error("TypeError", "override must be a dict or a list of dict, but got " + o.repr());
    Value cp = o.deep_copy();
    const Value* name_ptr = cp.as_dict().find("name");
    if (!name_ptr || name_ptr->is_none())
      throw Error("ValueError", "`override` must contain the key \"name\",but got " + cp.repr());
    std::string name = name_ptr->str();
    cp.as_dict().erase("name");
    if (cp.as_dict().empty()) {
      for (const auto& [k, v] : cfg.as_dict().entries()) cp.as_dict().set(k, v);
    } else if (!cp.as_dict().contains("type")) {
      throw Error("ValueError", "`override` need \"type\" key, but got " + cp.repr());
    }
    std::shared_ptr<torch::nn::Module> child;
    for (const auto& c : module.named_children())
      if (c.key() == name) child = c.value();
    if (!child)
      throw Error("RuntimeError",
                  "module did not have attribute " + name + ", but init_cfg is " + cp.repr() + ".");
    initialize_one(*child, cp, /*wholemodule=*/true, context);
  }
}

}  // namespace

void initialize(torch::nn::Module& module, const Value& init_cfg, InitContext* context) {
  if (!init_cfg.is_dict() && !init_cfg.is_list())
    throw Error("TypeError",
                "init_cfg must be a dict or a list of dict, but got " + init_cfg.type_name());
  Value::Items cfgs = init_cfg.is_dict() ? Value::Items{init_cfg} : init_cfg.items();
  for (const auto& cfg : cfgs) {
    if (!cfg.is_dict())
      throw Error("TypeError", "init_cfg must be a dict or a list of dict, but got " + cfg.repr());
    // A copy: one init_cfg may be shared by several modules.
    Value cp = cfg.deep_copy();
    Value override;
    if (const Value* o = cp.as_dict().find("override")) {
      override = *o;
      cp.as_dict().erase("override");
    }
    initialize_one(module, cp, /*wholemodule=*/false, context);
    if (!override.is_none()) {
      cp.as_dict().erase("layer");
      initialize_override(module, override, cp, context);
    }
  }
}

}  // namespace mmcpp::engine

MMCPP_REGISTER_AS(mmcpp::registry::WEIGHT_INITIALIZERS, mmcpp::engine::ConstantInit, "Constant",
                  "dict(type='Constant', val=1, layer='Conv2d')");
MMCPP_REGISTER_AS(mmcpp::registry::WEIGHT_INITIALIZERS, mmcpp::engine::XavierInit, "Xavier",
                  "dict(type='Xavier', layer='Linear', distribution='uniform')");
MMCPP_REGISTER_AS(mmcpp::registry::WEIGHT_INITIALIZERS, mmcpp::engine::NormalInit, "Normal",
                  "dict(type='Normal', layer='Linear', std=0.01)");
MMCPP_REGISTER_AS(mmcpp::registry::WEIGHT_INITIALIZERS, mmcpp::engine::TruncNormalInit,
                  "TruncNormal", "dict(type='TruncNormal', layer=['Conv2d', 'Linear'], std=0.02)");
MMCPP_REGISTER_AS(mmcpp::registry::WEIGHT_INITIALIZERS, mmcpp::engine::UniformInit, "Uniform",
                  "dict(type='Uniform', layer='Conv2d', a=0, b=1)");
MMCPP_REGISTER_AS(mmcpp::registry::WEIGHT_INITIALIZERS, mmcpp::engine::KaimingInit, "Kaiming",
                  "dict(type='Kaiming', layer=['Conv2d'])");
MMCPP_REGISTER_AS(mmcpp::registry::WEIGHT_INITIALIZERS, mmcpp::engine::Caffe2XavierInit,
                  "Caffe2Xavier", "dict(type='Caffe2Xavier', layer='Conv2d')");
MMCPP_REGISTER_AS(mmcpp::registry::WEIGHT_INITIALIZERS, mmcpp::engine::PretrainedInit, "Pretrained",
                  "dict(type='Pretrained', checkpoint='model.pth', prefix='backbone')");
