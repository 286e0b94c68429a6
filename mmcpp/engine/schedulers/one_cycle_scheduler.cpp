// OneCycleParamScheduler / OneCycleLR (1cycle policy, PyTorch's OneCycleLR on
// MMEngine's scheduler base): warm up from eta_max/div_factor to eta_max, then
// anneal to initial/final_div_factor (optionally back through the initial value
// first: three_phase). Learning rate only; no Momentum variant, as in MMEngine.
#include <cmath>
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
constexpr double kPi = 3.141592653589793;  // math.pi

struct Phase {
  Value end_step;  // float, except the last phase's int total_steps - 1 (as Python)
  std::string start_key, end_key;
};

class OneCycleParamScheduler : public ParamScheduler {
 public:
  OneCycleParamScheduler(const SchedulerArgs& a, Value eta_max, std::int64_t total_steps,
                         Value div_factor, Value final_div_factor, bool cos,
                         std::vector<Phase> phases)
      : ParamScheduler(a),
        eta_max_(std::move(eta_max)),
        div_factor_(std::move(div_factor)),
        final_div_factor_(std::move(final_div_factor)),
        total_steps_(total_steps),
        cos_(cos),
        phases_(std::move(phases)) {}

  // eta_max=0 (or one per group, pseudo group included), total_steps=None
  // (-> end - begin), pct_start=0.3, anneal_strategy='cos', div_factor=25.,
  // final_div_factor=1e4, three_phase=False.
  static std::shared_ptr<ParamScheduler> create(registry::BuildArgs& args, const SchedulerArgs& a) {
    const std::string& p = a.param_name;
    if (p != "lr")
      throw Error("AssertionError",
                  "OneCycle only works for learning rate updating, but got "
                  "patam_name as " +
                      p);
    Value eta_max = args.value_or("eta_max", Value(0));
    std::int64_t total_steps = a.end - a.begin;
    if (args.has("total_steps") && !args.value("total_steps").is_none()) {
      Value t = args.value("total_steps");
      if (!t.is_int() || t.as_int() <= 0)
        throw Error("ValueError", "Expected positive integer total_steps, but got " + t.repr());
      total_steps = a.scale(t.as_int());
    }
    Value pct = args.value_or("pct_start", Value(0.3));
    if (!pct.is_float() || pct.as_float() < 0 || pct.as_float() > 1)
      throw Error("ValueError", "Expected float between 0 and 1 pct_start, but got " + pct.repr());
    std::string strategy = args.get_str("anneal_strategy", "cos");
    if (strategy != "cos" && strategy != "linear")
      throw Error("ValueError",
                  "anneal_strategy must by one of \"cos\" or \"linear\", instead got " + strategy);
    Value div = read_number(args, "div_factor", Value(25.0));
    Value final_div = read_number(args, "final_div_factor", Value(1e4));
    bool three_phase = args.get_bool("three_phase", false);
    const double ps = pct.as_float(), n = static_cast<double>(total_steps);
    const std::string init = "initial_" + p, max = "max_" + p, min = "min_" + p;
    std::vector<Phase> phases;
    if (three_phase) {
      phases = {{Value(ps * n - 1), init, max},
                {Value(2 * ps * n - 2), max, init},
                {Value(total_steps - 1), init, min}};
    } else {
      phases = {{Value(ps * n - 1), init, max}, {Value(total_steps - 1), max, min}};
    }
    OptimWrapper& ow = *a.optimizer;
    std::vector<double> max_values;
    if (eta_max.is_sequence()) {
      if (eta_max.items().size() != ow.num_groups())
        throw Error("ValueError", "expected " + std::to_string(ow.num_groups()) +
                                      " values for max_lr, got " +
                                      std::to_string(eta_max.items().size()));
      for (const auto& x : eta_max.items()) max_values.push_back(x.as_number());
    } else {
      if (!eta_max.is_number())
        args.fail("eta_max", "must be a number or a list, got " + eta_max.repr());
      max_values.assign(ow.num_groups(), eta_max.as_number());
    }
    // Unlike other schedulers, OneCycle overwrites initial_lr (before the base setdefault).
    if (a.last_step == -1) {
      for (std::size_t i = 0; i < ow.num_groups(); ++i) {
        double initial = max_values[i] / div.as_number();
        ow.set_value(i, init, initial);
        ow.set_value(i, max, max_values[i]);
        ow.set_value(i, min, initial / final_div.as_number());
      }
    }
    return finish(std::make_shared<OneCycleParamScheduler>(a, eta_max, total_steps, div, final_div,
                                                           strategy == "cos", phases));
  }

