// BaseMetric (mmengine/evaluator/metric.py): process() each batch of
// predictions, compute_metrics() at the end. evaluate(size) prefixes keys with
// `prefix` ("accuracy/top1") and clears the stored results.
//
// As in MMEngine, a metric keeps what it needs from each batch in `results_`
// (one record per sample: a DataSample holding tensors and plain values), and
// evaluate() hands the collected records to compute_metrics(results). The
// collection step (collect_results) is where a distributed run gathers the
// records of every rank; in one process it returns them truncated to `size`.
// Metrics that keep their own running state instead may override the
// argument-less compute_metrics() and reset().
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/core/logging.h"
#include "mmcpp/data/data_sample.h"
#include "mmcpp/evaluation/metric_value.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::evaluation {

// Per-sample records of a metric (MMEngine's `self.results`).
using Results = std::vector<data::DataSamplePtr>;

class BaseMetric {
 public:
  // `default_prefix` is the class's; a `prefix` argument overrides it.
  // `class_name` names the metric in warnings (MMEngine's class name).
  BaseMetric(std::string collect_device, std::optional<std::string> prefix,
             std::string default_prefix, std::string class_name = "");
  virtual ~BaseMetric() = default;

  // Stores what compute_metrics() needs from one batch (self.results in MMEngine).
  virtual void process(const data::DataBatch& batch, const data::DataSamples& predictions) = 0;
  // process() and count the predictions (checked against `size` in evaluate()).
  // Evaluator calls this; call it instead of process() when using a metric alone.
  void process_batch(const data::DataBatch& batch, const data::DataSamples& predictions);
  // MMEngine's compute_metrics(results): the metrics from the collected records.
  // The default calls compute_metrics() (metrics with their own state).
  virtual Metrics compute_metrics(const Results& results);
  // From the metric's own state, for metrics that do not use `results_`.
  virtual Metrics compute_metrics();
  // Clears a metric's own state (results_ is cleared by evaluate()).
  virtual void reset() {}
  // compute_metrics with keys "prefix/name", then reset(). `size` is
  // len(dataset): the collected results are cut to it (a distributed sampler
  // pads the last batches); a mismatch with the predictions counted by
  // process_batch is a warning.
  Metrics evaluate(std::size_t size);
  std::size_t processed() const { return processed_; }
  // "" when neither `prefix` nor the class's default is set (keys unprefixed).
  const std::string& prefix() const { return prefix_; }
  const std::string& collect_device() const { return collect_device_; }
  const std::optional<std::string>& collect_dir() const { return collect_dir_; }
  void set_collect_dir(std::optional<std::string> dir) { collect_dir_ = std::move(dir); }
  void set_dataset_meta(const config::Value& meta) { dataset_meta_ = meta; }
  const config::Value& dataset_meta() const { return dataset_meta_; }
  // Where warnings and messages go (the runner's logger); without one they are
  // printed by a console logger.
  void set_logger(Logger* logger) { logger_ = logger; }
  const std::string& class_name() const { return class_name_; }

 protected:
  // Reads the common arguments collect_device, prefix and collect_dir.
  static std::pair<std::string, std::optional<std::string>> common_args(registry::BuildArgs& a);
  // MMEngine's collect_results(self.results, size, ...): the records of every
  // rank in dataset order, without the padding. One process: results_[:size].
  virtual Results collect_results(std::size_t size);
  void log(LogLevel level, const std::string& message) const;

  Results results_;
  std::size_t processed_ = 0;

 private:
  std::string collect_device_;
  std::optional<std::string> collect_dir_;
  std::string prefix_;
  std::string class_name_;
  config::Value dataset_meta_;
  Logger* logger_ = nullptr;
};

// How an Evaluator combines the predictions of the ranks of a distributed run
// (mmcpp/engine/dist provides one; MMEngine's collect_results and
// broadcast_object_list in BaseMetric.evaluate).
class ResultCollector {
 public:
  virtual ~ResultCollector() = default;
  // Every rank's predictions in dataset order, cut to `size` (the sampler's
  // padding dropped), on rank 0; nullopt on the other ranks.
  virtual std::optional<data::DataSamples> collect(const data::DataSamples& mine,
                                                   std::size_t size) = 0;
  // Rank 0's metrics on every rank.
  virtual Metrics broadcast(const Metrics& metrics) = 0;
};

// Evaluator (mmengine/evaluator/evaluator.py): a list of metrics.
class Evaluator {
 public:
  explicit Evaluator(std::vector<std::shared_ptr<BaseMetric>> metrics);
  // `cfg`: a metric dict, a list of metric dicts, or dict(type='Evaluator', metrics=[...]).
  static std::shared_ptr<Evaluator> from_config(const config::Value& cfg);

  void process(const data::DataBatch& batch, const data::DataSamples& predictions);
  // Merged results of every metric; duplicate names are a ValueError.
  Metrics evaluate(std::size_t size);
  // Evaluator.offline_evaluate: processes `data_samples` (and, when given, the
  // matching `data`, pseudo-collated) in chunks of `chunk_size`, then evaluates
  // on their number.
  Metrics offline_evaluate(const data::DataSamples& data_samples,
                           const std::vector<data::Sample>* data = nullptr,
                           std::size_t chunk_size = 1);
  void set_dataset_meta(const config::Value& meta);
  void set_logger(Logger* logger);
  const std::vector<std::shared_ptr<BaseMetric>>& metrics() const { return metrics_; }
  // Distributed runs: process() keeps the predictions; evaluate() collects every
  // rank's on rank 0, which feeds them to the metrics in dataset order, in
  // batches of the loader's size, and broadcasts the result.
  void set_collector(std::shared_ptr<ResultCollector> collector) {
    collector_ = std::move(collector);
  }
  // tools/test.py appends DumpResults to the test evaluator.
  void add_metric(std::shared_ptr<BaseMetric> metric);

 private:
  Metrics evaluate_metrics(std::size_t size);
  std::vector<std::shared_ptr<BaseMetric>> metrics_;
  std::shared_ptr<ResultCollector> collector_;
  data::DataSamples pending_;
  std::size_t batch_size_ = 1;
};

}  // namespace mmcpp::evaluation
