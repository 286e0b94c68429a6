// Hook (mmengine/hooks/hook.py): code run at the runner's 22 stages.
//
// Hooks run in priority order (lower first; ties keep registration order).
// They see the runner through its public interface: counters, message hub,
// model, optim wrapper, work_dir, logger, and a stop request.
#pragma once

#include <string>

#include "mmcpp/config/value.h"
#include "mmcpp/data/data_sample.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/evaluation/metric.h"

namespace mmcpp::io {
class PyObject;
}

namespace mmcpp::engine {

class Runner;

// runner/priority.py
enum Priority : int {
  HIGHEST = 0,
  VERY_HIGH = 10,
  HIGH = 30,
  ABOVE_NORMAL = 40,
  NORMAL = 50,
  BELOW_NORMAL = 60,
  LOW = 70,
  VERY_LOW = 90,
  LOWEST = 100,
};
// An int 0..100 or a name ("NORMAL", "VERY_LOW"...); ValueError otherwise.
int parse_priority(const config::Value& v);
std::string priority_name(int priority);

// The 22 stages, in MMEngine's order (Hook.stages).
const std::vector<std::string>& hook_stages();

// The comparison rule for a metric name, as CheckpointHook and
// EarlyStoppingHook infer it (case-insensitive): exact match in greater_keys,
// then in less_keys, then substring matches in the same order. "greater",
// "less", or "" when nothing applies.
std::string infer_metric_rule(const std::string& key, const std::vector<std::string>& greater_keys,
                              const std::vector<std::string>& less_keys);
// MMEngine's defaults: acc, top, AR@, auc, precision, mAP, mDice, mIoU, mAcc, aAcc / loss.
const std::vector<std::string>& default_greater_keys();
const std::vector<std::string>& default_less_keys();

class Hook {
 public:
  virtual ~Hook() = default;
  // The registered type name (also the class name).
  virtual std::string name() const = 0;
  int priority() const { return priority_; }
  void set_priority(int p) { priority_ = p; }
  // Stages this hook implements (for the hook table the runner logs).
  virtual std::vector<std::string> stages() const = 0;

  virtual void before_run(Runner&) {}
  virtual void after_run(Runner&) {}
  virtual void before_train(Runner&) {}
  virtual void after_train(Runner&) {}
  virtual void before_val(Runner&) {}
  virtual void after_val(Runner&) {}
  virtual void before_test(Runner&) {}
  virtual void after_test(Runner&) {}
  // `checkpoint` is the checkpoint dict (meta, state_dict, ...), mutable.
  virtual void before_save_checkpoint(Runner&, io::PyObject& /*checkpoint*/) {}
  virtual void after_load_checkpoint(Runner&, io::PyObject& /*checkpoint*/) {}
  virtual void before_train_epoch(Runner&) {}
  virtual void after_train_epoch(Runner&) {}
  virtual void before_val_epoch(Runner&) {}
  virtual void after_val_epoch(Runner&, const evaluation::Metrics& /*metrics*/) {}
  virtual void before_test_epoch(Runner&) {}
  virtual void after_test_epoch(Runner&, const evaluation::Metrics& /*metrics*/) {}
  virtual void before_train_iter(Runner&, std::int64_t /*batch_idx*/, const data::DataBatch*) {}
  virtual void after_train_iter(Runner&, std::int64_t /*batch_idx*/, const data::DataBatch*,
                                const NamedTensors& /*outputs*/) {}
  virtual void before_val_iter(Runner&, std::int64_t, const data::DataBatch*) {}
  virtual void after_val_iter(Runner&, std::int64_t, const data::DataBatch*,
                              const data::DataSamples& /*outputs*/) {}
  virtual void before_test_iter(Runner&, std::int64_t, const data::DataBatch*) {}
  virtual void after_test_iter(Runner&, std::int64_t, const data::DataBatch*,
                               const data::DataSamples& /*outputs*/) {}

  // Helpers of mmengine's Hook.
  static bool every_n_epochs(Runner& runner, std::int64_t n, std::int64_t start = 0);
  static bool every_n_train_iters(Runner& runner, std::int64_t n, std::int64_t start = 0);
  static bool every_n_inner_iters(std::int64_t batch_idx, std::int64_t n);
  static bool end_of_epoch(Runner& runner, std::int64_t batch_idx);
  static bool is_last_train_epoch(Runner& runner);
  static bool is_last_train_iter(Runner& runner);

 protected:
  int priority_ = NORMAL;
};

}  // namespace mmcpp::engine
