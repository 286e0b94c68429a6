// PolyParamScheduler / PolyLR / PolyMomentum: polynomial decay to eta_min over
// end - begin - 1 steps, in recursive (chainable) form.
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;

class PolyParamScheduler : public ParamScheduler {
 public:
  PolyParamScheduler(const SchedulerArgs& a, Value eta_min, Value power)
      : ParamScheduler(a),
        eta_min_(std::move(eta_min)),
        power_(std::move(power)),
        total_iters_(a.end - a.begin - 1) {}

  // eta_min=0, power=1.0.
  static std::shared_ptr<ParamScheduler> create(registry::BuildArgs& args, const SchedulerArgs& a) {
    Value eta_min = read_number(args, "eta_min", Value(0));
    Value power = read_number(args, "power", Value(1.0));
    return finish(std::make_shared<PolyParamScheduler>(a, eta_min, power));
  }

 protected:
  std::vector<double> get_value() override {
    std::vector<double> v = current_values();
    if (last_step_ == 0) return v;
    const double e = eta_min_.as_number();
    const double base = 1 - 1 / static_cast<double>(total_iters_ - last_step_ + 1);
    const double factor = std::pow(base, power_.as_number());
    for (double& x : v) x = (x - e) * factor + e;
    return v;
  }
  void save_extra_state(config::Dict& d) const override {
    d.set(Value("eta_min"), eta_min_);
    d.set(Value("power"), power_);
    d.set(Value("total_iters"), Value(total_iters_));
  }
  void load_extra_state(const config::Dict& d) override {
    if (auto* v = d.find("eta_min")) eta_min_ = *v;
    if (auto* v = d.find("power")) power_ = *v;
    if (auto* v = d.find("total_iters")) total_iters_ = v->as_int();
  }

 private:
  Value eta_min_, power_;
  std::int64_t total_iters_;
};

using PolyParam = SchedulerVariant<PolyParamScheduler, SchedulerKind::kParam>;
using PolyLR = SchedulerVariant<PolyParamScheduler, SchedulerKind::kLr>;
using PolyMomentum = SchedulerVariant<PolyParamScheduler, SchedulerKind::kMomentum>;

}  // namespace

MMCPP_REGISTER_AS(registry::PARAM_SCHEDULERS, PolyParam, "PolyParamScheduler",
                  "dict(type='PolyParamScheduler', param_name='lr', eta_min=1e-4, power=2.0)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, PolyLR,
               "dict(type='PolyLR', eta_min=1e-4, power=1.0, by_epoch=False)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, PolyMomentum,
               "dict(type='PolyMomentum', eta_min=0.8, power=1.5)");

}  // namespace mmcpp::engine
