// EarlyStoppingHook (mmengine/hooks/early_stopping_hook.py): stops training
// when the monitored validation metric stops improving for `patience`
// validations, becomes non-finite, or reaches `stopping_threshold`.
#pragma once

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

class EarlyStoppingHook : public Hook {
 public:
  struct Options {
    std::string monitor;
    std::optional<std::string> rule;  // "greater" / "less"; inferred from monitor when unset
    double min_delta = 0.1;
    bool strict = false;
    bool check_finite = true;
    std::int64_t patience = 5;
    std::optional<double> stopping_threshold;
  };
  explicit EarlyStoppingHook(Options options);
  // Example: dict(type='EarlyStoppingHook', monitor='accuracy/top1').
  static std::shared_ptr<EarlyStoppingHook> from_config(registry::BuildArgs& args);
  std::string name() const override { return "EarlyStoppingHook"; }
  std::vector<std::string> stages() const override { return {"before_run", "after_val_epoch"}; }

  void before_run(Runner& runner) override;
  void after_val_epoch(Runner& runner, const evaluation::Metrics& metrics) override;

  // CheckpointHook's rule inference: exact (case-insensitive) match in the
  // greater keys, then the less keys, then substring matches; ValueError otherwise.
  static std::string infer_rule(const std::string& monitor);
  // (stop, reason) for a new score; updates best score and wait count.
  std::pair<bool, std::string> check_stop_condition(double current_score);

  const std::string& rule() const { return rule_; }
  double best_score() const { return best_score_; }
  std::int64_t wait_count() const { return wait_count_; }

 private:
  bool better(double a, double b) const { return rule_ == "greater" ? a > b : a < b; }

  Options options_;
  std::string rule_;
  double min_delta_;  // negated for rule "less"
  std::int64_t wait_count_ = 0;
  double best_score_;
};

}  // namespace mmcpp::engine
