#include "mmcpp/engine/optim/default_constructor.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/instancenorm.h>
#include <torch/nn/modules/normalization.h>

#include <algorithm>
#include <unordered_set>

#include "mmcpp/core/error.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

using config::Value;
namespace nn = torch::nn;

bool is_norm_layer(const nn::Module& m) {
  return dynamic_cast<const NormLayer*>(&m) || dynamic_cast<const nn::BatchNorm1dImpl*>(&m) ||
         dynamic_cast<const nn::BatchNorm2dImpl*>(&m) ||
         dynamic_cast<const nn::BatchNorm3dImpl*>(&m) ||
         dynamic_cast<const nn::InstanceNorm1dImpl*>(&m) ||
         dynamic_cast<const nn::InstanceNorm2dImpl*>(&m) ||
         dynamic_cast<const nn::InstanceNorm3dImpl*>(&m) ||
         dynamic_cast<const nn::GroupNormImpl*>(&m) || dynamic_cast<const nn::LayerNormImpl*>(&m);
}

bool is_conv2d(const nn::Module& m) { return dynamic_cast<const nn::Conv2dImpl*>(&m) != nullptr; }

bool is_depthwise_conv2d(const nn::Module& m) {
  auto* conv = dynamic_cast<const nn::Conv2dImpl*>(&m);
  return conv && conv->options.in_channels() == conv->options.groups();
}

bool is_deform_conv(const nn::Module& m) {
  return dynamic_cast<const DeformConvLayer*>(&m) != nullptr;
}

Value py_mul(const Value& a, const Value& b) {
  auto operand = [](const Value& v) -> std::string {
    if (v.is_number() || v.is_bool()) return "";
    return v.type_name();
  };
  if (!operand(a).empty() || !operand(b).empty())
    throw Error("TypeError", "unsupported operand type(s) for *: '" + a.type_name() + "' and '" +
                                 b.type_name() + "'");
  if (!a.is_float() && !b.is_float())
    return Value(static_cast<std::int64_t>(a.as_number()) *
                 static_cast<std::int64_t>(b.as_number()));
  return Value(a.as_number() * b.as_number());
}

