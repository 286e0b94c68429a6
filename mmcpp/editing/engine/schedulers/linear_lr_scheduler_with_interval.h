// LinearLrInterval (mmagic/engine/schedulers/linear_lr_scheduler_with_interval.py):
// MMagic's LinearLR for image generation (CycleGAN, Pix2Pix). Unlike LinearLR it
// is not chainable: from the second step on the learning rate of every group IS
//   start_factor + (end_factor - start_factor) * factor,
//   factor = (max(0, progress - begin) // interval) / ((end - begin) // interval)
// (an absolute value, not a multiple of the group's lr: configs give the target
// lr as start_factor), where progress is the epoch (by_epoch) or iteration being
// finished. Its first step (at `begin`) multiplies the lr by start_factor, as
// LinearLR does.
//
// MMagic reads `progress` from the message hub ('epoch' / 'iter', which
// RuntimeInfoHook sets before the epoch / iteration that ParamSchedulerHook then
// steps after). That is always the scheduler's own global step - 1, the value
// used here: schedulers are stepped once per epoch / iteration from step 0 on and
// their counter is resumed with them.
//
// Arguments: interval=1 plus LinearLR's start_factor=1/3, end_factor=1.0 (both
// in [0, 1]), begin=0, end=INF, last_step=-1, by_epoch=True, verbose=False,
// convert_to_iter_based (begin and end times epoch_length; `interval` is kept).
//
// Example: dict(type='LinearLrInterval', interval=400, by_epoch=False,
//               start_factor=0.0002, end_factor=0, begin=40000, end=80000)
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::editing {

class LinearLrInterval : public engine::ParamScheduler {
 public:
  LinearLrInterval(const engine::SchedulerArgs& args, std::int64_t interval,
                   config::Value start_factor, config::Value end_factor);

  static std::shared_ptr<engine::ParamScheduler> from_config(registry::BuildArgs& args);

 protected:
  std::vector<double> get_value() override;
  void save_extra_state(config::Dict& state) const override;
  void load_extra_state(const config::Dict& state) override;

 private:
  std::int64_t interval_;
  config::Value start_factor_, end_factor_;
  std::int64_t total_iters_;
};

}  // namespace mmcpp::editing
