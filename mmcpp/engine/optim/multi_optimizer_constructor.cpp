#include "mmcpp/engine/optim/multi_optimizer_constructor.h"

#include <regex>
#include <unordered_set>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optim_wrapper_dict.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

using config::Value;
namespace nn = torch::nn;

namespace {

// module._modules[name], or null.
std::shared_ptr<nn::Module> child(nn::Module& module, const std::string& name) {
  for (const auto& c : module.named_children())
    if (c.key() == name) return c.value();
  return nullptr;
}

std::vector<std::string> name_list(const Value& names) {
  if (names.is_str()) return {names.as_str()};
  std::vector<std::string> out;
  if (names.is_sequence()) {
    for (const auto& n : names.items()) {
      if (!n.is_str()) throw Error("TypeError", "module names must be strings, got " + n.repr());
      out.push_back(n.as_str());
    }
    return out;
  }
  throw Error("TypeError", "`modules` must be a str or a list of str, got " + names.repr());
}

// The constructor of one wrapper cfg: `modules` and `paramwise_cfg` taken out.
std::shared_ptr<DefaultOptimWrapperConstructor> make_constructor(const Value& cfg,
                                                                 const std::string& key,
                                                                 Value* modules) {
  if (!cfg.is_dict())
    throw Error("TypeError", "MultiOptimWrapperConstructor: the config of '" + key +
                                 "' should be a dict, but got " + cfg.type_name() + " " +
                                 cfg.repr());
  Value c = cfg.deep_copy();
  if (modules) {
    if (const Value* m = c.as_dict().find("modules")) *modules = *m;
    c.as_dict().erase("modules");
  }
  Value paramwise;
  if (const Value* p = c.as_dict().find("paramwise_cfg")) paramwise = *p;
  c.as_dict().erase("paramwise_cfg");
  return std::make_shared<DefaultOptimWrapperConstructor>(c, paramwise);
}

}  // namespace

std::pair<std::vector<torch::Tensor>, std::vector<std::string>> get_params_by_names(
    nn::Module& module, const std::vector<std::string>& names) {
  std::vector<torch::Tensor> params;
  std::vector<std::string> found;
  for (const auto& name : names) {
    if (auto c = child(module, name)) {
      for (auto& p : unique_parameters(*c)) params.push_back(p);
      found.push_back(name);
      continue;
    }
    std::regex re;
    try {
      re = std::regex(name);
    } catch (const std::regex_error& e) {
      throw Error("ValueError", "invalid module name pattern '" + name + "': " + e.what());
    }
    // named_modules(): the module itself (named '') first, each module once.
    // (LibTorch's include_self needs the root in a shared_ptr, so it is done here.)
    std::unordered_set<const nn::Module*> memo = {&module};
    if (std::regex_match(std::string(), re)) {
      for (auto& p : unique_parameters(module)) params.push_back(p);
      found.emplace_back();
    }
    for (const auto& m : module.named_modules("", /*include_self=*/false)) {
      if (!memo.insert(m.value().get()).second) continue;
      if (!std::regex_match(m.key(), re)) continue;
      for (auto& p : unique_parameters(*m.value())) params.push_back(p);
      found.push_back(m.key());
    }
  }
  // One tensor once (PyTorch only warns about duplicates inside a group, and
  // would then step them twice).
  std::vector<torch::Tensor> unique;
  std::unordered_set<const void*> seen;
  for (auto& p : params)
    if (seen.insert(p.unsafeGetTensorImpl()).second) unique.push_back(p);
  return {unique, found};
}

MultiOptimWrapperConstructor::MultiOptimWrapperConstructor(const Value& optim_wrapper_cfg,
                                                           const Value& paramwise_cfg) {
  if (!optim_wrapper_cfg.is_dict())
    throw Error("TypeError", "optimizer_cfg should be a dict, but got " +
                                 optim_wrapper_cfg.type_name() + " " + optim_wrapper_cfg.repr());
  if (!paramwise_cfg.is_none())
    throw Error("AssertionError", "paramwise_cfg should be set in each optimizer separately");
  const auto& d = optim_wrapper_cfg.as_dict();
  if (d.contains("modules")) {
    // single optimizer with multi param groups
    single_ = true;
    Entry e;
    e.has_modules = true;
    e.constructor = make_constructor(optim_wrapper_cfg, "modules", &e.modules);
    entries_.push_back(std::move(e));
    return;
  }
  for (const auto& [k, v] : d.entries()) {
    Entry e;
    e.key = k.str();
    Value modules;
    e.constructor = make_constructor(v, e.key, &modules);
    e.has_modules = v.as_dict().contains("modules");
    e.modules = modules;
    entries_.push_back(std::move(e));
  }
}

std::shared_ptr<MultiOptimWrapperConstructor> MultiOptimWrapperConstructor::from_config(
    registry::BuildArgs& args) {
  Value cfg = args.require("optim_wrapper_cfg");
  Value paramwise = args.value_or("paramwise_cfg", Value());
  return std::make_shared<MultiOptimWrapperConstructor>(cfg, paramwise);
}

MMCPP_REGISTER(registry::OPTIM_WRAPPER_CONSTRUCTORS, MultiOptimWrapperConstructor,
               "dict(type='MultiOptimWrapperConstructor', optim_wrapper_cfg=dict("
               "generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))), "
               "discriminator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4))))");

std::shared_ptr<OptimWrapper> MultiOptimWrapperConstructor::build_over_names(
    const DefaultOptimWrapperConstructor& c, nn::Module& model, const Value& names,
    const std::string& key, Logger* logger) const {
  if (!c.paramwise_cfg().as_dict().empty())
    throw Error("AssertionError", single_ ? "Do not support paramwise_cfg for multi parameters"
                                          : "Do not support paramwise_cfg for multi module "
                                            "optimizer.");
  auto [params, found] = get_params_by_names(model, name_list(names));
  auto wrapper = build_optimizer_and_wrapper(c.optimizer_cfg(), c.optim_wrapper_cfg(), params);
  if (logger)
    for (const auto& n : found)
      logger->info("Add to optimizer " + (single_ ? "" : "'" + key + "' ") + "(" +
                   c.optimizer_cfg().repr() + "): '" + n + "'.");
  return wrapper;
}

std::shared_ptr<OptimWrapper> MultiOptimWrapperConstructor::build(nn::Module& model,
                                                                  Logger* logger) {
  if (single_) {
    const Entry& e = entries_.front();
    return build_over_names(*e.constructor, model, e.modules, "", logger);
  }
  OptimWrapperDict::Items wrappers;
  for (const auto& e : entries_) {
    Value names = e.has_modules ? e.modules : Value(e.key);
    std::shared_ptr<nn::Module> sub = names.is_str() ? child(model, names.as_str()) : nullptr;
    if (sub) {
      wrappers.emplace_back(e.key, e.constructor->build(*sub, logger));
      if (logger)
        logger->info("Add to optimizer '" + e.key + "' (" + e.constructor->optimizer_cfg().repr() +
                     "): '" + e.key + "'.");
    } else {
      wrappers.emplace_back(e.key, build_over_names(*e.constructor, model, names, e.key, logger));
    }
  }
  return std::make_shared<OptimWrapperDict>(std::move(wrappers));
}

}  // namespace mmcpp::engine
