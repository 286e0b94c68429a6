// MultiStepParamScheduler / MultiStepLR / MultiStepMomentum: the value is
// multiplied by gamma**count at each milestone (a milestone repeated n times
// counts n: Python's Counter).
#include <memory>
#include <utility>
#include <vector>

#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;
// Counter(milestones): milestone -> count, in first-occurrence order.
using Milestones = std::vector<std::pair<std::int64_t, std::int64_t>>;

class MultiStepParamScheduler : public ParamScheduler {
 public:
  MultiStepParamScheduler(const SchedulerArgs& a, Milestones milestones, Value gamma)
      : ParamScheduler(a), milestones_(std::move(milestones)), gamma_(std::move(gamma)) {}

  // milestones(required), gamma=0.1; milestones count epochs when converted.
  static std::shared_ptr<ParamScheduler> create(registry::BuildArgs& args, const SchedulerArgs& a) {
    args.require("milestones");
    Milestones counter;
    for (std::int64_t m : args.get_int_list("milestones", {})) add(counter, a.scale(m));
    Value gamma = read_number(args, "gamma", Value(0.1));
    return finish(std::make_shared<MultiStepParamScheduler>(a, counter, gamma));
  }

 protected:
  std::vector<double> get_value() override {
    std::vector<double> v = current_values();
    for (const auto& [m, count] : milestones_) {
      if (m != last_step_) continue;
      double factor = std::pow(gamma_.as_number(), static_cast<double>(count));
      for (double& x : v) x = x * factor;
    }
    return v;
  }
  void save_extra_state(config::Dict& d) const override {
    Value counter = Value::dict(false);
    for (const auto& [m, count] : milestones_) counter.as_dict().set(Value(m), Value(count));
    d.set(Value("milestones"), counter);
    d.set(Value("gamma"), gamma_);
  }
  void load_extra_state(const config::Dict& d) override {
    if (auto* v = d.find("milestones")) {
      Milestones counter;
      if (v->is_dict()) {
        for (const auto& [k, c] : v->as_dict().entries())
          counter.emplace_back(k.as_int(), c.as_int());
      } else {
        for (const auto& m : v->items()) add(counter, m.as_int());
      }
      milestones_ = counter;
    }
    if (auto* v = d.find("gamma")) gamma_ = *v;
  }

 private:
  static void add(Milestones& counter, std::int64_t m) {
    for (auto& [k, c] : counter)
      if (k == m) {
        ++c;
        return;
      }
    counter.emplace_back(m, 1);
  }

  Milestones milestones_;
  Value gamma_;
};

using MultiStepParam = SchedulerVariant<MultiStepParamScheduler, SchedulerKind::kParam>;
using MultiStepLR = SchedulerVariant<MultiStepParamScheduler, SchedulerKind::kLr>;
using MultiStepMomentum = SchedulerVariant<MultiStepParamScheduler, SchedulerKind::kMomentum>;

}  // namespace

MMCPP_REGISTER_AS(registry::PARAM_SCHEDULERS, MultiStepParam, "MultiStepParamScheduler",
                  "dict(type='MultiStepParamScheduler', param_name='lr', milestones=[4, 8])");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, MultiStepLR,
               "dict(type='MultiStepLR', milestones=[4, 8], gamma=0.1)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, MultiStepMomentum,
               "dict(type='MultiStepMomentum', milestones=[4, 8], gamma=0.5)");

}  // namespace mmcpp::engine
