#include "mmcpp/engine/optim/optim_wrapper.h"

#include <c10/util/string_utils.h>
#include <torch/nn/module.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include <cmath>
#include <limits>
#include <set>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/dist/no_sync.h"
#include "mmcpp/engine/optim/optim_wrapper_constructor.h"
#include "mmcpp/engine/optim/options.h"
#include "mmcpp/engine/optim/param_state.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

using config::Value;
namespace optim = torch::optim;

namespace {

const std::set<std::string> kPythonOnlyFlags = {"maximize", "foreach", "differentiable",
                                                "capturable", "fused"};

// Flattened options (tuples such as "betas" -> betas0/betas1/...) of an options
// struct, as numbers.
std::map<std::string, double> flatten_options(const optim::OptimizerOptions& o) {
  std::map<std::string, double> out;
  for (const auto& f : option_fields(const_cast<optim::OptimizerOptions&>(o))) {
    if (!f.is_present() || f.kind == OptionField::Kind::kConstant) continue;
    if (f.kind == OptionField::Kind::kTuple) {
      for (std::size_t i = 0; i < f.tuple.size(); ++i)
        out[f.name + std::to_string(i)] = *f.tuple[i];
    } else {
      out[f.name] = get_option(o, f.name);
    }
  }
  return out;
}

// A Python group dict entry as a number for our maps (bools as 0/1); nullopt for
// values that are no scalar (None, str, tensors placeholders...).
std::optional<double> as_scalar(const Value& v) {
  if (v.is_number() || v.is_bool()) return v.as_number();
  return std::nullopt;
}

std::string state_key(const torch::Tensor& p) {
  return c10::guts::to_string(p.unsafeGetTensorImpl());
}

}  // namespace

OptimWrapper::OptimWrapper(std::shared_ptr<optim::Optimizer> optimizer, int accumulative_counts,
                           Value clip_grad)
    : optimizer_(std::move(optimizer)),
      accumulative_counts_(accumulative_counts),
      clip_grad_(std::move(clip_grad)) {
  if (!optimizer_) throw Error("TypeError", "OptimWrapper: optimizer is null");
  if (accumulative_counts_ <= 0)
    throw Error("AssertionError", "_accumulative_counts at least greater than or equal to 1, got " +
                                      std::to_string(accumulative_counts_));
  if (!clip_grad_.is_none()) {
    if (!clip_grad_.is_dict() || clip_grad_.as_dict().empty())
      throw Error("AssertionError",
                  "If `clip_grad` is not None, it should be a `dict` which is the arguments of "
                  "`torch.nn.utils.clip_grad_norm_` or clip_grad_value_`, got " +
                      clip_grad_.repr());
    if (clip_grad_.as_dict().size() == (clip_grad_.as_dict().contains("type") ? 1u : 0u))
      throw Error("AssertionError",
                  "`clip_grad` should contain other arguments besides `type`, "
                  "got " +
                      clip_grad_.repr());
    registry::BuildArgs a("clip_grad", clip_grad_);
    std::string type = a.get_str("type", "norm");
    if (type == "norm") {
      clip_type_ = ClipType::kNorm;
      max_norm_ = a.get_float("max_norm", 0);
      if (!a.has("max_norm"))
        throw Error("TypeError",
                    "clip_grad_norm_() missing 1 required positional argument: "
                    "'max_norm' (clip_grad=" +
                        clip_grad_.repr() + ")");
      Value nt = a.value("norm_type");
      if (nt.is_str()) {
        if (nt.as_str() != "inf")
          a.fail("norm_type", "must be a number or 'inf', got " + nt.repr());
        norm_type_ = std::numeric_limits<double>::infinity();
      } else {
        norm_type_ = a.get_float("norm_type", 2.0);
      }
      error_if_nonfinite_ = a.get_bool("error_if_nonfinite", false);
    } else if (type == "value") {
      clip_type_ = ClipType::kValue;
      if (!a.has("clip_value"))
        throw Error("TypeError",
                    "clip_grad_value_() missing 1 required positional argument: "
                    "'clip_value' (clip_grad=" +
                        clip_grad_.repr() + ")");
      clip_value_ = a.get_float("clip_value", 0);
    } else {
      throw Error("ValueError",
                  "type of clip_grad should be \"norm\" or \"value\" but got " + type);
    }
    a.check_all_used();
  }
  extras_.resize(optimizer_->param_groups().size());
  // MMEngine's pseudo group: a copy of the optimizer defaults, scheduled like the
  // real groups so logs can show base_lr.
  if (optimizer_->param_groups().size() > 1)
    base_param_settings_ = flatten_options(optimizer_->defaults());
}

