// IterTimerHook (mmengine/hooks/iter_timer_hook.py): records "<mode>/data_time"
// (before each iteration) and "<mode>/time" (after it) in the message hub, and
// the ETA in seconds as info "eta" (train: mean iteration time since the start
// of this run, so resume-aware, x remaining iterations; val/test: per loop).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

class MessageHub;

class IterTimerHook : public Hook {
 public:
  IterTimerHook() { priority_ = NORMAL; }
  // Example: dict(type='IterTimerHook').
  static std::shared_ptr<IterTimerHook> from_config(registry::BuildArgs& args);
  std::string name() const override { return "IterTimerHook"; }
  std::vector<std::string> stages() const override;

  void before_train(Runner& runner) override;
  void before_train_epoch(Runner& runner) override;
  void before_val_epoch(Runner& runner) override;
  void before_test_epoch(Runner& runner) override;
  void after_train_epoch(Runner& runner) override;
  void after_val_epoch(Runner& runner, const evaluation::Metrics& metrics) override;
  void after_test_epoch(Runner& runner, const evaluation::Metrics& metrics) override;
  void before_train_iter(Runner& runner, std::int64_t batch_idx,
                         const data::DataBatch* batch) override;
  void before_val_iter(Runner& runner, std::int64_t batch_idx,
                       const data::DataBatch* batch) override;
  void before_test_iter(Runner& runner, std::int64_t batch_idx,
                        const data::DataBatch* batch) override;
  void after_train_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch* batch,
                        const NamedTensors& outputs) override;
  void after_val_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch* batch,
                      const data::DataSamples& outputs) override;
  void after_test_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch* batch,
                       const data::DataSamples& outputs) override;

  // The timing core on plain inputs; `now` is the clock in seconds.
  void set_start_iter(std::int64_t iter) { start_iter_ = iter; }
  void start_epoch(double now) { t_ = now; }
  void end_epoch() { time_sec_test_val_ = 0; }
  void record_before_iter(MessageHub& hub, const std::string& mode, double now);
  // `iter`/`max_iters`: the runner's (train); `loader_len`: len() of the val/test loader.
  void record_after_iter(MessageHub& hub, const std::string& mode, std::int64_t batch_idx,
                         std::int64_t iter, std::int64_t max_iters, std::int64_t loader_len,
                         double now);

 private:
  void after_iter(Runner& runner, std::int64_t batch_idx, const std::string& mode);

  double t_ = 0;
  double time_sec_tot_ = 0;
  double time_sec_test_val_ = 0;
  std::int64_t start_iter_ = 0;
};

}  // namespace mmcpp::engine