namespace {

// len() of a Python str: code points of the UTF-8 text.
std::size_t py_len(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool contains_param(const ParamGroups& groups, const torch::Tensor& p) {
  for (const auto& g : groups)
    for (const auto& q : g.params)
      if (q.unsafeGetTensorImpl() == p.unsafeGetTensorImpl()) return true;
  return false;
}

}  // namespace

DefaultOptimWrapperConstructor::DefaultOptimWrapperConstructor(const Value& optim_wrapper_cfg,
                                                               const Value& paramwise_cfg) {
  if (!optim_wrapper_cfg.is_dict())
    throw Error("TypeError", "optimizer_cfg should be a dict, but got " +
                                 optim_wrapper_cfg.type_name() + " " + optim_wrapper_cfg.repr());
  if (!optim_wrapper_cfg.as_dict().contains("optimizer"))
    throw Error("AssertionError", "`optim_wrapper_cfg` must contain \"optimizer\" config, got " +
                                      optim_wrapper_cfg.repr());
  optim_wrapper_cfg_ = optim_wrapper_cfg.deep_copy();
  optimizer_cfg_ = *optim_wrapper_cfg_.as_dict().find("optimizer");
  optim_wrapper_cfg_.as_dict().erase("optimizer");
  paramwise_cfg_ = paramwise_cfg.is_none() ? Value::dict(false) : paramwise_cfg.deep_copy();
  if (optimizer_cfg_.is_dict()) {
    if (const Value* lr = optimizer_cfg_.as_dict().find("lr")) base_lr_ = *lr;
    if (const Value* wd = optimizer_cfg_.as_dict().find("weight_decay")) base_wd_ = *wd;
  }
  validate_cfg();
}

std::shared_ptr<DefaultOptimWrapperConstructor> DefaultOptimWrapperConstructor::from_config(
    registry::BuildArgs& args) {
  Value cfg = args.require("optim_wrapper_cfg");
  Value paramwise = args.value_or("paramwise_cfg", Value());
  return std::make_shared<DefaultOptimWrapperConstructor>(cfg, paramwise);
}

MMCPP_REGISTER(registry::OPTIM_WRAPPER_CONSTRUCTORS, DefaultOptimWrapperConstructor,
               "dict(type='DefaultOptimWrapperConstructor', optim_wrapper_cfg=dict("
               "optimizer=dict(type='SGD', lr=0.1, weight_decay=1e-4)), "
               "paramwise_cfg=dict(norm_decay_mult=0.))");

void DefaultOptimWrapperConstructor::validate_cfg() const {
  if (!paramwise_cfg_.is_dict())
    throw Error("TypeError", "paramwise_cfg should be None or a dict, but got " +
                                 paramwise_cfg_.type_name() + " " + paramwise_cfg_.repr());
  if (const Value* ck = paramwise_cfg_.as_dict().find("custom_keys")) {
    if (!ck->is_dict())
      throw Error("TypeError", "If specified, custom_keys must be a dict, but got " +
                                   ck->type_name() + " " + ck->repr());
    for (const auto& [k, v] : ck->as_dict().entries()) {
      if (!v.is_dict())
        throw Error("TypeError", "custom_keys[" + k.repr() + "] must be a dict, but got " +
                                     v.type_name() + " " + v.repr());
      if (base_wd_.is_none() && v.as_dict().contains("decay_mult"))
        throw Error("ValueError", "base_wd should not be None");
    }
  }
  // weight_decay must be explicitly specified if mult is specified
  const auto& p = paramwise_cfg_.as_dict();
  if ((p.contains("bias_decay_mult") || p.contains("norm_decay_mult") ||
       p.contains("dwconv_decay_mult")) &&
      base_wd_.is_none())
    throw Error("ValueError", "base_wd should not be None");
}

Value DefaultOptimWrapperConstructor::paramwise(const char* key) const {
  const Value* v = paramwise_cfg_.as_dict().find(key);
  return v ? *v : Value();
}

std::vector<std::string> DefaultOptimWrapperConstructor::sorted_custom_keys() const {
  std::vector<std::string> keys;
  if (const Value* ck = paramwise_cfg_.as_dict().find("custom_keys"))
    for (const auto& [k, v] : ck->as_dict().entries()) keys.push_back(k.str());
  std::sort(keys.begin(), keys.end());
  std::stable_sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
    return py_len(a) > py_len(b);
  });
  return keys;
}

void DefaultOptimWrapperConstructor::add_params(ParamGroups& params, nn::Module& module,
                                                Logger* logger) {
  add_params_rec(params, module, "", false, logger);
}