 protected:
  std::vector<double> get_value() override {
    const std::int64_t step_num = last_step_;
    if (step_num > total_steps_)
      throw Error("ValueError", "Tried to step " + std::to_string(step_num + 1) +
                                    " times. The specified number of total steps is " +
                                    std::to_string(total_steps_));
    std::vector<double> v(num_groups());
    for (std::size_t g = 0; g < v.size(); ++g) {
      double start_step = 0;
      for (std::size_t i = 0; i < phases_.size(); ++i) {
        const double end_step = phases_[i].end_step.as_number();
        if (static_cast<double>(step_num) <= end_step || i + 1 == phases_.size()) {
          if (end_step == start_step)
            throw Error("ZeroDivisionError",
                        "OneCycle phase of zero length (float division by zero)");
          const double pct = (static_cast<double>(step_num) - start_step) / (end_step - start_step);
          v[g] = anneal(optimizer_.get_value(g, phases_[i].start_key),
                        optimizer_.get_value(g, phases_[i].end_key), pct);
          break;
        }
        start_step = end_step;
      }
    }
    return v;
  }
  // Python stores the bound anneal function; we store its strategy name.
  void save_extra_state(config::Dict& d) const override {
    d.set(Value("eta_max"), eta_max_);
    d.set(Value("div_factor"), div_factor_);
    d.set(Value("final_div_factor"), final_div_factor_);
    d.set(Value("total_steps"), Value(total_steps_));
    d.set(Value("anneal_func"), Value(cos_ ? "cos" : "linear"));
    Value phases = Value::list();
    for (const auto& ph : phases_) {
      Value x = Value::dict(false);
      x.as_dict().set(Value("end_step"), ph.end_step);
      x.as_dict().set(Value("start_" + param_name_), Value(ph.start_key));
      x.as_dict().set(Value("end_" + param_name_), Value(ph.end_key));
      phases.items().push_back(x);
    }
    d.set(Value("_schedule_phases"), phases);
  }
  void load_extra_state(const config::Dict& d) override {
    if (auto* v = d.find("eta_max")) eta_max_ = *v;
    if (auto* v = d.find("div_factor")) div_factor_ = *v;
    if (auto* v = d.find("final_div_factor")) final_div_factor_ = *v;
    if (auto* v = d.find("total_steps")) total_steps_ = v->as_int();
    if (auto* v = d.find("anneal_func"); v && v->is_str()) cos_ = v->as_str() != "linear";
    if (auto* v = d.find("_schedule_phases")) {
      phases_.clear();
      for (const auto& x : v->items()) {
        const auto& pd = x.as_dict();
        phases_.push_back({*pd.find("end_step"), pd.find("start_" + param_name_)->as_str(),
                           pd.find("end_" + param_name_)->as_str()});
      }
    }
  }

 private:
  double anneal(double start, double end, double pct) const {
    if (cos_) {
      double cos_out = std::cos(kPi * pct) + 1;
      return end + (start - end) / 2.0 * cos_out;
    }
    return (end - start) * pct + start;
  }

  Value eta_max_, div_factor_, final_div_factor_;
  std::int64_t total_steps_;
  bool cos_;
  std::vector<Phase> phases_;
};

using OneCycleParam = SchedulerVariant<OneCycleParamScheduler, SchedulerKind::kParam>;
using OneCycleLR = SchedulerVariant<OneCycleParamScheduler, SchedulerKind::kLr>;

}  // namespace

MMCPP_REGISTER_AS(registry::PARAM_SCHEDULERS, OneCycleParam, "OneCycleParamScheduler",
                  "dict(type='OneCycleParamScheduler', param_name='lr', eta_max=0.1, "
                  "total_steps=100)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, OneCycleLR,
               "dict(type='OneCycleLR', eta_max=0.1, total_steps=100, by_epoch=False)");

}  // namespace mmcpp::engine
