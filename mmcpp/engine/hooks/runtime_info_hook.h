// RuntimeInfoHook (mmengine/hooks/runtime_info_hook.py): keeps the message hub
// up to date — cfg, seed, experiment name, epoch/iter counters, the loop stage,
// learning rates (train/lr), model outputs (train/loss...) and metrics
// (val/<key>, test/<key>) — so components without the runner can read them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

class MessageHub;

class RuntimeInfoHook : public Hook {
 public:
  RuntimeInfoHook() { priority_ = VERY_HIGH; }
  // Example: dict(type='RuntimeInfoHook').
  static std::shared_ptr<RuntimeInfoHook> from_config(registry::BuildArgs& args);
  std::string name() const override { return "RuntimeInfoHook"; }
  std::vector<std::string> stages() const override;

  void before_run(Runner& runner) override;
  void before_train(Runner& runner) override;
  void after_train(Runner& runner) override;
  void before_train_epoch(Runner& runner) override;
  void before_train_iter(Runner& runner, std::int64_t batch_idx,
                         const data::DataBatch* batch) override;
  void after_train_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch* batch,
                        const NamedTensors& outputs) override;
  void before_val(Runner& runner) override;
  void after_val_epoch(Runner& runner, const evaluation::Metrics& metrics) override;
  void after_val(Runner& runner) override;
  void before_test(Runner& runner) override;
  void after_test_epoch(Runner& runner, const evaluation::Metrics& metrics) override;
  void after_test(Runner& runner) override;

  // The message-hub updates, on plain inputs (the Runner-taking methods call these).
  // optim_wrapper.get_lr(): "train/<name>" = the first group's value.
  static void record_lr(MessageHub& hub, const std::map<std::string, std::vector<double>>& lr);
  // Model log variables as "train/<key>" (each a one-element tensor).
  static void record_outputs(MessageHub& hub, const NamedTensors& outputs);
  // Metrics as "<mode>/<key>" scalars.
  static void record_metrics(MessageHub& hub, const std::string& mode,
                             const evaluation::Metrics& metrics);
  // loop_stage around validation: "val", then back to "train" (or removed).
  void enter_val(MessageHub& hub);
  void leave_val(MessageHub& hub);

 private:
  config::Value last_loop_stage_;
};

}  // namespace mmcpp::engine
