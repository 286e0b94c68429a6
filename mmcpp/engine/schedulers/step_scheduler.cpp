// StepParamScheduler / StepLR / StepMomentum (mmengine/optim/scheduler): the
// value is multiplied by `gamma` every `step_size` steps.
#include <memory>
#include <utility>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;

class StepParamScheduler : public ParamScheduler {
 public:
  StepParamScheduler(const SchedulerArgs& a, std::int64_t step_size, Value gamma)
      : ParamScheduler(a), step_size_(step_size), gamma_(std::move(gamma)) {}

  // step_size(required), gamma=0.1; step_size counts epochs when converted.
  static std::shared_ptr<ParamScheduler> create(registry::BuildArgs& args, const SchedulerArgs& a) {
    std::int64_t step_size = a.scale(args.require_int("step_size"));
    // Python would divide by zero at the first step; fail at build instead.
    if (step_size <= 0)
      throw Error("ValueError",
                  "step_size must be a positive integer, got " + std::to_string(step_size));
    Value gamma = read_number(args, "gamma", Value(0.1));
    return finish(std::make_shared<StepParamScheduler>(a, step_size, gamma));
  }

 protected:
  std::vector<double> get_value() override {
    std::vector<double> v = current_values();
    if (last_step_ == 0 || last_step_ % step_size_ != 0) return v;
    for (double& x : v) x = x * gamma_.as_number();
    return v;
  }
  void save_extra_state(config::Dict& d) const override {
    d.set(Value("step_size"), Value(step_size_));
    d.set(Value("gamma"), gamma_);
  }
  void load_extra_state(const config::Dict& d) override {
    if (auto* v = d.find("step_size")) step_size_ = v->as_int();
    if (auto* v = d.find("gamma")) gamma_ = *v;
  }

 private:
  std::int64_t step_size_;
  Value gamma_;
};

using StepParam = SchedulerVariant<StepParamScheduler, SchedulerKind::kParam>;
using StepLR = SchedulerVariant<StepParamScheduler, SchedulerKind::kLr>;
using StepMomentum = SchedulerVariant<StepParamScheduler, SchedulerKind::kMomentum>;

}  // namespace

MMCPP_REGISTER_AS(registry::PARAM_SCHEDULERS, StepParam, "StepParamScheduler",
                  "dict(type='StepParamScheduler', param_name='lr', step_size=2, gamma=0.5)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, StepLR, "dict(type='StepLR', step_size=2, gamma=0.5)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, StepMomentum,
               "dict(type='StepMomentum', step_size=2, gamma=0.5)");

}  // namespace mmcpp::engine
