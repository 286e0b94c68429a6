// IterTimerHook (mmengine/hooks/iter_timer_hook.py).
#include "mmcpp/engine/hooks/iter_timer_hook.h"

#include "mmcpp/engine/runner/message_hub.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

std::shared_ptr<IterTimerHook> IterTimerHook::from_config(registry::BuildArgs&) {
  return std::make_shared<IterTimerHook>();
}

std::vector<std::string> IterTimerHook::stages() const {
  return {"before_train",      "before_train_epoch", "before_train_iter", "after_train_iter",
          "after_train_epoch", "before_val_epoch",   "before_val_iter",   "after_val_iter",
          "after_val_epoch",   "before_test_epoch",  "before_test_iter",  "after_test_iter",
          "after_test_epoch"};
}

void IterTimerHook::record_before_iter(MessageHub& hub, const std::string& mode, double now) {
  hub.update_scalar(mode + "/data_time", now - t_);
}

void IterTimerHook::record_after_iter(MessageHub& hub, const std::string& mode,
                                      std::int64_t batch_idx, std::int64_t iter,
                                      std::int64_t max_iters, std::int64_t loader_len, double now) {
  hub.update_scalar(mode + "/time", now - t_);
  t_ = now;
  double iter_time = hub.get_scalar(mode + "/time").current();
  double eta_sec;
  if (mode == "train") {
    time_sec_tot_ += iter_time;
    double avg = time_sec_tot_ / static_cast<double>(iter - start_iter_ + 1);
    eta_sec = avg * static_cast<double>(max_iters - iter - 1);
  } else {
    time_sec_test_val_ += iter_time;
    double avg = time_sec_test_val_ / static_cast<double>(batch_idx + 1);
    eta_sec = avg * static_cast<double>(loader_len - batch_idx - 1);
  }
  hub.update_info("eta", eta_sec);
}

void IterTimerHook::after_iter(Runner& runner, std::int64_t batch_idx, const std::string& mode) {
  std::int64_t iter = 0, max_iters = 0, len = 0;
  if (mode == "train") {
    iter = runner.iter();
    max_iters = runner.max_iters();
  } else {
    EvalLoop* loop = mode == "val" ? runner.val_loop() : runner.test_loop();
    if (loop != nullptr) len = loop->total_length();
  }
  record_after_iter(runner.message_hub(), mode, batch_idx, iter, max_iters, len,
                    runner.env().monotonic_seconds());
}

// Resume-aware ETA: count iterations from where this run started.
void IterTimerHook::before_train(Runner& runner) { start_iter_ = runner.iter(); }

void IterTimerHook::before_train_epoch(Runner& runner) {
  start_epoch(runner.env().monotonic_seconds());
}
void IterTimerHook::before_val_epoch(Runner& runner) {
  start_epoch(runner.env().monotonic_seconds());
}
void IterTimerHook::before_test_epoch(Runner& runner) {
  start_epoch(runner.env().monotonic_seconds());
}
void IterTimerHook::after_train_epoch(Runner&) { end_epoch(); }
void IterTimerHook::after_val_epoch(Runner&, const evaluation::Metrics&) { end_epoch(); }
void IterTimerHook::after_test_epoch(Runner&, const evaluation::Metrics&) { end_epoch(); }

void IterTimerHook::before_train_iter(Runner& runner, std::int64_t, const data::DataBatch*) {
  record_before_iter(runner.message_hub(), "train", runner.env().monotonic_seconds());
}
void IterTimerHook::before_val_iter(Runner& runner, std::int64_t, const data::DataBatch*) {
  record_before_iter(runner.message_hub(), "val", runner.env().monotonic_seconds());
}
void IterTimerHook::before_test_iter(Runner& runner, std::int64_t, const data::DataBatch*) {
  record_before_iter(runner.message_hub(), "test", runner.env().monotonic_seconds());
}

void IterTimerHook::after_train_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch*,
                                     const NamedTensors&) {
  after_iter(runner, batch_idx, "train");
}
void IterTimerHook::after_val_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch*,
                                   const data::DataSamples&) {
  after_iter(runner, batch_idx, "val");
}
void IterTimerHook::after_test_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch*,
                                    const data::DataSamples&) {
  after_iter(runner, batch_idx, "test");
}

MMCPP_REGISTER(registry::HOOKS, IterTimerHook, "dict(type='IterTimerHook')");

}  // namespace mmcpp::engine
