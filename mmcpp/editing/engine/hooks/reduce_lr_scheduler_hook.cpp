#include "mmcpp/editing/engine/hooks/reduce_lr_scheduler_hook.h"

#include <optional>
#include <utility>

#include "mmcpp/core/error.h"
#include "mmcpp/editing/engine/schedulers/reduce_lr_scheduler.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"

namespace mmcpp::editing {

ReduceLRSchedulerHook::ReduceLRSchedulerHook(std::optional<std::string> val_metric, bool by_epoch,
                                             std::int64_t interval)
    : val_metric_(std::move(val_metric)), by_epoch_(by_epoch), interval_(interval) {}

std::shared_ptr<ReduceLRSchedulerHook> ReduceLRSchedulerHook::from_config(
    registry::BuildArgs& args) {
  std::optional<std::string> val_metric = args.get_opt_str("val_metric");
  bool by_epoch = args.get_bool("by_epoch", true);
  std::int64_t interval = args.get_int("interval", 1);
  return std::make_shared<ReduceLRSchedulerHook>(val_metric, by_epoch, interval);
}

void ReduceLRSchedulerHook::add_value(double v) {
  sum_value_ += v;
  ++count_;
}

void ReduceLRSchedulerHook::publish(
    const std::vector<std::shared_ptr<engine::ParamScheduler>>& schedulers) {
  if (count_ == 0) throw Error("ZeroDivisionError", "float division by zero");
  const double value = sum_value_ / static_cast<double>(count_);
  sum_value_ = 0;
  count_ = 0;
  for (const auto& s : schedulers)
    if (auto* r = dynamic_cast<ReduceLR*>(s.get())) r->update_value(value);
}

void ReduceLRSchedulerHook::after_train_epoch(engine::Runner& runner) {
  if (!by_epoch_ || val_metric_) return;
  if (every_n_epochs(runner, interval_)) {
    publish(runner.param_schedulers());
    ParamSchedulerHook::after_train_epoch(runner);
  }
}

void ReduceLRSchedulerHook::after_train_iter(engine::Runner& runner, std::int64_t batch_idx,
                                             const data::DataBatch* batch,
                                             const engine::NamedTensors& outputs) {
  if (val_metric_) return;
  add_value(runner.message_hub().get_scalar("train/loss").current());
  if (by_epoch_) return;
  if (every_n_train_iters(runner, interval_)) {
    publish(runner.param_schedulers());
    ParamSchedulerHook::after_train_iter(runner, batch_idx, batch, outputs);
  }
}

void ReduceLRSchedulerHook::after_val_epoch(engine::Runner& runner,
                                            const evaluation::Metrics& metrics) {
  if (!val_metric_) return;
  std::optional<double> value;
  for (const auto& [k, v] : metrics)
    if (k == *val_metric_) value = v.scalar();
  if (!value) throw Error("KeyError", *val_metric_ + " is not found in metrics");
  add_value(*value);
  if (!by_epoch_ || every_n_epochs(runner, interval_)) {
    // Every scheduler, whatever its by_epoch (MMagic calls scheduler.step()).
    publish(runner.param_schedulers());
    for (const auto& s : runner.param_schedulers())
      if (s) s->step();
  }
}

MMCPP_REGISTER(HOOKS, ReduceLRSchedulerHook,
               "dict(type='ReduceLRSchedulerHook', by_epoch=True, interval=1, val_metric='MAE')");

}  // namespace mmcpp::editing
