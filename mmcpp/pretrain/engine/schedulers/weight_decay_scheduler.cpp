#include "mmcpp/pretrain/engine/schedulers/weight_decay_scheduler.h"

#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using engine::SchedulerArgs;
using engine::SchedulerKind;

namespace {
constexpr double kPi = 3.141592653589793;  // math.pi
}  // namespace

CosineAnnealingWeightDecay::CosineAnnealingWeightDecay(const SchedulerArgs& args,
                                                       std::int64_t t_max, Value eta_min,
                                                       Value eta_min_ratio)
    : ParamScheduler(args),
      t_max_(t_max),
      eta_min_(std::move(eta_min)),
      eta_min_ratio_(std::move(eta_min_ratio)) {}

std::shared_ptr<engine::ParamScheduler> CosineAnnealingWeightDecay::from_config(
    registry::BuildArgs& args) {
  // WeightDecaySchedulerMixin passes 'weight_decay' positionally.
  if (args.has("param_name"))
    throw Error("TypeError",
                "CosineAnnealingParamScheduler.__init__() got multiple values for argument "
                "'param_name'");
  // The common arguments are those of an LR scheduler; only the name differs.
  SchedulerArgs a = engine::read_scheduler_args(args, SchedulerKind::kLr);
  a.kind = SchedulerKind::kParam;
  a.param_name = "weight_decay";
  std::optional<std::int64_t> t_max = args.get_opt_int("T_max");
  if (t_max) t_max = a.scale(*t_max);
  Value eta_min = engine::read_optional_number(args, "eta_min");
  Value eta_min_ratio = engine::read_optional_number(args, "eta_min_ratio");
  if (eta_min.is_none() && eta_min_ratio.is_none()) eta_min = Value(0.0);
  if (!eta_min.is_none() && !eta_min_ratio.is_none())
    throw Error("AssertionError", "Either `eta_min` or `eta_min_ratio should be specified");
  std::int64_t tm = (t_max && *t_max != 0) ? *t_max : a.end - a.begin;  // `T_max or ...`
  auto s = std::make_shared<CosineAnnealingWeightDecay>(a, tm, eta_min, eta_min_ratio);
  s->initial_step();
  return s;
}

double CosineAnnealingWeightDecay::eta_min(double base) const {
  if (eta_min_ratio_.is_none()) return eta_min_.as_number();
  return base * eta_min_ratio_.as_number();
}

std::vector<double> CosineAnnealingWeightDecay::get_value() {
  std::vector<double> v = current_values();
  if (last_step_ == 0) return v;
  const double t = static_cast<double>(t_max_);
  // Python's % never changes whether the remainder is 0.
  const bool half_period = (last_step_ - 1 - t_max_) % (2 * t_max_) == 0;
  const double ls = static_cast<double>(last_step_);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double base = base_values_[i];
    if (base == 0) {
      v[i] = 0;  // no weight decay at the start: none ever
      continue;
    }
    const double e = eta_min(base);
    if (half_period)
      v[i] = v[i] + (base - e) * (1 - std::cos(kPi / t)) / 2;
    else
      v[i] = (1 + std::cos(kPi * ls / t)) / (1 + std::cos(kPi * (ls - 1) / t)) * (v[i] - e) + e;
  }
  return v;
}

void CosineAnnealingWeightDecay::save_extra_state(config::Dict& d) const {
  d.set(Value("T_max"), Value(t_max_));
  d.set(Value("eta_min"), eta_min_);
  d.set(Value("eta_min_ratio"), eta_min_ratio_);
}

void CosineAnnealingWeightDecay::load_extra_state(const config::Dict& d) {
  if (auto* v = d.find("T_max")) t_max_ = v->as_int();
  if (auto* v = d.find("eta_min")) eta_min_ = *v;
  if (auto* v = d.find("eta_min_ratio")) eta_min_ratio_ = *v;
}

MMCPP_REGISTER(PARAM_SCHEDULERS, CosineAnnealingWeightDecay,
               "dict(type='CosineAnnealingWeightDecay', eta_min=0.2, T_max=8, by_epoch=True)");

}  // namespace mmcpp::pretrain
