// The progress of `mmcpp test` (and other tools that run a loop): a bar redrawn
// in place on a terminal, or a plain line every 10% of the batches when the
// output is not a terminal (logs, CI). Not an MMEngine hook: the command line
// registers it on the runner.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "mmcpp/engine/hooks/hook.h"

namespace mmcpp::tools {

class ProgressHook : public engine::Hook {
 public:
  // `out` receives the progress; `terminal` chooses the bar over plain lines.
  ProgressHook(std::FILE* out, bool terminal);
  std::string name() const override { return "ProgressHook"; }
  std::vector<std::string> stages() const override;

  void before_test_epoch(engine::Runner& runner) override;
  void after_test_iter(engine::Runner& runner, std::int64_t batch_idx, const data::DataBatch* batch,
                       const data::DataSamples& outputs) override;
  void after_test_epoch(engine::Runner& runner, const evaluation::Metrics& metrics) override;

 private:
  void report(std::int64_t done, bool final);
  std::FILE* out_;
  bool terminal_;
  std::int64_t total_ = 0, samples_ = 0, next_line_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// True when `f` is a terminal (and TERM is not "dumb").
bool is_terminal(std::FILE* f);

// The metrics as a table (scalars with 4 decimals; lists and tensors by size,
// then the tensors printed below the table).
std::string metrics_table(const evaluation::Metrics& metrics);

}  // namespace mmcpp::tools
