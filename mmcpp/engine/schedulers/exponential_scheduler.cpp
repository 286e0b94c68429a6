// ExponentialParamScheduler / ExponentialLR / ExponentialMomentum: the value is
// multiplied by `gamma` every step after the first.
#include <memory>
#include <utility>
#include <vector>

#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;

class ExponentialParamScheduler : public ParamScheduler {
 public:
  ExponentialParamScheduler(const SchedulerArgs& a, Value gamma)
      : ParamScheduler(a), gamma_(std::move(gamma)) {}

  // gamma (required).
  static std::shared_ptr<ParamScheduler> create(registry::BuildArgs& args, const SchedulerArgs& a) {
    args.require("gamma");
    Value gamma = read_number(args, "gamma", Value());
    return finish(std::make_shared<ExponentialParamScheduler>(a, gamma));
  }

 protected:
  std::vector<double> get_value() override {
    std::vector<double> v = current_values();
    if (last_step_ == 0) return v;
    for (double& x : v) x = x * gamma_.as_number();
    return v;
  }
  void save_extra_state(config::Dict& d) const override { d.set(Value("gamma"), gamma_); }
  void load_extra_state(const config::Dict& d) override {
    if (auto* v = d.find("gamma")) gamma_ = *v;
  }

 private:
  Value gamma_;
};

using ExponentialParam = SchedulerVariant<ExponentialParamScheduler, SchedulerKind::kParam>;
using ExponentialLR = SchedulerVariant<ExponentialParamScheduler, SchedulerKind::kLr>;
using ExponentialMomentum = SchedulerVariant<ExponentialParamScheduler, SchedulerKind::kMomentum>;

}  // namespace

MMCPP_REGISTER_AS(registry::PARAM_SCHEDULERS, ExponentialParam, "ExponentialParamScheduler",
                  "dict(type='ExponentialParamScheduler', param_name='lr', gamma=0.9)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, ExponentialLR, "dict(type='ExponentialLR', gamma=0.9)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, ExponentialMomentum,
               "dict(type='ExponentialMomentum', gamma=0.99)");

}  // namespace mmcpp::engine
