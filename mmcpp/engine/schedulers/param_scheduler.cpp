#include "mmcpp/engine/schedulers/param_scheduler.h"

#include <any>
#include <utility>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

using config::Value;

ParamScheduler::ParamScheduler(const SchedulerArgs& a)
    : optimizer_(*a.optimizer),
      kind_(a.kind),
      param_name_(a.param_name),
      begin_(a.begin),
      end_(a.end),
      last_step_(a.last_step),
      by_epoch_(a.by_epoch),
      use_betas_(a.use_betas),
      verbose_(a.verbose) {
  if (end_ <= begin_)
    throw Error("ValueError", "end should be larger than begin, but got begin=" +
                                  std::to_string(begin_) + ", end=" + std::to_string(end_));
  if (last_step_ < -1)
    throw Error("AssertionError", "last_step must be >= -1, got " + std::to_string(last_step_));
  // Chained schedulers share `initial_<param>`: the first one sets it (setdefault).
  const std::string initial = "initial_" + param_name_;
  for (std::size_t i = 0; i < num_groups(); ++i) {
    if (last_step_ == -1) {
      if (!optimizer_.has_value(i, initial))
        optimizer_.set_value(i, initial, optimizer_.get_value(i, param_name_));
    } else if (!optimizer_.has_value(i, initial)) {
      throw Error("KeyError", "param '" + initial + "' is not specified in param_groups[" +
                                  std::to_string(i) + "] when resuming an optimizer");
    }
    base_values_.push_back(optimizer_.get_value(i, initial));
  }
}

std::size_t ParamScheduler::num_groups() const { return optimizer_.num_groups(); }

std::vector<double> ParamScheduler::current_values() {
  std::vector<double> v;
  v.reserve(num_groups());
  for (std::size_t i = 0; i < num_groups(); ++i) v.push_back(optimizer_.get_value(i, param_name_));
  return v;
}

void ParamScheduler::initial_step() { step(); }

void ParamScheduler::step() {
  ++global_step_;
  if (begin_ <= global_step_ && global_step_ < end_) {
    ++last_step_;
    std::vector<double> values = get_value();
    for (std::size_t i = 0; i < values.size() && i < num_groups(); ++i)
      optimizer_.set_value(i, param_name_, values[i]);
  }
  last_value_ = current_values();
  if (use_betas_)  // MomentumSchedulerMixin: betas = (momentum, beta_1)
    for (std::size_t i = 0; i < num_groups(); ++i)
      optimizer_.set_value(i, "betas0", optimizer_.get_value(i, "momentum"));
}

namespace {

Value float_list(const std::vector<double>& v) {
  Value out = Value::list();
  for (double x : v) out.items().push_back(Value(x));
  return out;
}

std::vector<double> read_float_list(const Value& v, const char* key) {
  if (!v.is_sequence())
    throw Error("TypeError",
                std::string("scheduler state '") + key + "' must be a list, got " + v.repr());
  std::vector<double> out;
  for (const auto& x : v.items()) out.push_back(x.as_number());
  return out;
}

}  // namespace

Value ParamScheduler::state_dict() const {
  Value d = Value::dict(false);
  auto& dict = d.as_dict();
  if (kind_ == SchedulerKind::kMomentum) dict.set(Value("use_betas"), Value(use_betas_));
  save_extra_state(dict);
  dict.set(Value("param_name"), Value(param_name_));
  dict.set(Value("begin"), Value(begin_));
  dict.set(Value("end"), Value(end_));
  dict.set(Value("by_epoch"), Value(by_epoch_));
  dict.set(Value("base_values"), float_list(base_values_));
  dict.set(Value("last_step"), Value(last_step_));
  dict.set(Value("_global_step"), Value(global_step_));
  dict.set(Value("verbose"), Value(verbose_));
  dict.set(Value("_last_value"), float_list(last_value_));
  return d;
}

void ParamScheduler::load_state_dict(const Value& state) {
  if (!state.is_dict())
    throw Error("TypeError", "scheduler state_dict must be a dict, got " + state.type_name());
  const auto& d = state.as_dict();
  if (auto* v = d.find("use_betas")) use_betas_ = v->truthy();
  if (auto* v = d.find("param_name")) param_name_ = v->as_str();
  if (auto* v = d.find("begin")) begin_ = v->as_int();
  if (auto* v = d.find("end")) end_ = v->as_int();
  if (auto* v = d.find("by_epoch")) by_epoch_ = v->truthy();
  if (auto* v = d.find("base_values")) base_values_ = read_float_list(*v, "base_values");
  if (auto* v = d.find("last_step")) last_step_ = v->as_int();
  if (auto* v = d.find("_global_step")) global_step_ = v->as_int();
  if (auto* v = d.find("verbose")) verbose_ = v->truthy();
  if (auto* v = d.find("_last_value")) last_value_ = read_float_list(*v, "_last_value");
  load_extra_state(d);
}

