// RuntimeInfoHook (mmengine/hooks/runtime_info_hook.py).
#include "mmcpp/engine/hooks/runtime_info_hook.h"

#include "mmcpp/core/error.h"
#include "mmcpp/core/version.h"
#include "mmcpp/engine/runner/message_hub.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

std::shared_ptr<RuntimeInfoHook> RuntimeInfoHook::from_config(registry::BuildArgs&) {
  return std::make_shared<RuntimeInfoHook>();
}

std::vector<std::string> RuntimeInfoHook::stages() const {
  return {"before_run",       "before_train", "before_train_epoch", "before_train_iter",
          "after_train_iter", "before_val",   "after_val_epoch",    "after_val",
          "after_train",      "before_test",  "after_test_epoch",   "after_test"};
}

void RuntimeInfoHook::record_lr(MessageHub& hub,
                                const std::map<std::string, std::vector<double>>& lr) {
  for (const auto& [name, values] : lr) {
    if (values.empty()) continue;
    hub.update_scalar("train/" + name, values.front());
  }
}

void RuntimeInfoHook::record_outputs(MessageHub& hub, const NamedTensors& outputs) {
  for (const auto& [key, value] : outputs) {
    if (!value.defined() || value.numel() != 1) {
      throw Error("AssertionError", "RuntimeInfoHook: model output '" + key +
                                        "' must be a one-element tensor to be logged");
    }
    hub.update_scalar("train/" + key, value.item<double>());
  }
}

void RuntimeInfoHook::record_metrics(MessageHub& hub, const std::string& mode,
                                     const evaluation::Metrics& metrics) {
  // evaluation::Metrics holds scalars only, so every metric is a scalar here.
  for (const auto& [key, value] : metrics) hub.update_scalar(mode + "/" + key, value);
}

void RuntimeInfoHook::enter_val(MessageHub& hub) {
  last_loop_stage_ = hub.get_info("loop_stage");
  hub.update_info("loop_stage", "val");
}

void RuntimeInfoHook::leave_val(MessageHub& hub) {
  if (last_loop_stage_.is_str() && last_loop_stage_.as_str() == "train") {
    hub.update_info("loop_stage", last_loop_stage_);
    last_loop_stage_ = config::Value();
  } else if (hub.has_info("loop_stage")) {
    hub.pop_info("loop_stage");
  }
}

void RuntimeInfoHook::before_run(Runner& runner) {
  MessageHub& hub = runner.message_hub();
  hub.update_info("cfg", runner.cfg().pretty_text());
  hub.update_info("seed", static_cast<std::int64_t>(runner.seed()));
  hub.update_info("experiment_name", runner.experiment_name());
  // Same string as the checkpoint meta written by Runner::save_checkpoint.
  hub.update_info("mmengine_version", mmengine_version_string());
  last_loop_stage_ = config::Value();
}

void RuntimeInfoHook::before_train(Runner& runner) {
  MessageHub& hub = runner.message_hub();
  hub.update_info("loop_stage", "train");
  hub.update_info("epoch", runner.epoch());
  hub.update_info("iter", runner.iter());
  hub.update_info("max_epochs", runner.max_epochs());
  hub.update_info("max_iters", runner.max_iters());
  if (data::DataLoader* loader = runner.train_dataloader()) {
    hub.update_info("dataset_meta", loader->dataset().metainfo());
  }
}

void RuntimeInfoHook::after_train(Runner& runner) {
  if (runner.message_hub().has_info("loop_stage")) runner.message_hub().pop_info("loop_stage");
}

void RuntimeInfoHook::before_train_epoch(Runner& runner) {
  runner.message_hub().update_info("epoch", runner.epoch());
}

void RuntimeInfoHook::before_train_iter(Runner& runner, std::int64_t, const data::DataBatch*) {
  runner.message_hub().update_info("iter", runner.iter());
  record_lr(runner.message_hub(), runner.optim_wrapper().get_lr());
}

void RuntimeInfoHook::after_train_iter(Runner& runner, std::int64_t, const data::DataBatch*,
                                       const NamedTensors& outputs) {
  record_outputs(runner.message_hub(), outputs);
}

void RuntimeInfoHook::before_val(Runner& runner) { enter_val(runner.message_hub()); }

void RuntimeInfoHook::after_val_epoch(Runner& runner, const evaluation::Metrics& metrics) {
  record_metrics(runner.message_hub(), "val", metrics);
}

void RuntimeInfoHook::after_val(Runner& runner) { leave_val(runner.message_hub()); }

void RuntimeInfoHook::before_test(Runner& runner) {
  runner.message_hub().update_info("loop_stage", "test");
}

void RuntimeInfoHook::after_test_epoch(Runner& runner, const evaluation::Metrics& metrics) {
  record_metrics(runner.message_hub(), "test", metrics);
}

void RuntimeInfoHook::after_test(Runner& runner) {
  if (runner.message_hub().has_info("loop_stage")) runner.message_hub().pop_info("loop_stage");
}

MMCPP_REGISTER(registry::HOOKS, RuntimeInfoHook, "dict(type='RuntimeInfoHook')");

}  // namespace mmcpp::engine
