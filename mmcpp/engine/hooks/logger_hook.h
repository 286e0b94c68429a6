// LoggerHook (mmengine/hooks/logger_hook.py): writes the LogProcessor's lines
// through runner.logger() and its tags to the vis backend (scalars.json and
// vis_data/<timestamp>.json), dumps test metrics to log_dir/<timestamp>.json,
// and copies the logs to `out_dir` after the run.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/engine/runner/log_processor.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

class LoggerHook : public Hook {
 public:
  struct Options {
    std::int64_t interval = 10;
    bool ignore_last = true;
    std::int64_t interval_exp_name = 1000;
    std::optional<std::string> out_dir;
    std::vector<std::string> out_suffix = {".json", ".log", ".py", "yaml"};
    bool keep_local = true;
    bool log_metric_by_epoch = true;
  };
  explicit LoggerHook(Options options);
  // Example: dict(type='LoggerHook', interval=10). file_client_args/backend_args
  // are accepted for compatibility (local files only).
  static std::shared_ptr<LoggerHook> from_config(registry::BuildArgs& args);
  std::string name() const override { return "LoggerHook"; }
  std::vector<std::string> stages() const override;
  const Options& options() const { return options_; }

  void before_run(Runner& runner) override;
  void after_train_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch* batch,
                        const NamedTensors& outputs) override;
  void after_val_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch* batch,
                      const data::DataSamples& outputs) override;
  void after_test_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch* batch,
                       const data::DataSamples& outputs) override;
  void after_val_epoch(Runner& runner, const evaluation::Metrics& metrics) override;
  void after_test_epoch(Runner& runner, const evaluation::Metrics& metrics) override;
  void after_run(Runner& runner) override;

  // Whether the train line is written after inner iteration `batch_idx` of a
  // loader of `loader_len` batches (every `interval`, and the last one unless
  // ignore_last with a loader longer than the interval).
  bool should_log_train(std::int64_t batch_idx, std::int64_t loader_len) const;
  // Splits LogProcessor tags into the float and the integer JSON values.
  static std::pair<std::vector<std::pair<std::string, double>>,
                   std::vector<std::pair<std::string, std::int64_t>>>
  split_tags(const LogTags& tags);
  // json.dump of the test metrics dict (mmengine.fileio.dump, no newline):
  // the tags, with the non-scalar metrics placed before time/data_time.
  static std::string metrics_json(
      const LogTags& tags,
      const std::vector<std::pair<std::string, config::Value>>& non_scalars = {});

 private:
  void add_scalars(Runner& runner, const LogTags& tags, std::int64_t step);

  Options options_;
  std::string json_log_path_;  // "<timestamp>.json", relative to vis_data
};

}  // namespace mmcpp::engine
