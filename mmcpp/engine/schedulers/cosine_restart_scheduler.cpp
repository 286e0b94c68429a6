// CosineRestartParamScheduler / CosineRestartLR / CosineRestartMomentum: cosine
// annealing restarted after each of `periods`, the restart peak scaled by
// `restart_weights` (chainable form, as MMEngine).
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;
constexpr double kPi = 3.141592653589793;  // math.pi

class CosineRestartParamScheduler : public ParamScheduler {
 public:
  CosineRestartParamScheduler(const SchedulerArgs& a, std::vector<std::int64_t> periods,
                              Value restart_weights, Value eta_min, Value eta_min_ratio)
      : ParamScheduler(a),
        periods_(std::move(periods)),
        eta_min_(std::move(eta_min)),
        eta_min_ratio_(std::move(eta_min_ratio)),
        restart_weights_(std::move(restart_weights)) {
    std::int64_t sum = 0;
    for (std::int64_t p : periods_) cumulative_periods_.push_back(sum += p);
  }

  // periods (required), restart_weights=(1,), exactly one of eta_min /
  // eta_min_ratio; periods count epochs when converted.
  static std::shared_ptr<ParamScheduler> create(registry::BuildArgs& args, const SchedulerArgs& a) {
    args.require("periods");
    std::vector<std::int64_t> periods;
    for (std::int64_t p : args.get_int_list("periods", {})) periods.push_back(a.scale(p));
    Value weights = args.value_or("restart_weights", Value::tuple({Value(1)}));
    if (!weights.is_sequence())
      args.fail("restart_weights", "must be a list, got " + weights.repr());
    for (const auto& w : weights.items())
      if (!w.is_number()) args.fail("restart_weights", "must hold numbers, got " + w.repr());
    Value eta_min = read_optional_number(args, "eta_min");
    Value eta_min_ratio = read_optional_number(args, "eta_min_ratio");
    if (eta_min.is_none() == eta_min_ratio.is_none())
      throw Error("AssertionError", "exactly one of eta_min and eta_min_ratio must be set");
    if (periods.size() != weights.items().size())
      throw Error("AssertionError", "periods and restart_weights should have the same length.");
    return finish(
        std::make_shared<CosineRestartParamScheduler>(a, periods, weights, eta_min, eta_min_ratio));
  }

 protected:
  std::vector<double> get_value() override {
    std::vector<double> v = current_values();
    std::size_t idx = 0;
    while (idx < cumulative_periods_.size() && last_step_ >= cumulative_periods_[idx]) ++idx;
    if (idx == cumulative_periods_.size()) return v;  // after the last period
    const double weight = restart_weights_.items()[idx].as_number();
    const std::int64_t nearest_restart = idx == 0 ? 0 : cumulative_periods_[idx - 1];
    const double period = static_cast<double>(periods_[idx]);
    const std::int64_t step = last_step_ - nearest_restart;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const double base = base_values_[i];
      const double eta_max = base * weight;
      const double eta_min =
          eta_min_ratio_.is_none() ? eta_min_.as_number() : base * eta_min_ratio_.as_number();
      if (step == 0) {
        v[i] = eta_max;
      } else {
        const double s = static_cast<double>(step);
        v[i] = (1 + std::cos(kPi * s / period)) / (1 + std::cos(kPi * (s - 1) / period)) *
                   (v[i] - eta_min) +
               eta_min;
      }
    }
    return v;
  }
  void save_extra_state(config::Dict& d) const override {
    Value periods = Value::list(), cumulative = Value::list();
    for (auto p : periods_) periods.items().push_back(Value(p));
    for (auto p : cumulative_periods_) cumulative.items().push_back(Value(p));
    d.set(Value("periods"), periods);
    d.set(Value("eta_min"), eta_min_);
    d.set(Value("eta_min_ratio"), eta_min_ratio_);
    d.set(Value("restart_weights"), restart_weights_);
    d.set(Value("cumulative_periods"), cumulative);
  }
  void load_extra_state(const config::Dict& d) override {
    auto ints = [](const Value& v) {
      std::vector<std::int64_t> out;
      for (const auto& x : v.items()) out.push_back(x.as_int());
      return out;
    };
    if (auto* v = d.find("periods")) periods_ = ints(*v);
    if (auto* v = d.find("eta_min")) eta_min_ = *v;
    if (auto* v = d.find("eta_min_ratio")) eta_min_ratio_ = *v;
    if (auto* v = d.find("restart_weights")) restart_weights_ = *v;
    if (auto* v = d.find("cumulative_periods")) cumulative_periods_ = ints(*v);
  }

 private:
  std::vector<std::int64_t> periods_;
  Value eta_min_, eta_min_ratio_, restart_weights_;
  std::vector<std::int64_t> cumulative_periods_;
};

using CosineRestartParam = SchedulerVariant<CosineRestartParamScheduler, SchedulerKind::kParam>;
using CosineRestartLR = SchedulerVariant<CosineRestartParamScheduler, SchedulerKind::kLr>;
using CosineRestartMomentum =
    SchedulerVariant<CosineRestartParamScheduler, SchedulerKind::kMomentum>;

}  // namespace

MMCPP_REGISTER_AS(registry::PARAM_SCHEDULERS, CosineRestartParam, "CosineRestartParamScheduler",
                  "dict(type='CosineRestartParamScheduler', param_name='lr', periods=[5, 5], "
                  "restart_weights=[1, 0.5], eta_min=0.0)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, CosineRestartLR,
               "dict(type='CosineRestartLR', periods=[10, 10], restart_weights=[1, 0.5], "
               "eta_min=1e-4)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, CosineRestartMomentum,
               "dict(type='CosineRestartMomentum', periods=[4, 4], restart_weights=[1, 0.5], "
               "eta_min_ratio=0.5)");

}  // namespace mmcpp::engine
