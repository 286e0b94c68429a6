#include "mmcpp/engine/optim/optim_wrapper_constructor.h"

#include <set>
#include <unordered_set>
#include <utility>

#include "mmcpp/core/error.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

using config::Value;

namespace {

// Keyword arguments every torch 1.13 optimizer takes besides its options; the
// optimizer factories validate them.
const std::set<std::string> kPythonFlags = {"maximize", "foreach", "differentiable", "capturable",
                                            "fused"};

Value wrapper_cfg_with_type(const Value& optim_wrapper_cfg) {
  Value w = optim_wrapper_cfg.is_none() ? Value::dict(false) : optim_wrapper_cfg.deep_copy();
  if (!w.is_dict())
    throw Error("TypeError",
                "optim_wrapper_cfg should be a dict, but got " + w.type_name() + " " + w.repr());
  if (!w.as_dict().contains("type")) w.as_dict().set(Value("type"), Value("OptimWrapper"));
  return w;
}

std::shared_ptr<OptimWrapper> wrap(const Value& optim_wrapper_cfg,
                                   std::shared_ptr<torch::optim::Optimizer> optimizer) {
  return registry::OPTIM_WRAPPERS().build(wrapper_cfg_with_type(optim_wrapper_cfg), Value(),
                                          {{"optimizer", std::any(std::move(optimizer))}});
}

}  // namespace

std::shared_ptr<OptimWrapper> build_optimizer_and_wrapper(
    const Value& optimizer_cfg, const Value& optim_wrapper_cfg,
    const std::vector<torch::Tensor>& params) {
  auto optimizer =
      registry::OPTIMIZERS().build(optimizer_cfg, Value(), {{"params", std::any(params)}});
  return wrap(optim_wrapper_cfg, std::move(optimizer));
}

std::shared_ptr<OptimWrapper> build_optimizer_and_wrapper(const Value& optimizer_cfg,
                                                          const Value& optim_wrapper_cfg,
                                                          const ParamGroups& groups) {
  // torch.optim.Optimizer.add_param_group refuses a tensor in two groups.
  std::unordered_set<const void*> seen;
  for (const auto& g : groups) {
    std::unordered_set<const void*> mine;
    for (const auto& p : g.params) {
      const void* id = p.unsafeGetTensorImpl();
      if (seen.count(id))
        throw Error("ValueError", "some parameters appear in more than one parameter group");
      mine.insert(id);
    }
    seen.insert(mine.begin(), mine.end());
  }
  // Which group keys are options of this optimizer: ask a throwaway instance.
  std::vector<torch::Tensor> probe_params = {torch::zeros({1}, torch::requires_grad())};
  auto probe =
      registry::OPTIMIZERS().build(optimizer_cfg, Value(), {{"params", std::any(probe_params)}});
  const auto& defaults = probe->defaults();
  auto is_option = [&](const std::string& key) {
    if (kPythonFlags.count(key)) return true;
    try {
      return has_option(defaults, key == "betas" ? "betas0" : key);
    } catch (const Error&) {
      return true;  // options we cannot inspect: the optimizer factory decides
    }
  };
  ParamGroups specs;
  std::vector<std::vector<std::pair<std::string, Value>>> extras;
  for (const auto& g : groups) {
    Value options = Value::dict(false);
    auto& ex = extras.emplace_back();
    if (!g.options.is_none() && !g.options.is_dict())
      throw Error("TypeError", "a param group must be a dict, got " + g.options.repr());
    if (g.options.is_dict()) {
      for (const auto& [k, v] : g.options.as_dict().entries()) {
        std::string key = k.str();
        if (key == "params") continue;
        if (is_option(key))
          options.as_dict().set(k, v);
        else
          ex.emplace_back(key, v);
      }
    }
    specs.push_back({g.params, options});
  }
  auto optimizer =
      registry::OPTIMIZERS().build(optimizer_cfg, Value(), {{"params", std::any(specs)}});
  auto wrapper = wrap(optim_wrapper_cfg, std::move(optimizer));
  for (std::size_t gi = 0; gi < extras.size(); ++gi)
    for (const auto& [k, v] : extras[gi])
      if (v.is_number() || v.is_bool()) wrapper->set_value(gi, k, v.as_number());
  return wrapper;
}

std::vector<torch::Tensor> unique_parameters(const torch::nn::Module& module) {
  std::vector<torch::Tensor> out;
  std::unordered_set<const void*> seen;
  for (const auto& p : module.parameters(/*recurse=*/true))
    if (seen.insert(p.unsafeGetTensorImpl()).second) out.push_back(p);
  return out;
}

}  // namespace mmcpp::engine
