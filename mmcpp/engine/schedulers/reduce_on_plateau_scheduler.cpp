// ReduceOnPlateauParamScheduler / ReduceOnPlateauLR / ReduceOnPlateauMomentum:
// multiply by `factor` when the monitored validation metric stopped improving for
// `patience` validations. ParamSchedulerHook calls step() after each training
// epoch (it only counts) and step_with_metrics() after each validation.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;

struct PlateauOptions {
  std::string monitor = "loss", rule = "less", threshold_rule = "rel";
  Value factor = Value(0.1), threshold = Value(1e-4), eps = Value(1e-8);
  std::int64_t patience = 10, cooldown = 0;
  std::vector<double> min_values;
};

class ReduceOnPlateauParamScheduler : public ParamScheduler {
 public:
  ReduceOnPlateauParamScheduler(const SchedulerArgs& a, PlateauOptions o)
      : ParamScheduler(a), o_(std::move(o)) {
    global_step_ = 0;  // no construction-time step
    // INF is MMEngine's int(1e9): metrics beyond it never count as better.
    rule_worse_ =
        o_.rule == "less" ? static_cast<double>(kInfinity) : -static_cast<double>(kInfinity);
    best_ = rule_worse_;
    last_value_ = current_values();
  }

  // monitor='loss', rule='less', factor=0.1, patience=10, threshold=1e-4,
  // threshold_rule='rel', cooldown=0, min_value=0. (or one per real group),
  // eps=1e-8; by_epoch only.
  static std::shared_ptr<ParamScheduler> create(registry::BuildArgs& args, const SchedulerArgs& a) {
    if (!a.by_epoch)
      throw Error("AssertionError", "Now " + args.component() + " only support by_epoch=True");
    PlateauOptions o;
    o.monitor = args.get_str("monitor", "loss");
    o.rule = args.get_str("rule", "less");
    o.factor = read_number(args, "factor", Value(0.1));
    o.patience = args.get_int("patience", 10);
    o.threshold = read_number(args, "threshold", Value(1e-4));
    o.threshold_rule = args.get_str("threshold_rule", "rel");
    o.cooldown = args.get_int("cooldown", 0);
    o.eps = read_number(args, "eps", Value(1e-8));
    if (o.factor.as_number() >= 1.0) throw Error("ValueError", "Factor should be < 1.0.");
    OptimWrapper& ow = *a.optimizer;
    Value min_value = args.value_or("min_value", Value(0.0));
    std::size_t real = ow.optimizer().param_groups().size();
    if (min_value.is_sequence()) {
      if (min_value.items().size() != real)
        throw Error("ValueError", "expected " + std::to_string(real) + " min_lrs, got " +
                                      std::to_string(min_value.items().size()));
      for (const auto& x : min_value.items()) o.min_values.push_back(x.as_number());
      if (ow.has_base_param_settings()) o.min_values.push_back(o.min_values.back());
    } else {
      if (!min_value.is_number()) args.fail("min_value", "must be a number or a list");
      o.min_values.assign(ow.num_groups(), min_value.as_number());
    }
    if (o.threshold.as_number() < 0)
      throw Error("ValueError", "threshold " + o.threshold.repr() + " should be >= 0.");
    if (o.rule != "less" && o.rule != "greater")
      throw Error("ValueError", "mode " + o.rule + " is unknown!");
    if (o.threshold_rule != "rel" && o.threshold_rule != "abs")
      throw Error("ValueError", "threshold mode " + o.threshold_rule + " is unknown!");
    return std::make_shared<ReduceOnPlateauParamScheduler>(a, std::move(o));
  }

  bool need_val_args() const override { return true; }

  // Without metrics a step only counts (the hook's after_train_epoch).
  void step() override {
    ++global_step_;
    mirror_betas();
  }

  void step_with_metrics(const std::map<std::string, double>& metrics) override {
    if (begin_ <= global_step_ && global_step_ < end_) {
      ++last_step_;
      auto it = metrics.find(o_.monitor);
      if (it == metrics.end()) {
        std::string keys;
        for (const auto& [k, v] : metrics) keys += (keys.empty() ? "'" : ", '") + k + "'";
        throw Error("KeyError", "Excepted key in [" + keys + "], but got key " + o_.monitor +
                                    " is not in dict");
      }
      if (is_better(it->second)) {
        best_ = it->second;
        num_bad_epochs_ = 0;
      } else {
        ++num_bad_epochs_;
      }
      if (cooldown_counter_ > 0) {
        --cooldown_counter_;
        num_bad_epochs_ = 0;  // ignore bad epochs in cooldown
      }
      if (num_bad_epochs_ > o_.patience) {
        std::vector<double> values = get_value();
        for (std::size_t i = 0; i < values.size(); ++i)
          if (optimizer_.get_value(i, param_name_) - values[i] > o_.eps.as_number())
            optimizer_.set_value(i, param_name_, values[i]);
        cooldown_counter_ = o_.cooldown;
        num_bad_epochs_ = 0;
      }
    }
    last_value_ = current_values();
    mirror_betas();
  }