SchedulerArgs read_scheduler_args(registry::BuildArgs& args, SchedulerKind kind) {
  SchedulerArgs s;
  s.kind = kind;
  auto* opt = args.object<OptimWrapper*>("optimizer");
  if (!opt || !*opt)
    throw Error("TypeError", args.component() +
                                 " needs the optimizer wrapper as the object 'optimizer' "
                                 "(OptimWrapper*)");
  s.optimizer = *opt;
  OptimWrapper& ow = *s.optimizer;
  switch (kind) {
    case SchedulerKind::kParam:
      s.param_name = args.require_str("param_name");
      break;
    case SchedulerKind::kLr:
      s.param_name = "lr";
      break;
    case SchedulerKind::kMomentum:
      s.param_name = "momentum";
      if (!ow.defaults_have("momentum")) {
        if (!ow.defaults_have("betas"))
          throw Error("ValueError",
                      "optimizer must support momentum when using momentum scheduler");
        // Adam-style: schedule a `momentum` key mirrored into betas[0].
        s.use_betas = true;
        for (std::size_t i = 0; i < ow.num_groups(); ++i)
          ow.set_value(i, "momentum", ow.get_value(i, "betas0"));
      }
      break;
  }
  s.last_step = args.get_int("last_step", -1);
  s.by_epoch = args.get_bool("by_epoch", true);
  s.verbose = args.get_bool("verbose", false);
  s.convert = args.get_bool("convert_to_iter_based", false);
  // epoch_length: the Runner's default argument; a config key wins, as in Python.
  std::optional<std::int64_t> epoch_length;
  if (args.has("epoch_length"))
    epoch_length = args.get_opt_int("epoch_length");
  else if (auto* e = args.object<std::int64_t>("epoch_length"))
    epoch_length = *e;
  if (!s.convert) {
    s.begin = args.get_int("begin", 0);
    s.end = args.get_int("end", kSchedulerInfinity);
    return s;
  }
  // build_iter_from_epoch: begin/end in iterations.
  if (!s.by_epoch || !epoch_length)
    throw Error("AssertionError",
                "Only epoch-based parameter scheduler can be converted to iter-based, and "
                "`epoch_length` should be set");
  if (*epoch_length <= 0)
    throw Error("AssertionError", "`epoch_length` must be a positive integer, but got " +
                                      std::to_string(*epoch_length));
  s.epoch_length = *epoch_length;
  s.by_epoch = false;
  s.begin =
      static_cast<std::int64_t>(args.get_float("begin", 0) * static_cast<double>(s.epoch_length));
  s.end = args.get_int("end", kSchedulerInfinity);
  if (s.end != kSchedulerInfinity) s.end *= s.epoch_length;
  return s;
}

Value read_number(registry::BuildArgs& args, const std::string& key, Value dflt) {
  if (!args.has(key)) return dflt;
  Value v = args.value(key);
  if (!v.is_number()) args.fail(key, "must be a number, got " + v.type_name() + " " + v.repr());
  return v;
}

Value read_optional_number(registry::BuildArgs& args, const std::string& key) {
  Value v = args.value(key);
  if (v.is_none()) return v;
  return read_number(args, key, Value());
}

std::shared_ptr<ParamScheduler> build_param_scheduler(const Value& cfg, OptimWrapper& optimizer,
                                                      std::int64_t epoch_length,
                                                      std::int64_t max_epochs,
                                                      std::int64_t max_iters) {
  if (!cfg.is_dict())
    throw Error("TypeError",
                "scheduler should be a _ParamScheduler object or dict, but got " + cfg.repr());
  Value c = cfg.deep_copy();
  auto& d = c.as_dict();
  // The Runner's default end: its train loop's max_epochs / max_iters.
  const Value* by_epoch = d.find("by_epoch");
  std::int64_t default_end = (!by_epoch || by_epoch->truthy()) ? max_epochs : max_iters;
  if (default_end >= 0 && !d.contains("end")) d.set(Value("end"), Value(default_end));
  std::map<std::string, std::any> objects;
  objects["optimizer"] = &optimizer;
  objects["epoch_length"] = epoch_length;
  return registry::PARAM_SCHEDULERS().build(c, Value(), std::move(objects));
}

std::vector<std::shared_ptr<ParamScheduler>> build_param_schedulers(const Value& cfg,
                                                                    OptimWrapper& optimizer,
                                                                    std::int64_t epoch_length,
                                                                    std::int64_t max_epochs,
                                                                    std::int64_t max_iters) {
  std::vector<std::shared_ptr<ParamScheduler>> out;
  if (cfg.is_sequence()) {
    for (const auto& c : cfg.items())
      out.push_back(build_param_scheduler(c, optimizer, epoch_length, max_epochs, max_iters));
  } else {
    out.push_back(build_param_scheduler(cfg, optimizer, epoch_length, max_epochs, max_iters));
  }
  return out;
}

}  // namespace mmcpp::engine
