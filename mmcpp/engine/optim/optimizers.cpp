// torch.optim optimizers in OPTIMIZERS (mmengine/optim/optimizer/builder.py
// registers every torch.optim class): SGD, Adam, AdamW, RMSprop and Adagrad on
// LibTorch, with PyTorch 1.13's argument names, defaults and checks (SGD, Adam
// and AdamW with the `foreach` multi-tensor path of foreach.h); the shared
// factory helpers of optimizer_builder.h.
//
// Parameters are not config: they come as args.object("params") holding a
// std::vector<torch::Tensor> (one group) or a std::vector<ParamGroupSpec>.
#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/foreach.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/optim/optimizer_builder.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

using config::Value;
namespace optim = torch::optim;

// Validation messages of PyTorch 1.13 (ValueError).
void check_range(bool ok, const std::string& what, double v) {
  if (!ok) throw Error("ValueError", "Invalid " + what + ": " + config::float_repr(v));
}

void read_python_flags(registry::BuildArgs& args, const std::vector<std::string>& flags) {
  for (const auto& f : flags) {
    Value v = args.value(f);
    if ((f == "maximize" || f == "differentiable" || f == "capturable") && v.truthy())
      throw Error("NotImplementedError", args.component() + ": " + f + "=True is not supported");
  }
}

std::optional<bool> read_foreach(registry::BuildArgs& args) {
  Value v = args.value("foreach");
  if (v.is_none()) return std::nullopt;
  if (!v.is_bool()) args.fail("foreach", "must be None or a bool, got " + v.repr());
  return v.as_bool();
}

std::vector<double> read_float_tuple(registry::BuildArgs& args, const std::string& key,
                                     const std::vector<double>& dflt) {
  Value v = args.value(key);
  if (v.is_none()) return dflt;
  bool ok = v.is_sequence() && v.items().size() == dflt.size();
  for (std::size_t i = 0; ok && i < dflt.size(); ++i) ok = v.items()[i].is_number();
  if (!ok)
    args.fail(key,
              "must be a sequence of " + std::to_string(dflt.size()) + " numbers, got " + v.repr());
  std::vector<double> out;
  for (const auto& x : v.items()) out.push_back(x.as_number());
  return out;
}

std::vector<optim::OptimizerParamGroup> read_param_groups(registry::BuildArgs& args,
                                                          const optim::OptimizerOptions& defaults) {
  std::vector<optim::OptimizerParamGroup> groups;
  if (auto* flat = args.object<std::vector<torch::Tensor>>("params")) {
    groups.emplace_back(*flat, defaults.clone());
  } else if (auto* specs = args.object<std::vector<ParamGroupSpec>>("params")) {
    for (const auto& spec : *specs) {
      auto opts = defaults.clone();
      options_from_value(*opts, spec.options, args.component());
      groups.emplace_back(spec.params, std::move(opts));
    }
  } else {
    throw Error("TypeError", args.component() +
                                 " needs its parameters as the object 'params' "
                                 "(std::vector<torch::Tensor> or std::vector<ParamGroupSpec>)");
  }
  std::size_t n = 0;
  for (auto& g : groups) n += g.params().size();
  if (n == 0) throw Error("ValueError", "optimizer got an empty parameter list");
  return groups;
}

