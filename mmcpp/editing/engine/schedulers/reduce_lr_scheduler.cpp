#include "mmcpp/editing/engine/schedulers/reduce_lr_scheduler.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"

namespace mmcpp::editing {

using config::Value;
using engine::SchedulerArgs;
using engine::SchedulerKind;

ReduceLR::ReduceLR(const SchedulerArgs& args, ReduceLROptions options)
    : ParamScheduler(args), o_(std::move(options)) {
  // _init_is_better + _reset
  mode_worse_ = o_.mode == "min" ? std::numeric_limits<double>::infinity()
                                 : -std::numeric_limits<double>::infinity();
  best_ = mode_worse_;
  cooldown_counter_ = 0;
  num_bad_epochs_ = 0;
}

std::shared_ptr<engine::ParamScheduler> ReduceLR::from_config(registry::BuildArgs& args) {
  if (args.has("param_name"))
    throw Error("TypeError",
                "mmengine.optim.scheduler.param_scheduler._ParamScheduler.__init__() got "
                "multiple values for keyword argument 'param_name'");
  SchedulerArgs a = engine::read_scheduler_args(args, SchedulerKind::kLr);
  ReduceLROptions o;
  o.mode = args.get_str("mode", "min");
  o.factor = engine::read_number(args, "factor", Value(0.1));
  o.patience = args.get_int("patience", 10);
  o.threshold = engine::read_number(args, "threshold", Value(1e-4));
  o.threshold_mode = args.get_str("threshold_mode", "rel");
  o.cooldown = args.get_int("cooldown", 0);
  o.min_lr = engine::read_number(args, "min_lr", Value(0.0));
  o.eps = engine::read_number(args, "eps", Value(1e-8));
  // MMagic's checks, after its base class was built (messages verbatim: the
  // first one is not an f-string in MMagic).
  auto s = std::make_shared<ReduceLR>(a, o);
  s->initial_step();
  if (o.mode != "min" && o.mode != "max")
    throw Error("ValueError", "mode must be one of \"min\" or \"max\", instead got {mode}");
  if (o.factor.as_number() >= 1.0 || o.factor.as_number() < 0)
    throw Error("ValueError", "Factor should be < 1.0 and >=0");
  if (o.threshold_mode != "rel" && o.threshold_mode != "abs")
    throw Error("ValueError",
                "thresh_mode must be one of \"rel\" or \"abs\",instead got " + o.threshold_mode);
  return s;
}

bool ReduceLR::is_better(double a, double best) const {
  const double t = o_.threshold.as_number();
  if (o_.mode == "min" && o_.threshold_mode == "rel") return a < best * (1. - t);
  if (o_.mode == "min" && o_.threshold_mode == "abs") return a < best - t;
  if (o_.mode == "max" && o_.threshold_mode == "rel") return a > best * (1. + t);
  return a > best + t;
}

std::vector<double> ReduceLR::get_value() {
  std::vector<double> v = current_values();
  if (last_step_ == 0) return v;
  if (!value_)
    throw Error("KeyError",
                "value is not found in Messagehub.log_buffers: the 'reduce_lr' message hub has "
                "no value yet; ReduceLR needs ReduceLRSchedulerHook (default_hooks "
                "param_scheduler=dict(type='ReduceLRSchedulerHook', ...)) to publish one");
  const double current = *value_;
  if (is_better(current, best_)) {
    best_ = current;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {  // in_cooldown
    --cooldown_counter_;
    num_bad_epochs_ = 0;
  }
  if (num_bad_epochs_ > o_.patience) {
    cooldown_counter_ = o_.cooldown;
    num_bad_epochs_ = 0;
    const double factor = o_.factor.as_number();
    for (double& lr : v)
      if (lr - lr * factor > o_.eps.as_number()) lr = std::max(lr * factor, o_.min_lr.as_number());
  }
  return v;
}

Value ReduceLR::state_dict() const {
  Value d = ParamScheduler::state_dict();
  auto& s = d.as_dict();
  s.set(Value("mode"), Value(o_.mode));
  s.set(Value("factor"), o_.factor);
  s.set(Value("patience"), Value(o_.patience));
  s.set(Value("threshold"), o_.threshold);
  s.set(Value("threshold_mode"), Value(o_.threshold_mode));
  s.set(Value("cooldown"), Value(o_.cooldown));
  s.set(Value("cooldown_counter"), Value(cooldown_counter_));
  s.set(Value("best"), Value(best_));
  s.set(Value("num_bad_epochs"), Value(num_bad_epochs_));
  s.set(Value("mode_worse"), Value(mode_worse_));
  s.set(Value("min_lr"), o_.min_lr);
  s.set(Value("eps"), o_.eps);
  s.set(Value("last_epoch"), Value(last_epoch_));
  return d;
}

void ReduceLR::load_state_dict(const Value& state) {
  ParamScheduler::load_state_dict(state);
  const auto& d = state.as_dict();
  if (auto* v = d.find("mode")) o_.mode = v->as_str();
  if (auto* v = d.find("factor")) o_.factor = *v;
  if (auto* v = d.find("patience")) o_.patience = v->as_int();
  if (auto* v = d.find("threshold")) o_.threshold = *v;
  if (auto* v = d.find("threshold_mode")) o_.threshold_mode = v->as_str();
  if (auto* v = d.find("cooldown")) o_.cooldown = v->as_int();
  if (auto* v = d.find("cooldown_counter")) cooldown_counter_ = v->as_int();
  if (auto* v = d.find("best")) best_ = v->as_number();
  if (auto* v = d.find("num_bad_epochs")) num_bad_epochs_ = v->as_int();
  if (auto* v = d.find("mode_worse")) mode_worse_ = v->as_number();
  if (auto* v = d.find("min_lr")) o_.min_lr = *v;
  if (auto* v = d.find("eps")) o_.eps = *v;
  if (auto* v = d.find("last_epoch")) last_epoch_ = v->as_int();
}

MMCPP_REGISTER(PARAM_SCHEDULERS, ReduceLR,
               "dict(type='ReduceLR', by_epoch=True, mode='min', factor=0.5, patience=5, "
               "cooldown=0)");

}  // namespace mmcpp::editing
