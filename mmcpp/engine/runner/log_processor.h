// LogProcessor (mmengine/runner/log_processor.py): turns the message hub's
// scalars into MMEngine's log lines and the dicts written to scalars.json.
//
//   Epoch(train)  [1][ 10/157]  lr: 1.0000e-03  eta: 0:00:41  time: 0.0224  data_time: 0.0011 loss:
//   0.6931 Epoch(val) [2][1/1]    accuracy: 97.5000  data_time: 0.0100  time: 0.0200
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

class Runner;
class MessageHub;

// A scalar to log, in order (insertion order matters for the line and JSON).
// The tags "epoch", "iter" and "memory" hold integers (see is_int_tag).
using LogTags = std::vector<std::pair<std::string, double>>;

class LogProcessor {
 public:
  struct Options {
    std::int64_t window_size = 10;
    bool by_epoch = true;
    config::Value custom_cfg;  // list of dict(data_src, method_name, window_size, log_name)
    int num_digits = 4;
    bool log_with_hierarchy = false;
    std::string mean_pattern = R"(.*(loss|time|data_time|grad_norm).*)";
  };
  explicit LogProcessor(Options options);
  static std::shared_ptr<LogProcessor> from_config(registry::BuildArgs& args);

  // (tags for scalars.json, the log line) after train iteration `batch_idx`.
  std::pair<LogTags, std::string> get_log_after_iter(Runner& runner, std::int64_t batch_idx,
                                                     const std::string& mode);
  // After a val/test epoch: metrics first, then epoch-mean time/data_time.
  std::pair<LogTags, std::string> get_log_after_epoch(Runner& runner, std::int64_t batch_idx,
                                                      const std::string& mode);
  const Options& options() const { return options_; }

  // What the formatting reads from the runner, as plain values, so that the
  // formatting core can be used (and tested) without a Runner.
  struct RunState {
    std::int64_t epoch = 0;  // runner.epoch
    std::int64_t iter = 0;   // runner.iter
    std::int64_t max_epochs = 0;
    std::int64_t max_iters = 0;
    bool has_train_loop = true;             // false: val()/test() without a train loop
    std::int64_t dataloader_len = 0;        // len() of the dataloader of `mode`'s loop
    std::optional<std::int64_t> memory_mb;  // peak CUDA memory (MB); nullopt on CPU
  };
  // The formatting core of get_log_after_iter / get_log_after_epoch.
  std::pair<LogTags, std::string> format_after_iter(const MessageHub& hub, const RunState& state,
                                                    std::int64_t batch_idx,
                                                    const std::string& mode) const;
  std::pair<LogTags, std::string> format_after_epoch(const MessageHub& hub, const RunState& state,
                                                     std::int64_t batch_idx,
                                                     const std::string& mode) const;
  // True for the tags written as JSON integers (epoch, iter, memory).
  static bool is_int_tag(const std::string& key);

 private:
  // One custom_cfg entry, parsed and checked at construction.
  struct CustomItem {
    std::string data_src, log_name, method;  // method: mean/max/min/current
    enum class Window { None, Int, Epoch, Global } window = Window::None;
    std::int64_t window_size = 0;
  };
  LogTags collect_scalars(const MessageHub& hub, const std::vector<CustomItem>& custom,
                          const RunState& state, std::int64_t batch_idx, const std::string& mode,
                          bool reserve_prefix) const;

  Options options_;
  std::vector<CustomItem> custom_;
  std::regex mean_pattern_;
};

}  // namespace mmcpp::engine