std::shared_ptr<OptimWrapper> OptimWrapper::from_config(registry::BuildArgs& args) {
  auto* opt = args.object<std::shared_ptr<optim::Optimizer>>("optimizer");
  if (!opt || !*opt)
    throw Error("TypeError", args.component() +
                                 " needs the built optimizer as the object 'optimizer' "
                                 "(std::shared_ptr<torch::optim::Optimizer>)");
  auto counts = args.get_int("accumulative_counts", 1);
  Value clip = args.value_or("clip_grad", Value());
  return std::make_shared<OptimWrapper>(*opt, static_cast<int>(counts), clip);
}

MMCPP_REGISTER(registry::OPTIM_WRAPPERS, OptimWrapper, "dict(type='OptimWrapper')");

void OptimWrapper::update_params(const torch::Tensor& loss, bool step, bool zero) {
  torch::Tensor scaled = scale_loss(loss);
  backward(scaled);
  if (should_update()) {
    if (step) this->step();
    if (zero) zero_grad();
  }
}

void OptimWrapper::backward(const torch::Tensor& loss) {
  loss.backward();
  ++inner_count_;
}

void OptimWrapper::step() {
  if (clip_type_ != ClipType::kNone) clip_grads();
  optimizer_->step();
}

void OptimWrapper::zero_grad() { optimizer_->zero_grad(); }

void OptimWrapper::clip_grads() {
  std::vector<torch::Tensor> params;
  for (auto& g : optimizer_->param_groups())
    for (auto& p : g.params())
      if (p.requires_grad() && p.grad().defined()) params.push_back(p);
  if (params.empty()) return;
  if (clip_type_ == ClipType::kValue) {
    torch::nn::utils::clip_grad_value_(params, clip_value_);  // returns nothing to log
    return;
  }
  try {
    last_grad_norm_ =
        torch::nn::utils::clip_grad_norm_(params, max_norm_, norm_type_, error_if_nonfinite_);
  } catch (const c10::Error& e) {
    throw Error("RuntimeError", e.what_without_backtrace());
  }
}

void OptimWrapper::initialize_count_status(std::int64_t init_counts, std::int64_t max_counts) {
  // MMEngine also warns when init_counts is not a multiple of accumulative_counts
  // (lost gradients after resuming) and about BatchNorm with accumulation.
  inner_count_ = init_counts;
  max_counts_ = max_counts;
  remainder_counts_ = max_counts_ % accumulative_counts_;
}

bool OptimWrapper::should_update() const {
  return inner_count_ % accumulative_counts_ == 0 || inner_count_ == max_counts_;
}

bool OptimWrapper::should_sync() const {
  return (inner_count_ + 1) % accumulative_counts_ == 0 || inner_count_ + 1 == max_counts_;
}

std::unique_ptr<OptimContext> OptimWrapper::optim_context(torch::nn::Module& model) {
  // MMEngine enters model.no_sync() when !should_sync() and the model has it
  // (the distributed wrappers of mmcpp/engine/dist).
  if (!should_sync())
    if (auto* wrapper = dynamic_cast<dist::NoSyncModel*>(&model)) return wrapper->no_sync();
  return std::make_unique<OptimContext>();
}

torch::Tensor OptimWrapper::scale_loss(const torch::Tensor& loss) {
  std::int64_t factor;
  if (accumulative_counts_ == 1) {
    return loss;
  } else if (max_counts_ == -1) {
    factor = accumulative_counts_;
  } else {
    // The tail max_counts % accumulative_counts iterations form a smaller group.
    factor =
        inner_count_ < max_counts_ - remainder_counts_ ? accumulative_counts_ : remainder_counts_;
    if (factor <= 0)
      throw Error("AssertionError",
                  "loss_factor should be larger than zero! This error could happened when "
                  "initialize_iter_status called with an error `init_counts` or `max_counts` "
                  "(inner_count=" +
                      std::to_string(inner_count_) + ", max_counts=" + std::to_string(max_counts_) +
                      ")");
  }
  return loss / factor;
}

std::size_t OptimWrapper::num_groups() const {
  return optimizer_->param_groups().size() + (base_param_settings_.empty() ? 0 : 1);
}

std::map<std::string, double>& OptimWrapper::extras(std::size_t group) {
  if (extras_.size() < optimizer_->param_groups().size())
    extras_.resize(optimizer_->param_groups().size());
  return extras_.at(group);
}

namespace {
[[noreturn]] void no_group(std::size_t group, std::size_t n) {
  throw Error("IndexError", "param group index " + std::to_string(group) + " out of range (" +
                                std::to_string(n) + " groups)");
}
}  // namespace

bool OptimWrapper::has_value(std::size_t group, const std::string& name) {
  std::size_t n = optimizer_->param_groups().size();
  if (group < n)
    return extras(group).count(name) || has_group_option(optimizer_->param_groups()[group], name);
  if (group == n && !base_param_settings_.empty()) return base_param_settings_.count(name) > 0;
  no_group(group, num_groups());
}