namespace {

// LibTorch's own checks throw c10::Error; report them as Python's ValueError.
template <class Opt, class Options, class... Extra>
std::shared_ptr<optim::Optimizer> make(registry::BuildArgs& args, const Options& defaults,
                                       Extra... extra) {
  auto groups = read_param_groups(args, defaults);
  for (auto& g : groups) {
    auto& o = static_cast<Options&>(g.options());
    check_range(o.lr() >= 0, "learning rate", o.lr());
    check_range(o.weight_decay() >= 0, "weight_decay value", o.weight_decay());
  }
  try {
    return std::make_shared<Opt>(std::move(groups), defaults, extra...);
  } catch (const c10::Error& e) {
    throw Error("ValueError", args.component() + ": " + e.what_without_backtrace());
  }
}

// The registered classes: OPTIMIZERS entries named as PyTorch's classes.

// torch.optim.SGD(params, lr=required, momentum=0, dampening=0, weight_decay=0,
// nesterov=False, *, maximize=False, foreach=None, differentiable=False)
struct SGD {
  static std::shared_ptr<optim::Optimizer> from_config(registry::BuildArgs& args) {
    if (!args.has("lr"))
      throw Error("ValueError",
                  "SGD: parameter group didn't specify a value of required optimization "
                  "parameter lr");
    optim::SGDOptions o(args.get_float("lr", 0));
    o.momentum(args.get_float("momentum", 0));
    o.dampening(args.get_float("dampening", 0));
    o.weight_decay(args.get_float("weight_decay", 0));
    o.nesterov(args.get_bool("nesterov", false));
    read_python_flags(args, {"maximize", "differentiable"});
    std::optional<bool> foreach = read_foreach(args);
    check_range(o.momentum() >= 0, "momentum value", o.momentum());
    if (o.nesterov() && (o.momentum() <= 0 || o.dampening() != 0))
      throw Error("ValueError", "Nesterov momentum requires a momentum and zero dampening");
    return make<ForeachSGD>(args, o, foreach);
  }
};

// torch.optim.Adam / AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
// weight_decay=0 (AdamW: 1e-2), amsgrad=False, *, foreach=None, maximize=False,
// capturable=False, differentiable=False, fused=None)
template <class Opt, class Options>
std::shared_ptr<optim::Optimizer> build_adam(registry::BuildArgs& args, double weight_decay,
                                             const std::vector<std::string>& flags) {
  Options o(args.get_float("lr", 1e-3));
  auto betas = read_float_tuple(args, "betas", {0.9, 0.999});
  double b0 = betas[0], b1 = betas[1];
  o.betas(std::make_tuple(b0, b1));
  o.eps(args.get_float("eps", 1e-8));
  o.weight_decay(args.get_float("weight_decay", weight_decay));
  o.amsgrad(args.get_bool("amsgrad", false));
  read_python_flags(args, flags);
  std::optional<bool> foreach = read_foreach(args);
  check_range(o.eps() >= 0, "epsilon value", o.eps());
  check_range(b0 >= 0 && b0 < 1, "beta parameter at index 0", b0);
  check_range(b1 >= 0 && b1 < 1, "beta parameter at index 1", b1);
  return make<Opt>(args, o, foreach);
}

struct Adam {
  static std::shared_ptr<optim::Optimizer> from_config(registry::BuildArgs& args) {
    return build_adam<ForeachAdam, optim::AdamOptions>(
        args, 0.0, {"maximize", "capturable", "differentiable", "fused"});
  }
};

struct AdamW {
  static std::shared_ptr<optim::Optimizer> from_config(registry::BuildArgs& args) {
    return build_adam<ForeachAdamW, optim::AdamWOptions>(args, 1e-2, {"maximize", "capturable"});
  }
};

// torch.optim.RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0,
// momentum=0, centered=False, foreach=None, maximize=False, differentiable=False)
struct RMSprop {
  static std::shared_ptr<optim::Optimizer> from_config(registry::BuildArgs& args) {
    optim::RMSpropOptions o(args.get_float("lr", 1e-2));
    o.alpha(args.get_float("alpha", 0.99));
    o.eps(args.get_float("eps", 1e-8));
    o.weight_decay(args.get_float("weight_decay", 0));
    o.momentum(args.get_float("momentum", 0));
    o.centered(args.get_bool("centered", false));
    read_python_flags(args, {"foreach", "maximize", "differentiable"});
    check_range(o.eps() >= 0, "epsilon value", o.eps());
    check_range(o.momentum() >= 0, "momentum value", o.momentum());
    check_range(o.alpha() >= 0, "alpha value", o.alpha());
    return make<optim::RMSprop>(args, o);
  }
};

// torch.optim.Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0,
// initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
// differentiable=False)
struct Adagrad {
  static std::shared_ptr<optim::Optimizer> from_config(registry::BuildArgs& args) {
    optim::AdagradOptions o(args.get_float("lr", 1e-2));
    o.lr_decay(args.get_float("lr_decay", 0));
    o.weight_decay(args.get_float("weight_decay", 0));
    o.initial_accumulator_value(args.get_float("initial_accumulator_value", 0));
    o.eps(args.get_float("eps", 1e-10));
    read_python_flags(args, {"foreach", "maximize", "differentiable"});
    check_range(o.lr_decay() >= 0, "lr_decay value", o.lr_decay());
    check_range(o.initial_accumulator_value() >= 0, "initial_accumulator_value value",
                o.initial_accumulator_value());
    check_range(o.eps() >= 0, "epsilon value", o.eps());
    return make<optim::Adagrad>(args, o);
  }
};

}  // namespace

MMCPP_REGISTER(registry::OPTIMIZERS, SGD,
               "dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4)");
MMCPP_REGISTER(registry::OPTIMIZERS, Adam, "dict(type='Adam', lr=1e-3, betas=(0.9, 0.999))");
MMCPP_REGISTER(registry::OPTIMIZERS, AdamW, "dict(type='AdamW', lr=1e-3, weight_decay=0.05)");
MMCPP_REGISTER(registry::OPTIMIZERS, RMSprop, "dict(type='RMSprop', lr=0.01, alpha=0.99)");
MMCPP_REGISTER(registry::OPTIMIZERS, Adagrad, "dict(type='Adagrad', lr=0.01)");

}  // namespace mmcpp::engine