  // Python's __dict__ of this class (it has no base_values).
  Value state_dict() const override {
    Value d = Value::dict(false);
    auto& s = d.as_dict();
    if (kind_ == SchedulerKind::kMomentum) s.set(Value("use_betas"), Value(use_betas_));
    s.set(Value("param_name"), Value(param_name_));
    s.set(Value("begin"), Value(begin_));
    s.set(Value("end"), Value(end_));
    s.set(Value("by_epoch"), Value(by_epoch_));
    s.set(Value("last_step"), Value(last_step_));
    s.set(Value("_global_step"), Value(global_step_));
    s.set(Value("verbose"), Value(verbose_));
    s.set(Value("factor"), o_.factor);
    Value mins = Value::list();
    for (double m : o_.min_values) mins.items().push_back(Value(m));
    s.set(Value("min_values"), mins);
    s.set(Value("patience"), Value(o_.patience));
    s.set(Value("cooldown"), Value(o_.cooldown));
    s.set(Value("cooldown_counter"), Value(cooldown_counter_));
    s.set(Value("rule_worse"), number(rule_worse_));
    s.set(Value("best"), number(best_));
    s.set(Value("num_bad_epochs"), Value(num_bad_epochs_));
    s.set(Value("eps"), o_.eps);
    s.set(Value("monitor"), Value(o_.monitor));
    s.set(Value("rule"), Value(o_.rule));
    s.set(Value("threshold"), o_.threshold);
    s.set(Value("threshold_rule"), Value(o_.threshold_rule));
    Value last = Value::list();
    for (double v : last_value_) last.items().push_back(Value(v));
    s.set(Value("_last_value"), last);
    return d;
  }

  void load_state_dict(const Value& state) override {
    ParamScheduler::load_state_dict(state);
    const auto& d = state.as_dict();
    if (auto* v = d.find("factor")) o_.factor = *v;
    if (auto* v = d.find("min_values")) {
      o_.min_values.clear();
      for (const auto& x : v->items()) o_.min_values.push_back(x.as_number());
    }
    if (auto* v = d.find("patience")) o_.patience = v->as_int();
    if (auto* v = d.find("cooldown")) o_.cooldown = v->as_int();
    if (auto* v = d.find("cooldown_counter")) cooldown_counter_ = v->as_int();
    if (auto* v = d.find("rule_worse")) rule_worse_ = v->as_number();
    if (auto* v = d.find("best")) best_ = v->as_number();
    if (auto* v = d.find("num_bad_epochs")) num_bad_epochs_ = v->as_int();
    if (auto* v = d.find("eps")) o_.eps = *v;
    if (auto* v = d.find("monitor")) o_.monitor = v->as_str();
    if (auto* v = d.find("rule")) o_.rule = v->as_str();
    if (auto* v = d.find("threshold")) o_.threshold = *v;
    if (auto* v = d.find("threshold_rule")) o_.threshold_rule = v->as_str();
  }

 protected:
  std::vector<double> get_value() override {
    std::vector<double> v = current_values();
    for (std::size_t i = 0; i < v.size(); ++i)
      v[i] = std::max(v[i] * o_.factor.as_number(), o_.min_values.at(i));
    return v;
  }

 private:
  bool is_better(double a) const {
    const double t = o_.threshold.as_number();
    if (o_.rule == "less" && o_.threshold_rule == "rel") return a < best_ * (1. - t);
    if (o_.rule == "less") return a < best_ - t;
    if (o_.threshold_rule == "rel") return a > best_ * (t + 1.);
    return a > best_ + t;
  }
  void mirror_betas() {
    if (use_betas_)
      for (std::size_t i = 0; i < num_groups(); ++i)
        optimizer_.set_value(i, "betas0", optimizer_.get_value(i, "momentum"));
  }
  // ±INF stays an int in Python's state; metrics are floats.
  static Value number(double x) {
    if (x == static_cast<double>(kInfinity) || x == -static_cast<double>(kInfinity))
      return Value(static_cast<std::int64_t>(x));
    return Value(x);
  }

  PlateauOptions o_;
  double rule_worse_ = 0, best_ = 0;
  std::int64_t cooldown_counter_ = 0, num_bad_epochs_ = 0;
};

using ReduceOnPlateauParam = SchedulerVariant<ReduceOnPlateauParamScheduler, SchedulerKind::kParam>;
using ReduceOnPlateauLR = SchedulerVariant<ReduceOnPlateauParamScheduler, SchedulerKind::kLr>;
using ReduceOnPlateauMomentum =
    SchedulerVariant<ReduceOnPlateauParamScheduler, SchedulerKind::kMomentum>;

}  // namespace

MMCPP_REGISTER_AS(registry::PARAM_SCHEDULERS, ReduceOnPlateauParam, "ReduceOnPlateauParamScheduler",
                  "dict(type='ReduceOnPlateauParamScheduler', param_name='lr', monitor='loss')");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, ReduceOnPlateauLR,
               "dict(type='ReduceOnPlateauLR', monitor='loss', factor=0.5, patience=2)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, ReduceOnPlateauMomentum,
               "dict(type='ReduceOnPlateauMomentum', monitor='accuracy/top1', rule='greater')");

}  // namespace mmcpp::engine
