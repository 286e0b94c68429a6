// ProfilerHook (mmengine/hooks/profiler_hook.py): runs the LibTorch (Kineto)
// profiler over the first `profile_times` epochs (by_epoch) or iterations and
// exports a Chrome trace to `json_trace_path`. `schedule` follows
// torch.profiler.schedule(wait, warmup, active, repeat, skip_first);
// on_trace_ready=dict(type='log_trace', sort_by=..., row_limit=...) prints an
// operator summary, dict(type='tb_trace', dir_name=..., worker_name=...)
// writes <dir_name>/<worker_name>.<ns>.pt.trace.json (default dir_name:
// log_dir/tf_tracing_logs).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/core/env.h"
#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/registry/build_args.h"

namespace torch::autograd::profiler {
struct ProfilerResult;
}

namespace mmcpp::engine {

class ProfilerHook : public Hook {
 public:
  struct Options {
    bool by_epoch = true;
    std::int64_t profile_times = 1;
    bool activity_with_cpu = true;
    bool activity_with_cuda = false;
    config::Value schedule;        // None or dict(wait, warmup, active, repeat, skip_first)
    config::Value on_trace_ready;  // None or dict(type='log_trace'|'tb_trace', ...)
    bool record_shapes = false;
    bool profile_memory = false;
    bool with_stack = false;
    bool with_flops = false;
    std::optional<std::string> json_trace_path;
  };
  explicit ProfilerHook(Options options);
  ~ProfilerHook() override;
  // Example: dict(type='ProfilerHook', by_epoch=False, profile_times=2).
  static std::shared_ptr<ProfilerHook> from_config(registry::BuildArgs& args);
  std::string name() const override { return "ProfilerHook"; }
  std::vector<std::string> stages() const override {
    return {"before_run", "after_train_iter", "after_train_epoch"};
  }

  void before_run(Runner& runner) override;
  void after_train_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch* batch,
                        const NamedTensors& outputs) override;
  void after_train_epoch(Runner& runner) override;

  // torch.profiler.schedule's action at step `step`.
  enum class Action { None, Warmup, Record, RecordAndSave };
  Action schedule_action(std::int64_t step) const;

  // The profiler itself, usable without a Runner: start, stop (keeping the
  // result), and write the last result as a Chrome trace (our own writer when
  // LibTorch lacks Kineto, whose save() then refuses).
  void start_trace();
  void stop_recording();
  void save_chrome_trace(const std::string& path, Env& env) const;

 private:
  void stop_trace(bool save, Runner& runner);
  void step_profiler(Runner& runner);
  void export_chrome_trace(Runner& runner);
  void trace_ready(Runner& runner);

  Options options_;
  std::int64_t wait_ = 0, warmup_ = 0, active_ = 0, repeat_ = 0, skip_first_ = 0;
  bool has_schedule_ = false;
  std::int64_t step_num_ = 0;
  bool recording_ = false;
  bool closed_ = false;
  std::string tb_dir_;
  std::unique_ptr<torch::autograd::profiler::ProfilerResult> result_;
};

}  // namespace mmcpp::engine
