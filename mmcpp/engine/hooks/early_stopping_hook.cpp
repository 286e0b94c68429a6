// EarlyStoppingHook (mmengine/hooks/early_stopping_hook.py).
#include "mmcpp/engine/hooks/early_stopping_hook.h"

#include <optional>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "mmcpp/config/value.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

// Python f'{x:.3f}'.
std::string fixed3(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3f", x);
  return buf;
}

// Python str(float) (repr).
std::string py_str(double x) { return config::float_repr(x); }

}  // namespace

EarlyStoppingHook::EarlyStoppingHook(Options options) : options_(std::move(options)) {
  priority_ = LOWEST;
  if (options_.rule) {
    if (*options_.rule != "greater" && *options_.rule != "less") {
      throw Error("ValueError",
                  "`rule` should be either \"greater\" or \"less\", but got " + *options_.rule);
    }
    rule_ = *options_.rule;
  } else {
    rule_ = infer_rule(options_.monitor);
  }
  min_delta_ = rule_ == "greater" ? options_.min_delta : -options_.min_delta;
  best_score_ = rule_ == "greater" ? -std::numeric_limits<double>::infinity()
                                   : std::numeric_limits<double>::infinity();
}

std::shared_ptr<EarlyStoppingHook> EarlyStoppingHook::from_config(registry::BuildArgs& args) {
  Options o;
  o.monitor = args.require_str("monitor");
  o.rule = args.get_opt_str("rule");
  o.min_delta = args.get_float("min_delta", o.min_delta);
  o.strict = args.get_bool("strict", o.strict);
  o.check_finite = args.get_bool("check_finite", o.check_finite);
  o.patience = args.get_int("patience", o.patience);
  o.stopping_threshold = args.get_opt_float("stopping_threshold");
  return std::make_shared<EarlyStoppingHook>(std::move(o));
}

std::string EarlyStoppingHook::infer_rule(const std::string& monitor) {
  std::string rule = infer_metric_rule(monitor, default_greater_keys(), default_less_keys());
  if (rule.empty())
    throw Error("ValueError",
                "Cannot infer the rule for " + monitor + ", thus rule must be specified.");
  return rule;
}

std::pair<bool, std::string> EarlyStoppingHook::check_stop_condition(double current_score) {
  if (options_.check_finite && !std::isfinite(current_score)) {
    return {true, "Monitored metric " + options_.monitor + " = " + py_str(current_score) +
                      " is infinite. Previous best value was " + fixed3(best_score_) + "."};
  }
  if (options_.stopping_threshold && better(current_score, *options_.stopping_threshold)) {
    best_score_ = current_score;
    return {true, "Stopping threshold reached: `" + options_.monitor +
                      "` = " + py_str(current_score) + " is " + rule_ + " than " +
                      py_str(*options_.stopping_threshold) + "."};
  }
  if (better(best_score_ + min_delta_, current_score)) {
    ++wait_count_;
    if (wait_count_ >= options_.patience) {
      return {true, "the monitored metric did not improve in the last " +
                        std::to_string(wait_count_) +
                        " records. best score: " + fixed3(best_score_) + ". "};
    }
    return {false, ""};
  }
  best_score_ = current_score;
  wait_count_ = 0;
  return {false, ""};
}

void EarlyStoppingHook::before_run(Runner&) {
  // MMEngine asserts that train_loop has `stop_training`; every mmcpp loop polls the
  // runner's stop request instead.
}

void EarlyStoppingHook::after_val_epoch(Runner& runner, const evaluation::Metrics& metrics) {
  std::optional<double> score;
  for (const auto& [k, v] : metrics) {
    if (k == options_.monitor) score = v.scalar();
  }
  if (!score) {
    std::string keys;
    for (const auto& [k, v] : metrics) keys += (keys.empty() ? "'" : ", '") + k + "'";
    if (options_.strict) {
      throw Error("RuntimeError", "Early stopping conditioned on metric `" + options_.monitor +
                                      " is not available. Please check available metrics [" + keys +
                                      "], or set `strict=False` in `EarlyStoppingHook`.");
    }
    runner.logger().warning("Skip early stopping process since the evaluation results ([" + keys +
                            "]) do not include `monitor` (" + options_.monitor + ").");
    return;
  }
  auto [stop, message] = check_stop_condition(*score);
  if (!stop) return;
  // MMEngine sets runner.train_loop.stop_training; mmcpp has one stop request.
  runner.request_stop(message);
  runner.logger().info(message);
}

MMCPP_REGISTER(registry::HOOKS, EarlyStoppingHook,
               "dict(type='EarlyStoppingHook', monitor='accuracy/top1')");

}  // namespace mmcpp::engine