double OptimWrapper::get_value(std::size_t group, const std::string& name) {
  std::size_t n = optimizer_->param_groups().size();
  if (group < n) {
    auto& ex = extras(group);
    if (auto it = ex.find(name); it != ex.end()) return it->second;
    auto& g = optimizer_->param_groups()[group];
    if (has_group_option(g, name)) return get_group_option(g, name);
    throw Error("KeyError", "param group " + std::to_string(group) + " has no key '" + name + "'");
  }
  if (group == n && !base_param_settings_.empty()) {
    auto it = base_param_settings_.find(name);
    if (it == base_param_settings_.end())
      throw Error("KeyError", "base_param_settings has no key '" + name + "'");
    return it->second;
  }
  no_group(group, num_groups());
}

void OptimWrapper::set_value(std::size_t group, const std::string& name, double v) {
  std::size_t n = optimizer_->param_groups().size();
  if (group < n) {
    auto& g = optimizer_->param_groups()[group];
    // Optional fields (LARS's lars_exclude) become present when set.
    if (has_group_option(g, name) || (g.has_options() && is_option_field(g.options(), name)))
      set_group_option(g, name, v);
    else
      extras(group)[name] = v;
    return;
  }
  if (group == n && !base_param_settings_.empty()) {
    base_param_settings_[name] = v;
    return;
  }
  no_group(group, num_groups());
}

bool OptimWrapper::defaults_have(const std::string& name) const {
  return has_option(optimizer_->defaults(), name == "betas" ? "betas0" : name);
}

std::map<std::string, std::vector<double>> OptimWrapper::get_lr() {
  std::map<std::string, std::vector<double>> res;
  if (!base_param_settings_.empty()) res["base_lr"] = {base_param_settings_.at("lr")};
  auto& lr = res["lr"];
  for (std::size_t i = 0; i < optimizer_->param_groups().size(); ++i)
    lr.push_back(get_value(i, "lr"));
  return res;
}

std::map<std::string, std::vector<double>> OptimWrapper::get_momentum() {
  std::vector<double> m;
  for (std::size_t i = 0; i < optimizer_->param_groups().size(); ++i) {
    if (has_value(i, "momentum"))
      m.push_back(get_value(i, "momentum"));
    else if (has_value(i, "betas0"))
      m.push_back(get_value(i, "betas0"));
    else
      m.push_back(0);
  }
  return {{"momentum", m}};
}

std::vector<double> OptimWrapper::get_values(const std::string& name) {
  std::vector<double> out;
  for (std::size_t i = 0; i < num_groups(); ++i) out.push_back(get_value(i, name));
  return out;
}