void DefaultOptimWrapperConstructor::add_params_rec(ParamGroups& params, nn::Module& module,
                                                    const std::string& prefix, bool is_dcn_module,
                                                    Logger* logger) {
  const Value* ck = paramwise_cfg_.as_dict().find("custom_keys");
  std::vector<std::string> sorted_keys = sorted_custom_keys();
  Value bias_lr_mult = paramwise("bias_lr_mult");
  Value bias_decay_mult = paramwise("bias_decay_mult");
  Value norm_decay_mult = paramwise("norm_decay_mult");
  Value dwconv_decay_mult = paramwise("dwconv_decay_mult");
  Value flat_decay_mult = paramwise("flat_decay_mult");
  Value bypass = paramwise("bypass_duplicate");
  bool bypass_duplicate = bypass.truthy();
  Value dcn_offset_lr_mult = paramwise("dcn_offset_lr_mult");

  bool is_norm = is_norm_layer(module);
  bool is_dwconv = is_depthwise_conv2d(module);

  for (const auto& item : module.named_parameters(/*recurse=*/false)) {
    const std::string& name = item.key();
    const torch::Tensor& param = item.value();
    std::string full = prefix + "." + name;  // what custom keys are matched against
    if (bypass_duplicate && contains_param(params, param)) {
      if (logger)
        logger->warning(prefix +
                        " is duplicate. It is skipped since bypass_duplicate=" + bypass.str());
      continue;
    }
    if (!param.requires_grad()) {
      if (logger) logger->warning(full + " is skipped since its requires_grad=False");
      continue;
    }
    Value group = Value::dict(false);
    auto& g = group.as_dict();
    bool is_custom = false;
    for (const auto& key : sorted_keys) {
      if (full.find(key) == std::string::npos) continue;
      is_custom = true;
      const Value& custom = *ck->as_dict().find(key);
      const Value* lr_mult = custom.as_dict().find("lr_mult");
      g.set(Value("lr"), py_mul(base_lr_, lr_mult ? *lr_mult : Value(1.0)));
      if (!base_wd_.is_none()) {
        const Value* decay_mult = custom.as_dict().find("decay_mult");
        g.set(Value("weight_decay"), py_mul(base_wd_, decay_mult ? *decay_mult : Value(1.0)));
      }
      for (const auto& [k, v] : custom.as_dict().entries()) g.set(k, v);
      break;
    }
    if (!is_custom) {
      // bias_lr_mult affects all bias parameters except for norm.bias dcn.conv_offset.bias
      if (name == "bias" && !(is_norm || is_dcn_module) && !bias_lr_mult.is_none())
        g.set(Value("lr"), py_mul(base_lr_, bias_lr_mult));
      if (prefix.find("conv_offset") != std::string::npos && is_dcn_module &&
          !dcn_offset_lr_mult.is_none() && is_conv2d(module))
        g.set(Value("lr"), py_mul(base_lr_, dcn_offset_lr_mult));  // weight and bias
      if (!base_wd_.is_none()) {
        if (is_norm && !norm_decay_mult.is_none())
          g.set(Value("weight_decay"), py_mul(base_wd_, norm_decay_mult));
        else if (name == "bias" && !is_dcn_module && !bias_decay_mult.is_none())
          g.set(Value("weight_decay"), py_mul(base_wd_, bias_decay_mult));
        else if (is_dwconv && !dwconv_decay_mult.is_none())
          g.set(Value("weight_decay"), py_mul(base_wd_, dwconv_decay_mult));
        else if (param.dim() == 1 && !is_dcn_module && !flat_decay_mult.is_none())
          g.set(Value("weight_decay"), py_mul(base_wd_, flat_decay_mult));
      }
    }
    params.push_back({{param}, group});
    if (logger) {
      std::string shown = prefix.empty() ? name : full;
      for (const auto& [k, v] : g.entries())
        logger->info("paramwise_options -- " + shown + ":" + k.str() + "=" + v.str());
    }
  }
  // Children of a DCN module get the DCN rules.
  bool child_is_dcn = is_deform_conv(module);
  std::unordered_set<const nn::Module*> memo;  // named_children yields a module once
  for (const auto& child : module.named_children()) {
    if (!memo.insert(child.value().get()).second) continue;
    std::string child_prefix = prefix.empty() ? child.key() : prefix + "." + child.key();
    add_params_rec(params, *child.value(), child_prefix, child_is_dcn, logger);
  }
}

std::shared_ptr<OptimWrapper> DefaultOptimWrapperConstructor::build(nn::Module& model,
                                                                    Logger* logger) {
  // if no paramwise option is specified, just use the global setting
  if (paramwise_cfg_.as_dict().empty())
    return build_optimizer_and_wrapper(optimizer_cfg_, optim_wrapper_cfg_,
                                       unique_parameters(model));
  ParamGroups params;
  add_params(params, model, logger);
  return build_optimizer_and_wrapper(optimizer_cfg_, optim_wrapper_cfg_, params);
}

}  // namespace mmcpp::engine
