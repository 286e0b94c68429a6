// ParamSchedulerHook (mmengine/hooks/param_scheduler_hook.py).
#include "mmcpp/engine/hooks/param_scheduler_hook.h"

#include <map>

#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

std::shared_ptr<ParamSchedulerHook> ParamSchedulerHook::from_config(registry::BuildArgs&) {
  return std::make_shared<ParamSchedulerHook>();
}

void ParamSchedulerHook::step_iter_based(
    const std::vector<std::shared_ptr<ParamScheduler>>& schedulers) {
  for (const auto& s : schedulers) {
    if (s && !s->by_epoch()) s->step();
  }
}

void ParamSchedulerHook::step_epoch_based(
    const std::vector<std::shared_ptr<ParamScheduler>>& schedulers) {
  for (const auto& s : schedulers) {
    if (s && s->by_epoch()) s->step();
  }
}

void ParamSchedulerHook::step_with_metrics(
    const std::vector<std::shared_ptr<ParamScheduler>>& schedulers,
    const evaluation::Metrics& metrics) {
  std::map<std::string, double> m;
  for (const auto& [k, v] : metrics)
    if (v.is_scalar()) m.emplace(k, v.scalar());
  for (const auto& s : schedulers) {
    if (s && s->by_epoch() && s->need_val_args()) s->step_with_metrics(m);
  }
}

void ParamSchedulerHook::after_train_iter(Runner& runner, std::int64_t, const data::DataBatch*,
                                          const NamedTensors&) {
  step_iter_based(runner.param_schedulers());
}

void ParamSchedulerHook::after_train_epoch(Runner& runner) {
  step_epoch_based(runner.param_schedulers());
}

void ParamSchedulerHook::after_val_epoch(Runner& runner, const evaluation::Metrics& metrics) {
  // Skipped when schedulers were never built (runner.val() alone).
  step_with_metrics(runner.param_schedulers(), metrics);
}

MMCPP_REGISTER(registry::HOOKS, ParamSchedulerHook, "dict(type='ParamSchedulerHook')");

}  // namespace mmcpp::engine
