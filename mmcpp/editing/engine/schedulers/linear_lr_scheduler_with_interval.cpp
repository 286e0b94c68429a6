#include "mmcpp/editing/engine/schedulers/linear_lr_scheduler_with_interval.h"

#include <algorithm>
#include <string>
#include <utility>

#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"

namespace mmcpp::editing {

using config::Value;
using engine::SchedulerArgs;
using engine::SchedulerKind;

namespace {

// Python's a // b on ints (rounds towards -inf).
std::int64_t floordiv(std::int64_t a, std::int64_t b) {
  if (b == 0) throw Error("ZeroDivisionError", "integer division or modulo by zero");
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

LinearLrInterval::LinearLrInterval(const SchedulerArgs& args, std::int64_t interval,
                                   Value start_factor, Value end_factor)
    : ParamScheduler(args),
      interval_(interval),
      start_factor_(std::move(start_factor)),
      end_factor_(std::move(end_factor)),
      total_iters_(args.end - args.begin - 1) {}

std::shared_ptr<engine::ParamScheduler> LinearLrInterval::from_config(registry::BuildArgs& args) {
  if (args.has("param_name"))
    throw Error("TypeError",
                "LinearParamScheduler.__init__() got multiple values for argument 'param_name'");
  SchedulerArgs a = engine::read_scheduler_args(args, SchedulerKind::kLr);
  std::int64_t interval = args.get_int("interval", 1);
  Value start = engine::read_number(args, "start_factor", Value(1.0 / 3));
  Value end = engine::read_number(args, "end_factor", Value(1.0));
  if (start.as_number() > 1.0 || start.as_number() < 0)
    throw Error("ValueError", "Starting multiplicative factor should between 0 and 1.");
  if (end.as_number() > 1.0 || end.as_number() < 0)
    throw Error("ValueError", "Ending multiplicative factor should between 0 and 1.");
  auto s = std::make_shared<LinearLrInterval>(a, interval, start, end);
  s->initial_step();
  return s;
}

std::vector<double> LinearLrInterval::get_value() {
  std::vector<double> v = current_values();
  const double sf = start_factor_.as_number(), ef = end_factor_.as_number();
  if (last_step_ == 0) {
    for (double& x : v) x *= sf;
    return v;
  }
  const std::int64_t progress = global_step_ - 1;  // message_hub 'epoch' / 'iter'
  const std::int64_t done = floordiv(std::max<std::int64_t>(0, progress - begin_), interval_);
  const std::int64_t total = floordiv(end_ - begin_, interval_);
  if (total == 0) throw Error("ZeroDivisionError", "division by zero");
  const double factor = static_cast<double>(done) / static_cast<double>(total);
  for (double& x : v) x = sf + (ef - sf) * factor;
  return v;
}

void LinearLrInterval::save_extra_state(config::Dict& d) const {
  d.set(Value("interval"), Value(interval_));
  d.set(Value("start_factor"), start_factor_);
  d.set(Value("end_factor"), end_factor_);
  d.set(Value("total_iters"), Value(total_iters_));
}

void LinearLrInterval::load_extra_state(const config::Dict& d) {
  if (auto* v = d.find("interval")) interval_ = v->as_int();
  if (auto* v = d.find("start_factor")) start_factor_ = *v;
  if (auto* v = d.find("end_factor")) end_factor_ = *v;
  if (auto* v = d.find("total_iters")) total_iters_ = v->as_int();
}

MMCPP_REGISTER(PARAM_SCHEDULERS, LinearLrInterval,
               "dict(type='LinearLrInterval', interval=2, by_epoch=False, start_factor=0.0002, "
               "end_factor=0, begin=4, end=8)");

}  // namespace mmcpp::editing
