// ReduceLR (mmagic/engine/schedulers/reduce_lr_scheduler.py): PyTorch's
// ReduceLROnPlateau as an MMagic scheduler (CAIN, FLAVR). Each step (after the
// first) compares the monitored value with the best so far; after more than
// `patience` steps without improvement every group's lr is multiplied by
// `factor` (clipped at min_lr; skipped when the decrease is at most eps), then
// `cooldown` steps ignore bad values.
//
// The monitored value is not a step argument: MMagic's ReduceLRSchedulerHook
// averages the training loss or a validation metric and publishes it in the
// message hub named 'reduce_lr' (scalar 'value'), which ReduceLR reads. Here the
// hook (mmcpp/editing/engine/hooks/reduce_lr_scheduler_hook.h) hands it to
// update_value(); stepping without a published value is MMagic's KeyError.
//
// Arguments: mode='min' ('min'|'max'), factor=0.1 (in [0, 1)), patience=10,
// threshold=1e-4, threshold_mode='rel' ('rel'|'abs'), cooldown=0, min_lr=0.,
// eps=1e-8, begin=0, end=INF, last_step=-1, by_epoch=True, verbose=False,
// convert_to_iter_based.
//
// Example: dict(type='ReduceLR', by_epoch=True, mode='min', factor=0.5, patience=5, cooldown=0)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::editing {

struct ReduceLROptions {
  std::string mode = "min";
  config::Value factor = config::Value(0.1);
  std::int64_t patience = 10;
  config::Value threshold = config::Value(1e-4);
  std::string threshold_mode = "rel";
  std::int64_t cooldown = 0;
  config::Value min_lr = config::Value(0.0);
  config::Value eps = config::Value(1e-8);
};

class ReduceLR : public engine::ParamScheduler {
 public:
  ReduceLR(const engine::SchedulerArgs& args, ReduceLROptions options);

  static std::shared_ptr<engine::ParamScheduler> from_config(registry::BuildArgs& args);

  // message_hub('reduce_lr').update_scalar('value', v): the value later steps compare.
  void update_value(double v) { value_ = v; }
  std::optional<double> value() const { return value_; }
  double best() const { return best_; }
  std::int64_t num_bad_epochs() const { return num_bad_epochs_; }
  std::int64_t cooldown_counter() const { return cooldown_counter_; }

  // The base state, then MMagic's attributes in their __dict__ order (mode,
  // factor, ..., last_epoch). Python's also holds the 'reduce_lr' MessageHub
  // object itself; that is left out (the value lives in the hook's hands).
  config::Value state_dict() const override;
  void load_state_dict(const config::Value& state) override;

 protected:
  std::vector<double> get_value() override;

 private:
  bool is_better(double a, double best) const;

  ReduceLROptions o_;
  std::optional<double> value_;
  std::int64_t cooldown_counter_ = 0;
  double best_ = 0;
  std::int64_t num_bad_epochs_ = 0;
  double mode_worse_ = 0;
  std::int64_t last_epoch_ = 0;
};

}  // namespace mmcpp::editing
