// CosineAnnealingParamScheduler / CosineAnnealingLR / CosineAnnealingMomentum:
// SGDR's cosine annealing (without restarts) in PyTorch's recursive form, so it
// chains with other schedulers. eta_min, or eta_min_ratio * initial value.
#include <cmath>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;
constexpr double kPi = 3.141592653589793;  // math.pi

class CosineAnnealingParamScheduler : public ParamScheduler {
 public:
  CosineAnnealingParamScheduler(const SchedulerArgs& a, std::int64_t t_max, Value eta_min,
                                Value eta_min_ratio)
      : ParamScheduler(a),
        t_max_(t_max),
        eta_min_(std::move(eta_min)),
        eta_min_ratio_(std::move(eta_min_ratio)) {}

  // T_max=None (-> end - begin), eta_min=None, eta_min_ratio=None: at most one of
  // the two (neither: eta_min=0.).
  static std::shared_ptr<ParamScheduler> create(registry::BuildArgs& args, const SchedulerArgs& a) {
    std::optional<std::int64_t> t_max = args.get_opt_int("T_max");
    if (t_max) t_max = a.scale(*t_max);
    Value eta_min = read_optional_number(args, "eta_min");
    Value eta_min_ratio = read_optional_number(args, "eta_min_ratio");
    if (eta_min.is_none() && eta_min_ratio.is_none()) eta_min = Value(0.0);
    if (!eta_min.is_none() && !eta_min_ratio.is_none())
      throw Error("AssertionError", "Either `eta_min` or `eta_min_ratio should be specified");
    std::int64_t tm = (t_max && *t_max != 0) ? *t_max : a.end - a.begin;  // `T_max or ...`
    return finish(std::make_shared<CosineAnnealingParamScheduler>(a, tm, eta_min, eta_min_ratio));
  }

 protected:
  std::vector<double> get_value() override {
    std::vector<double> v = current_values();
    if (last_step_ == 0) return v;
    const double t = static_cast<double>(t_max_);
    if ((last_step_ - 1 - t_max_) % (2 * t_max_) == 0) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        double base = base_values_[i];
        v[i] = v[i] + (base - eta_min(base)) * (1 - std::cos(kPi / t)) / 2;
      }
      return v;
    }
    const double ls = static_cast<double>(last_step_);
    for (std::size_t i = 0; i < v.size(); ++i) {
      double e = eta_min(base_values_[i]);
      v[i] = (1 + std::cos(kPi * ls / t)) / (1 + std::cos(kPi * (ls - 1) / t)) * (v[i] - e) + e;
    }
    return v;
  }
  void save_extra_state(config::Dict& d) const override {
    d.set(Value("T_max"), Value(t_max_));
    d.set(Value("eta_min"), eta_min_);
    d.set(Value("eta_min_ratio"), eta_min_ratio_);
  }
  void load_extra_state(const config::Dict& d) override {
    if (auto* v = d.find("T_max")) t_max_ = v->as_int();
    if (auto* v = d.find("eta_min")) eta_min_ = *v;
    if (auto* v = d.find("eta_min_ratio")) eta_min_ratio_ = *v;
  }

 private:
  double eta_min(double base) const {
    if (eta_min_ratio_.is_none()) return eta_min_.as_number();
    return base * eta_min_ratio_.as_number();
  }

  std::int64_t t_max_;
  Value eta_min_, eta_min_ratio_;
};

using CosineAnnealingParam = SchedulerVariant<CosineAnnealingParamScheduler, SchedulerKind::kParam>;
using CosineAnnealingLR = SchedulerVariant<CosineAnnealingParamScheduler, SchedulerKind::kLr>;
using CosineAnnealingMomentum =
    SchedulerVariant<CosineAnnealingParamScheduler, SchedulerKind::kMomentum>;

}  // namespace

MMCPP_REGISTER_AS(registry::PARAM_SCHEDULERS, CosineAnnealingParam, "CosineAnnealingParamScheduler",
                  "dict(type='CosineAnnealingParamScheduler', param_name='lr', T_max=10)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, CosineAnnealingLR,
               "dict(type='CosineAnnealingLR', T_max=10, eta_min=1e-5)");
MMCPP_REGISTER(registry::PARAM_SCHEDULERS, CosineAnnealingMomentum,
               "dict(type='CosineAnnealingMomentum', T_max=10, eta_min=0.85)");

}  // namespace mmcpp::engine
