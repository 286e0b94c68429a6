// LinearParamScheduler / LinearLR / LinearMomentum: the multiplicative factor
// moves linearly from start_factor to end_factor over end - begin - 1 steps
// (the usual warm-up).
#include <memory>
#include <utility>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;

class LinearParamScheduler : public ParamScheduler {
 public:
  LinearParamScheduler(const SchedulerArgs& a, Value start_factor, Value end_factor)
      : ParamScheduler(a),
        start_factor_(std::move(start_factor)),
        end_factor_(std::move(end_factor)),
        total_iters_(a.end - a.begin - 1) {}

  // start_factor=1/3, end_factor=1.0, both in [0, 1].
  static std::shared_ptr<ParamScheduler> create(registry::BuildArgs& args, const SchedulerArgs& a) {
    Value start = read_number(args, "start_factor", Value(1.0 / 3));
    Value end = read_number(args, "end_factor", Value(1.0));
    if (start.as_number() > 1.0 || start.as_number() < 0)
      throw Error("ValueError",
                  "Starting multiplicative factor should between 0 and 1, got " + start.repr());
    if (end.as_number() > 1.0 || end.as_number() < 0)
      throw Error("ValueError",
                  "Ending multiplicative factor should between 0 and 1, got " + end.repr());
    return finish(std::make_shared<LinearParamScheduler>(a, start, end));
  }

 protected:
  std::vector<double> get_value() override {
    std::vector<double> v = current_values();
    const double sf = start_factor_.as_number(), ef = end_factor_.as_number();
    if (last_step_ == 0) {
      for (double& x : v) x = x * sf;
      return v;
    }
    double denom =
        static_cast<double>(total_iters_) * sf + static_cast<double>(last_step_ - 1) * (ef - sf);
    if (denom == 0)
      throw Error("ZeroDivisionError", "LinearParamScheduler: float division by zero");
    double factor = 1. + (ef - sf) / denom;
    for (double& x : v) x = x * factor;
    return v;
  }
  void save_extra_state(config::Dict& d) const override {
    d.set(Value("start_factor"), start_factor_);
    d.set(Value("end_factor"), end_factor_);
    d.set(Value("total_iters"), Value(total_iters_));
  }
  void load_extra_state(const config::Dict& d) override {
    if (auto* v = d.find("start_factor")) start_factor_ = *v;
    if (auto* v = d.find("end_factor")) end_factor_ = *v;
    if (auto* v = d.find("total_iters")) total_iters_ = v->as_int();
  }

 private:
  Value start_factor_, end_factor_;
  std::int64_t total_iters_;
};

using LinearParam = SchedulerVariant<LinearParamScheduler, SchedulerKind::kParam>;
using LinearLR = SchedulerVariant<LinearParamScheduler, SchedulerKind::kLr>;
using LinearMomentum = SchedulerVariant<LinearParamScheduler, SchedulerKind::kMomentum>;

}  // namespace

MMCPP_REGISTER_AS(registry::PARAM_SCHEDULERS, LinearParam, "LinearParamScheduler",
                  "dict(type='LinearParamScheduler', param_name='lr', start_factor=0.1, end=5)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, LinearLR,
               "dict(type='LinearLR', start_factor=1e-3, by_epoch=False, end=500)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, LinearMomentum,
               "dict(type='LinearMomentum', start_factor=0.5, end=5)");

}  // namespace mmcpp::engine