void OptimWrapper::set_values(const std::string& name, const std::vector<double>& values) {
  if (values.size() != num_groups())
    throw Error("ValueError", "expected " + std::to_string(num_groups()) + " values for '" + name +
                                  "', got " + std::to_string(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i) set_value(i, name, values[i]);
}

// ---- state dict ---------------------------------------------------------------------------

OptimizerStateDict OptimWrapper::state_dict() {
  OptimizerStateDict sd;
  auto& state = optimizer_->state();
  std::int64_t index = 0;
  for (std::size_t gi = 0; gi < optimizer_->param_groups().size(); ++gi) {
    auto& group = optimizer_->param_groups()[gi];
    Value g = options_to_value(group.options());
    for (const auto& [k, v] : extras(gi)) g.as_dict().set(Value(k), Value(v));
    Value indices = Value::list();
    for (const auto& p : group.params()) {
      indices.items().push_back(Value(index));
      auto it = state.find(state_key(p));
      if (it != state.end() && it->second)
        sd.state[index] = export_param_state(*optimizer_, *it->second);
      ++index;
    }
    g.as_dict().set(Value("params"), indices);
    sd.param_groups.push_back(g);
  }
  if (!base_param_settings_.empty()) {
    auto defaults = optimizer_->defaults().clone();
    Value d = Value::dict(false);
    std::set<std::string> option_keys;
    for (const auto& [k, v] : flatten_options(*defaults)) {
      set_option(*defaults, k, base_param_settings_.count(k) ? base_param_settings_.at(k) : v);
      option_keys.insert(k);
    }
    d = options_to_value(*defaults);
    for (const auto& [k, v] : base_param_settings_)
      if (!option_keys.count(k)) d.as_dict().set(Value(k), Value(v));
    sd.base_param_settings = d;
  }
  return sd;
}

namespace {

// A saved buffer moved to the parameter's device and (floating) dtype, as
// PyTorch's Optimizer.load_state_dict casts state (`step` keeps its dtype).
torch::Tensor cast_like(const torch::Tensor& t, const torch::Tensor& param,
                        const std::string& name) {
  if (!t.defined()) return t;
  if (name == "step") return t.clone();
  if (t.is_floating_point()) return t.to(param.device(), param.scalar_type()).clone();
  return t.to(param.device()).clone();
}

}  // namespace

void OptimWrapper::load_state_dict(const OptimizerStateDict& sd) {
  auto& groups = optimizer_->param_groups();
  if (sd.param_groups.size() != groups.size())
    throw Error("ValueError", "loaded state dict has a different number of parameter groups (" +
                                  std::to_string(sd.param_groups.size()) + " vs " +
                                  std::to_string(groups.size()) + ")");
  std::vector<torch::Tensor> flat;
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const Value& g = sd.param_groups[gi];
    if (!g.is_dict()) throw Error("TypeError", "param group must be a dict, got " + g.repr());
    const Value* params = g.as_dict().find("params");
    std::size_t saved = params && params->is_sequence() ? params->items().size() : 0;
    if (saved != groups[gi].params().size())
      throw Error("ValueError",
                  "loaded state dict contains a parameter group that doesn't match the size of "
                  "optimizer's group (group " +
                      std::to_string(gi) + ": " + std::to_string(saved) + " vs " +
                      std::to_string(groups[gi].params().size()) + ")");
    for (const auto& p : groups[gi].params()) flat.push_back(p);
  }
  // Options and extra keys: the saved dicts replace the groups' (Python semantics).
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    auto& opts = groups[gi].options();
    for (auto& f : option_fields(opts))  // keys only some groups have start absent
      if (f.present) *f.present = false;
    std::map<std::string, double> ex;
    for (const auto& [k, v] : sd.param_groups[gi].as_dict().entries()) {
      std::string key = k.str();
      if (key == "params") continue;
      if (is_option_field(opts, key)) {  // fields of the options struct, `betas` included
        Value d = Value::dict(false);
        d.as_dict().set(Value(key), v);
        options_from_value(opts, d, "load_state_dict");
      } else if (kPythonOnlyFlags.count(key)) {
        continue;
      } else if (auto x = as_scalar(v)) {
        ex[key] = *x;
      }
      // Non-numeric extra keys (strings of paramwise constructors) have no slot here.
    }
    extras(gi) = ex;
  }
  // Per-parameter state, keyed by the flat index.
  auto& state = optimizer_->state();
  state.clear();
  for (const auto& [index, entries] : sd.state) {
    if (index < 0 || index >= static_cast<std::int64_t>(flat.size()))
      throw Error("KeyError", "optimizer state for parameter index " + std::to_string(index) +
                                  " but the optimizer has " + std::to_string(flat.size()));
    const torch::Tensor& p = flat[index];
    std::map<std::string, torch::Tensor> buffers;
    for (const auto& [name, t] : entries) buffers[name] = cast_like(t, p, name);
    auto s = import_param_state(*optimizer_, buffers);
    if (!s) continue;
    state[state_key(p)] = std::move(s);
  }
  if (sd.base_param_settings.is_dict()) {
    std::map<std::string, double> base;
    for (const auto& [k, v] : sd.base_param_settings.as_dict().entries()) {
      std::string key = k.str();
      if (v.is_sequence()) {  // betas
        for (std::size_t i = 0; i < v.items().size(); ++i)
          if (auto x = as_scalar(v.items()[i])) base[key + std::to_string(i)] = *x;
      } else if (key != "params" && !kPythonOnlyFlags.count(key)) {
        if (auto x = as_scalar(v)) base[key] = *x;
      }
    }
    base_param_settings_ = base;
  }
}

// ---- building -----------------------------------------------------------------------------

std::shared_ptr<OptimWrapper> build_optim_wrapper(torch::nn::Module& model, const Value& cfg,
                                                  Logger* logger) {
  if (!cfg.is_dict())
    throw Error("TypeError",
                "optim_wrapper should be a dict, got " + cfg.type_name() + " " + cfg.repr());
  Value wrapper_cfg = cfg.deep_copy();
  auto& d = wrapper_cfg.as_dict();
  Value constructor = d.find("constructor") ? *d.find("constructor") : Value();
  Value paramwise = d.find("paramwise_cfg") ? *d.find("paramwise_cfg") : Value();
  d.erase("constructor");
  d.erase("paramwise_cfg");
  if (constructor.is_none()) constructor = Value("DefaultOptimWrapperConstructor");
  Value ctor_cfg = Value::dict(false);
  ctor_cfg.as_dict().set(Value("type"), constructor);
  ctor_cfg.as_dict().set(Value("optim_wrapper_cfg"), wrapper_cfg);
  ctor_cfg.as_dict().set(Value("paramwise_cfg"), paramwise);
  return registry::OPTIM_WRAPPER_CONSTRUCTORS().build(ctor_cfg)->build(model, logger);
}

}  // namespace mmcpp::engine
