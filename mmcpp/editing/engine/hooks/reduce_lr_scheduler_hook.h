// ReduceLRSchedulerHook (mmagic/engine/hooks/reduce_lr_scheduler_hook.py): the
// ParamSchedulerHook that feeds ReduceLR. It averages a value over `interval`
// epochs (by_epoch) or iterations and publishes it to every ReduceLR of the
// runner (MMagic's 'reduce_lr' message hub) before stepping the schedulers:
//
// * val_metric=None: the training loss (message hub 'train/loss') of every
//   iteration; by_epoch: every by_epoch scheduler steps after every
//   `interval`-th epoch, else every iteration-based one after every
//   `interval`-th iteration (the others never step).
// * val_metric='MAE' (a key of the validation metrics; KeyError if absent):
//   after each validation; by_epoch: every `interval`-th one, else each. Then
//   EVERY scheduler steps, whatever its by_epoch, and nothing steps after train
//   epochs or iterations.
//
// MMagic weights each iteration's loss by len(data_batch), the number of keys of
// the collated batch dict (the same for every batch): a plain mean.
//
// Example: dict(type='ReduceLRSchedulerHook', by_epoch=True, interval=1, val_metric='MAE')
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/engine/hooks/param_scheduler_hook.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::editing {

class ReduceLRSchedulerHook : public engine::ParamSchedulerHook {
 public:
  ReduceLRSchedulerHook(std::optional<std::string> val_metric, bool by_epoch,
                        std::int64_t interval);
  static std::shared_ptr<ReduceLRSchedulerHook> from_config(registry::BuildArgs& args);
  std::string name() const override { return "ReduceLRSchedulerHook"; }

  void after_train_iter(engine::Runner& runner, std::int64_t batch_idx,
                        const data::DataBatch* batch, const engine::NamedTensors& outputs) override;
  void after_train_epoch(engine::Runner& runner) override;
  void after_val_epoch(engine::Runner& runner, const evaluation::Metrics& metrics) override;

  // The averaging and publishing on a plain scheduler list (what the overrides
  // do with the runner's): add one value; publish the mean of the values added
  // since the last publication to every ReduceLR and reset.
  void add_value(double v);
  void publish(const std::vector<std::shared_ptr<engine::ParamScheduler>>& schedulers);

 private:
  std::optional<std::string> val_metric_;
  bool by_epoch_;
  std::int64_t interval_;
  double sum_value_ = 0;
  std::int64_t count_ = 0;
};

}  // namespace mmcpp::editing
