// The values parameter schedulers give a hyper-parameter over a whole training,
// without training: MMPretrain's tools/visualization/vis_scheduler.py simulation
// (`mmcpp vis-scheduler`), reusable by tests and tools.
//
// As the Python tool does, it builds a model that does nothing (SimpleModel:
// one `conv` = Conv2d(1, 1, 1), so paramwise_cfg sees conv.weight and
// conv.bias), the optim wrapper from `optim_wrapper`, and the schedulers from
// `param_scheduler` with the Runner's defaults (end = max_epochs or max_iters,
// epoch_length = iters_per_epoch for convert_to_iter_based); then it runs the
// train loop `train_cfg` describes, stepping the schedulers as ParamSchedulerHook
// does, and records the value of every param group (the pseudo group
// base_param_settings included) used by every iteration. The optimizer never
// steps: no value depends on it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/evaluation/metric.h"

namespace mmcpp::engine {

struct SimulatedSchedule {
  // "lr", "momentum" (group momentum, else betas[0], else 0, as
  // OptimWrapper.get_momentum) or "weight_decay".
  std::string parameter;
  bool by_epoch = true;
  std::int64_t iters_per_epoch = 0;
  std::int64_t max_epochs = 0;  // 1 for an iteration-based loop, as MMEngine's
  std::int64_t num_iters = 0;
  // groups[g][i]: the value of param group g during iteration i.
  std::vector<std::vector<double>> groups;
};

// Whether `train_cfg` is an epoch-based loop, by vis_scheduler.py's rule: its
// `by_epoch` key if present, else whether `type` is 'EpochBasedTrainLoop';
// ValueError 'please set `train_cfg`.' with neither.
bool train_cfg_by_epoch(const config::Value& train_cfg);

// `parameter`: "lr", "momentum", or "wd" / "weight_decay". `param_scheduler`: a
// dict, a list of dicts, or None (no scheduler). `train_cfg` needs max_epochs
// (epoch-based) or max_iters. `iters_per_epoch` = len(train_dataloader), > 0 for
// an epoch-based loop. `val_metrics`: optional metrics of a validation after
// each epoch (epoch-based loops; entry e after epoch e, for ReduceOnPlateau*);
// vis_scheduler.py validates never.
SimulatedSchedule simulate_schedule(const config::Value& optim_wrapper,
                                    const config::Value& param_scheduler,
                                    const config::Value& train_cfg, std::int64_t iters_per_epoch,
                                    const std::string& parameter,
                                    const std::vector<evaluation::Metrics>& val_metrics = {});

}  // namespace mmcpp::engine
