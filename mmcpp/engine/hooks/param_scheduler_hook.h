// ParamSchedulerHook (mmengine/hooks/param_scheduler_hook.py): steps the
// runner's parameter schedulers — iteration-based ones after every train
// iteration, epoch-based ones after every train epoch, and the ones that need
// validation metrics (ReduceOnPlateau) after every validation epoch.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

class ParamScheduler;

class ParamSchedulerHook : public Hook {
 public:
  ParamSchedulerHook() { priority_ = LOW; }
  // Example: dict(type='ParamSchedulerHook').
  static std::shared_ptr<ParamSchedulerHook> from_config(registry::BuildArgs& args);
  std::string name() const override { return "ParamSchedulerHook"; }
  std::vector<std::string> stages() const override {
    return {"after_train_iter", "after_train_epoch", "after_val_epoch"};
  }

  void after_train_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch* batch,
                        const NamedTensors& outputs) override;
  void after_train_epoch(Runner& runner) override;
  void after_val_epoch(Runner& runner, const evaluation::Metrics& metrics) override;

  // The stepping rules on a plain scheduler list.
  static void step_iter_based(const std::vector<std::shared_ptr<ParamScheduler>>& schedulers);
  static void step_epoch_based(const std::vector<std::shared_ptr<ParamScheduler>>& schedulers);
  static void step_with_metrics(const std::vector<std::shared_ptr<ParamScheduler>>& schedulers,
                                const evaluation::Metrics& metrics);
};

}  // namespace mmcpp::engine
