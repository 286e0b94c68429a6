// ConstantParamScheduler / ConstantLR / ConstantMomentum: the value is multiplied
// by `factor` at `begin` and restored after end - begin - 1 steps.
#include <memory>
#include <utility>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;

class ConstantParamScheduler : public ParamScheduler {
 public:
  ConstantParamScheduler(const SchedulerArgs& a, Value factor)
      : ParamScheduler(a), factor_(std::move(factor)), total_iters_(a.end - a.begin - 1) {}

  // factor=1/3, in [0, 1].
  static std::shared_ptr<ParamScheduler> create(registry::BuildArgs& args, const SchedulerArgs& a) {
    Value factor = read_number(args, "factor", Value(1.0 / 3));
    if (factor.as_number() > 1.0 || factor.as_number() < 0)
      throw Error("ValueError",
                  "Constant multiplicative factor should between 0 and 1, got " + factor.repr());
    return finish(std::make_shared<ConstantParamScheduler>(a, factor));
  }

 protected:
  std::vector<double> get_value() override {
    std::vector<double> v = current_values();
    double f = factor_.as_number();
    if (last_step_ == 0) {
      for (double& x : v) x = x * f;
    } else if (last_step_ == total_iters_) {
      for (double& x : v) x = x * (1.0 / f);
    }
    return v;
  }
  void save_extra_state(config::Dict& d) const override {
    d.set(Value("factor"), factor_);
    d.set(Value("total_iters"), Value(total_iters_));
  }
  void load_extra_state(const config::Dict& d) override {
    if (auto* v = d.find("factor")) factor_ = *v;
    if (auto* v = d.find("total_iters")) total_iters_ = v->as_int();
  }

 private:
  Value factor_;
  std::int64_t total_iters_;
};

using ConstantParam = SchedulerVariant<ConstantParamScheduler, SchedulerKind::kParam>;
using ConstantLR = SchedulerVariant<ConstantParamScheduler, SchedulerKind::kLr>;
using ConstantMomentum = SchedulerVariant<ConstantParamScheduler, SchedulerKind::kMomentum>;

}  // namespace

MMCPP_REGISTER_AS(registry::PARAM_SCHEDULERS, ConstantParam, "ConstantParamScheduler",
                  "dict(type='ConstantParamScheduler', param_name='lr', factor=0.5, end=2)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, ConstantLR,
               "dict(type='ConstantLR', factor=0.25, end=3)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, ConstantMomentum,
               "dict(type='ConstantMomentum', factor=0.5, end=2)");

}  // namespace mmcpp::engine
