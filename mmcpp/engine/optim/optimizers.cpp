// torch.optim optimizers in OPTIMIZERS (mmengine/optim/optimizer/builder.py
// registers every torch.optim class): SGD, Adam, AdamW, RMSprop and Adagrad on
// LibTorch, with PyTorch 1.13's argument names, defaults and checks. Plus the
// name-based access to LibTorch's option structs used by schedulers and logs.
//
// Parameters are not config: they come as args.object("params") holding a
// std::vector<torch::Tensor> (one group) or a std::vector<ParamGroupSpec>.
#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

using config::Value;
namespace optim = torch::optim;

namespace {

// A named option of a LibTorch options struct: a double or a bool slot.
struct OptionRef {
  double* d = nullptr;
  bool* b = nullptr;
  explicit operator bool() const { return d || b; }
};

OptionRef ref(double& d) { return {&d, nullptr}; }
OptionRef ref(bool& b) { return {nullptr, &b}; }

// `if (name == "lr") return ref(o->lr());` for each field.
#define MMCPP_OPT(field) \
  if (name == #field) return ref(o->field())

template <class AdamLike>
OptionRef adam_ref(AdamLike* o, const std::string& name) {
  MMCPP_OPT(lr);
  MMCPP_OPT(eps);
  MMCPP_OPT(weight_decay);
  MMCPP_OPT(amsgrad);
  if (name == "betas0") return ref(std::get<0>(o->betas()));
  if (name == "betas1") return ref(std::get<1>(o->betas()));
  return {};
}

OptionRef find_option(optim::OptimizerOptions& options, const std::string& name) {
  if (auto* o = dynamic_cast<optim::SGDOptions*>(&options)) {
    MMCPP_OPT(lr);
    MMCPP_OPT(momentum);
    MMCPP_OPT(dampening);
    MMCPP_OPT(weight_decay);
    MMCPP_OPT(nesterov);
    return {};
  }
  if (auto* o = dynamic_cast<optim::AdamOptions*>(&options)) return adam_ref(o, name);
  if (auto* o = dynamic_cast<optim::AdamWOptions*>(&options)) return adam_ref(o, name);
  if (auto* o = dynamic_cast<optim::RMSpropOptions*>(&options)) {
    MMCPP_OPT(lr);
    MMCPP_OPT(momentum);
    MMCPP_OPT(alpha);
    MMCPP_OPT(eps);
    MMCPP_OPT(centered);
    MMCPP_OPT(weight_decay);
    return {};
  }
  if (auto* o = dynamic_cast<optim::AdagradOptions*>(&options)) {
    MMCPP_OPT(lr);
    MMCPP_OPT(lr_decay);
    MMCPP_OPT(eps);
    MMCPP_OPT(weight_decay);
    MMCPP_OPT(initial_accumulator_value);
    return {};
  }
  throw Error("TypeError",
              "unsupported optimizer options type (supported: SGD, Adam, AdamW, "
              "RMSprop, Adagrad)");
}

#undef MMCPP_OPT

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

[[noreturn]] void unknown_option(const optim::OptimizerOptions& options, const std::string& name) {
  throw Error("KeyError", "param group has no option '" + name + "' (options: " +
                              join(option_names(options)) + ", betas0/betas1 for betas)");
}

}  // namespace

bool has_option(const optim::OptimizerOptions& options, const std::string& name) {
  return static_cast<bool>(find_option(const_cast<optim::OptimizerOptions&>(options), name));
}

double get_option(const optim::OptimizerOptions& options, const std::string& name) {
  OptionRef r = find_option(const_cast<optim::OptimizerOptions&>(options), name);
  if (!r) unknown_option(options, name);
  return r.d ? *r.d : (*r.b ? 1.0 : 0.0);
}

void set_option(optim::OptimizerOptions& options, const std::string& name, double v) {
  OptionRef r = find_option(options, name);
  if (!r) unknown_option(options, name);
  if (r.d)
    *r.d = v;
  else
    *r.b = v != 0;
}

bool has_group_option(optim::OptimizerParamGroup& group, const std::string& name) {
  return group.has_options() && has_option(group.options(), name);
}
double get_group_option(optim::OptimizerParamGroup& group, const std::string& name) {
  return get_option(group.options(), name);
}
void set_group_option(optim::OptimizerParamGroup& group, const std::string& name, double v) {
  set_option(group.options(), name, v);
}

std::vector<std::string> option_names(const optim::OptimizerOptions& options) {
  // PyTorch 1.13's `defaults` order of each optimizer.
  if (dynamic_cast<const optim::SGDOptions*>(&options))
    return {"lr", "momentum", "dampening", "weight_decay", "nesterov"};
  if (dynamic_cast<const optim::AdamOptions*>(&options) ||
      dynamic_cast<const optim::AdamWOptions*>(&options))
    return {"lr", "betas", "eps", "weight_decay", "amsgrad"};
  if (dynamic_cast<const optim::RMSpropOptions*>(&options))
    return {"lr", "momentum", "alpha", "eps", "centered", "weight_decay"};
  if (dynamic_cast<const optim::AdagradOptions*>(&options))
    return {"lr", "lr_decay", "eps", "weight_decay", "initial_accumulator_value"};
  throw Error("TypeError", "unsupported optimizer options type");
}

Value options_to_value(const optim::OptimizerOptions& options) {
  auto& o = const_cast<optim::OptimizerOptions&>(options);
  Value d = Value::dict(false);
  for (const auto& name : option_names(options)) {
    if (name == "betas") {
      d.as_dict().set(Value("betas"), Value::tuple({Value(get_option(o, "betas0")),
                                                    Value(get_option(o, "betas1"))}));
      continue;
    }
    OptionRef r = find_option(o, name);
    d.as_dict().set(Value(name), r.d ? Value(*r.d) : Value(*r.b));
  }
  // Python-only flags of every 1.13 optimizer, at the only values we support.
  d.as_dict().set(Value("maximize"), Value(false));
  d.as_dict().set(Value("foreach"), Value());
  return d;
}

void options_from_value(optim::OptimizerOptions& options, const Value& dict,
                        const std::string& component) {
  if (dict.is_none()) return;
  if (!dict.is_dict())
    throw Error("TypeError", component + ": param group options must be a dict, got " +
                                 dict.type_name() + " " + dict.repr());
  for (const auto& [k, v] : dict.as_dict().entries()) {
    std::string key = k.str();
    if (key == "betas") {
      if (!v.is_sequence() || v.items().size() != 2 || !v.items()[0].is_number() ||
          !v.items()[1].is_number())
        throw Error("TypeError",
                    component + ": 'betas' must be a pair of numbers, got " + v.repr());
      set_option(options, "betas0", v.items()[0].as_number());
      set_option(options, "betas1", v.items()[1].as_number());
      continue;
    }
    if (key == "maximize" || key == "differentiable" || key == "capturable") {
      if (v.truthy())
        throw Error("NotImplementedError", component + ": " + key + "=True is not supported");
      continue;
    }
    if (key == "foreach" || key == "fused") continue;  // implementation choices only
    if (key == "betas0" || key == "betas1" || !has_option(options, key))
      throw Error("TypeError", component + ": unknown option '" + key +
                                   "' (options: " + join(option_names(options)) + ")");
    if (!v.is_number() && !v.is_bool())
      throw Error("TypeError", component + ": option '" + key + "' must be a number, got " +
                                   v.type_name() + " " + v.repr());
    set_option(options, key, v.as_number());
  }
}

namespace {

// Validation messages of PyTorch 1.13 (ValueError).
void check_range(bool ok, const std::string& what, double v) {
  if (!ok) throw Error("ValueError", "Invalid " + what + ": " + config::float_repr(v));
}

// Python-only arguments: accepted at their defaults (foreach/fused pick kernels only).
void read_python_flags(registry::BuildArgs& args, const std::vector<std::string>& flags) {
  for (const auto& f : flags) {
    Value v = args.value(f);
    if ((f == "maximize" || f == "differentiable" || f == "capturable") && v.truthy())
      throw Error("NotImplementedError", args.component() + ": " + f + "=True is not supported");
  }
}

std::pair<double, double> read_betas(registry::BuildArgs& args, std::pair<double, double> dflt) {
  Value v = args.value("betas");
  if (v.is_none()) return dflt;
  if (!v.is_sequence() || v.items().size() != 2 || !v.items()[0].is_number() ||
      !v.items()[1].is_number())
    args.fail("betas", "must be a pair of numbers, got " + v.repr());
  return {v.items()[0].as_number(), v.items()[1].as_number()};
}

// The param groups from args.object("params") with their per-group overrides
// applied on a copy of `defaults`.
template <class Options>
std::vector<optim::OptimizerParamGroup> read_groups(registry::BuildArgs& args,
                                                    const Options& defaults) {
  std::vector<optim::OptimizerParamGroup> groups;
  if (auto* flat = args.object<std::vector<torch::Tensor>>("params")) {
    groups.emplace_back(*flat, std::make_unique<Options>(defaults));
  } else if (auto* specs = args.object<std::vector<ParamGroupSpec>>("params")) {
    for (const auto& spec : *specs) {
      auto opts = std::make_unique<Options>(defaults);
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

// LibTorch's own checks throw c10::Error; report them as Python's ValueError.
template <class Opt, class Options>
std::shared_ptr<optim::Optimizer> make(registry::BuildArgs& args, const Options& defaults) {
  auto groups = read_groups(args, defaults);
  for (auto& g : groups) {
    auto& o = static_cast<Options&>(g.options());
    check_range(o.lr() >= 0, "learning rate", o.lr());
    check_range(o.weight_decay() >= 0, "weight_decay value", o.weight_decay());
  }
  try {
    return std::make_shared<Opt>(std::move(groups), defaults);
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
    read_python_flags(args, {"maximize", "foreach", "differentiable"});
    check_range(o.momentum() >= 0, "momentum value", o.momentum());
    if (o.nesterov() && (o.momentum() <= 0 || o.dampening() != 0))
      throw Error("ValueError", "Nesterov momentum requires a momentum and zero dampening");
    return make<optim::SGD>(args, o);
  }
};

// torch.optim.Adam / AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
// weight_decay=0 (AdamW: 1e-2), amsgrad=False, *, foreach=None, maximize=False,
// capturable=False, differentiable=False, fused=None)
template <class Opt, class Options>
std::shared_ptr<optim::Optimizer> build_adam(registry::BuildArgs& args, double weight_decay,
                                             const std::vector<std::string>& flags) {
  Options o(args.get_float("lr", 1e-3));
  auto [b0, b1] = read_betas(args, {0.9, 0.999});
  o.betas(std::make_tuple(b0, b1));
  o.eps(args.get_float("eps", 1e-8));
  o.weight_decay(args.get_float("weight_decay", weight_decay));
  o.amsgrad(args.get_bool("amsgrad", false));
  read_python_flags(args, flags);
  check_range(o.eps() >= 0, "epsilon value", o.eps());
  check_range(b0 >= 0 && b0 < 1, "beta parameter at index 0", b0);
  check_range(b1 >= 0 && b1 < 1, "beta parameter at index 1", b1);
  return make<Opt>(args, o);
}

struct Adam {
  static std::shared_ptr<optim::Optimizer> from_config(registry::BuildArgs& args) {
    return build_adam<optim::Adam, optim::AdamOptions>(
        args, 0.0, {"foreach", "maximize", "capturable", "differentiable", "fused"});
  }
};

struct AdamW {
  static std::shared_ptr<optim::Optimizer> from_config(registry::BuildArgs& args) {
    return build_adam<optim::AdamW, optim::AdamWOptions>(args, 1e-2,
                                                         {"maximize", "foreach", "capturable"});
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
