#include "mmcpp/pretrain/engine/optimizers/layer_decay_optim_wrapper_constructor.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_set>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/utils/layer_depth.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
namespace nn = torch::nn;

namespace {

// Python's rate ** exponent: int ** non-negative int stays an int.
Value py_pow(const Value& rate, std::int64_t exponent) {
  if (!rate.is_number() && !rate.is_bool())
    throw Error("TypeError", "layer_decay_rate must be a number, got " + rate.repr());
  if (!rate.is_float() && exponent >= 0) {
    std::int64_t r = 1, b = static_cast<std::int64_t>(rate.as_number());
    for (std::int64_t i = 0; i < exponent; ++i) r *= b;
    return Value(r);
  }
  return Value(std::pow(rate.as_number(), static_cast<double>(exponent)));
}

// format(x, '.3g').
std::string g3(const Value& v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3g", v.as_number());
  return buf;
}

}  // namespace

std::shared_ptr<LearningRateDecayOptimWrapperConstructor>
LearningRateDecayOptimWrapperConstructor::from_config(registry::BuildArgs& args) {
  Value cfg = args.require("optim_wrapper_cfg");
  Value paramwise = args.value_or("paramwise_cfg", Value());
  return std::make_shared<LearningRateDecayOptimWrapperConstructor>(cfg, paramwise);
}

MMCPP_REGISTER(OPTIM_WRAPPER_CONSTRUCTORS, LearningRateDecayOptimWrapperConstructor,
               "dict(type='LearningRateDecayOptimWrapperConstructor', optim_wrapper_cfg=dict("
               "optimizer=dict(type='AdamW', lr=4e-3, weight_decay=0.05)), "
               "paramwise_cfg=dict(layer_decay_rate=0.65, custom_keys={'.cls_token': "
               "dict(decay_mult=0.0)}))");

LearningRateDecayOptimWrapperConstructor::LayerDepthFn
LearningRateDecayOptimWrapperConstructor::layer_depth_of(nn::Module& model) {
  if (auto* self = dynamic_cast<LayerDepthInterface*>(&model))
    return [self](const std::string& name) { return self->get_layer_depth(name, ""); };
  for (const auto& c : model.named_children()) {
    if (c.key() != "backbone") continue;
    // ImageClassifier.get_layer_depth: the backbone answers, with its prefix.
    if (auto* backbone = dynamic_cast<LayerDepthInterface*>(c.value().get())) {
      auto keep = c.value();
      return [backbone, keep](const std::string& name) {
        return backbone->get_layer_depth(name, "backbone.");
      };
    }
    throw Error("NotImplementedError",
                "The backbone " + c.value()->name() + " doesn't support `get_layer_depth` by now.");
  }
  throw Error("NotImplementedError", "The layer-wise learning rate decay need the model " +
                                         model.name() + " has `get_layer_depth` method.");
}

void LearningRateDecayOptimWrapperConstructor::add_params(engine::ParamGroups& params,
                                                          nn::Module& module, Logger* logger) {
  std::size_t first = params.size();
  add_params_rec(params, module, "", layer_depth_of(module));
  if (!logger) return;
  // One DEBUG message per layer, layers in order of first appearance.
  std::vector<std::int64_t> order;
  std::map<std::int64_t, std::vector<const Value*>> layers;
  for (std::size_t i = first; i < params.size(); ++i) {
    const Value& g = params[i].options;
    std::int64_t id = g.as_dict().find("layer_id")->as_int();
    if (!layers.count(id)) order.push_back(id);
    layers[id].push_back(&g);
  }
  for (auto id : order) {
    const auto& groups = layers[id];
    const auto& g0 = groups.front()->as_dict();
    std::string msg = "layer " + std::to_string(id) + " params (lr=" + g3(*g0.find("lr")) +
                      ", lr_scale=" + g3(*g0.find("lr_scale")) + "):";
    for (const Value* g : groups) {
      const auto& d = g->as_dict();
      msg += "\n\t" + d.find("param_name")->str() + ": weight_decay=";
      // MMPretrain formats weight_decay even when the optimizer has none (a
      // KeyError there); we print None.
      const Value* wd = d.find("weight_decay");
      msg += wd ? g3(*wd) : "None";
    }
    logger->debug(msg);
  }
}

void LearningRateDecayOptimWrapperConstructor::add_params_rec(engine::ParamGroups& params,
                                                              nn::Module& module,
                                                              const std::string& prefix,
                                                              const LayerDepthFn& get_layer_depth) {
  const Value* ck = paramwise_cfg_.as_dict().find("custom_keys");
  std::vector<std::string> sorted_keys = sorted_custom_keys();
  Value bias_decay_mult = paramwise("bias_decay_mult");
  Value norm_decay_mult = paramwise("norm_decay_mult");
  Value flat_decay_mult = paramwise("flat_decay_mult");
  Value decay_rate = paramwise("layer_decay_rate");
  if (decay_rate.is_none()) decay_rate = Value(1.0);
  bool is_norm = engine::is_norm_layer(module);

  for (const auto& item : module.named_parameters(/*recurse=*/false)) {
    const std::string& name = item.key();
    const torch::Tensor& param = item.value();
    std::string param_name = prefix + name;
    if (!param.requires_grad()) continue;
    Value group = Value::dict(false);
    auto& g = group.as_dict();
    if (!base_wd_.is_none()) {
      const std::string* custom_key = nullptr;
      for (const auto& k : sorted_keys)
        if (param_name.find(k) != std::string::npos) {
          custom_key = &k;
          break;
        }
      if (custom_key) {
        const Value& custom = *ck->as_dict().find(*custom_key);
        const Value* decay_mult = custom.as_dict().find("decay_mult");
        g.set(Value("weight_decay"),
              engine::py_mul(base_wd_, decay_mult ? *decay_mult : Value(1.0)));
        for (const auto& [k, v] : custom.as_dict().entries())
          if (k.str() != "decay_mult") g.set(k, v);
      } else if (is_norm && !norm_decay_mult.is_none()) {
        g.set(Value("weight_decay"), engine::py_mul(base_wd_, norm_decay_mult));
      } else if (name == "bias" && !bias_decay_mult.is_none()) {
        g.set(Value("weight_decay"), engine::py_mul(base_wd_, bias_decay_mult));
      } else if (param.dim() == 1 && !flat_decay_mult.is_none()) {
        g.set(Value("weight_decay"), engine::py_mul(base_wd_, flat_decay_mult));
      } else {
        g.set(Value("weight_decay"), base_wd_);
      }
    }
    auto [layer_id, max_id] = get_layer_depth(param_name);
    Value scale = py_pow(decay_rate, max_id - layer_id - 1);
    g.set(Value("lr"), engine::py_mul(base_lr_, scale));
    g.set(Value("lr_scale"), scale);
    g.set(Value("layer_id"), Value(layer_id));
    g.set(Value("param_name"), Value(param_name));
    params.push_back({{param}, group});
  }
  std::unordered_set<const nn::Module*> memo;  // named_children yields a module once
  for (const auto& c : module.named_children())
    if (memo.insert(c.value().get()).second)
      add_params_rec(params, *c.value(), prefix + c.key() + ".", get_layer_depth);
}

}  // namespace mmcpp::pretrain
