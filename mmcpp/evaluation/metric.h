// BaseMetric (mmengine/evaluator/metric.py): process() each batch of
// predictions, compute_metrics() at the end. evaluate(size) prefixes keys with
// `prefix` ("accuracy/top1") and clears the stored results.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/data/data_sample.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::evaluation {

// Metric values by name, in the order the metric produces them.
using Metrics = std::vector<std::pair<std::string, double>>;

class BaseMetric {
 public:
  // `default_prefix` is the class's; a `prefix` argument overrides it.
  BaseMetric(std::string collect_device, std::optional<std::string> prefix,
             std::string default_prefix);
  virtual ~BaseMetric() = default;

  // Stores what compute_metrics() needs from one batch (self.results in MMEngine).
  virtual void process(const data::DataBatch& batch, const data::DataSamples& predictions) = 0;
  // process() and count the predictions (checked against `size` in evaluate()).
  // Evaluator calls this; call it instead of process() when using a metric alone.
  void process_batch(const data::DataBatch& batch, const data::DataSamples& predictions);
  // From everything processed since the last evaluate().
  virtual Metrics compute_metrics() = 0;
  virtual void reset() = 0;
  // compute_metrics with keys "prefix/name", then reset(). `size` is
  // len(dataset), checked against the predictions counted by process_batch (a
  // mismatch is only a warning through print_log).
  Metrics evaluate(std::size_t size);
  std::size_t processed() const { return processed_; }
  // "" when neither `prefix` nor the class's default is set (keys unprefixed).
  const std::string& prefix() const { return prefix_; }
  const std::string& collect_device() const { return collect_device_; }
  void set_dataset_meta(const config::Value& meta) { dataset_meta_ = meta; }
  const config::Value& dataset_meta() const { return dataset_meta_; }

 protected:
  // Reads the common arguments collect_device, prefix and collect_dir
  // (accepted; collecting across ranks is the distributed layer's job).
  static std::pair<std::string, std::optional<std::string>> common_args(registry::BuildArgs& a);
  std::size_t processed_ = 0;

 private:
  std::string collect_device_;
  std::string prefix_;
  config::Value dataset_meta_;
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
  void set_dataset_meta(const config::Value& meta);
  const std::vector<std::shared_ptr<BaseMetric>>& metrics() const { return metrics_; }
  // Distributed runs: process() keeps the predictions; evaluate() collects every
  // rank's on rank 0, which feeds them to the metrics in dataset order, in
  // batches of the loader's size, and broadcasts the result.
  void set_collector(std::shared_ptr<ResultCollector> collector) {
    collector_ = std::move(collector);
  }

 private:
  Metrics evaluate_metrics(std::size_t size);
  std::vector<std::shared_ptr<BaseMetric>> metrics_;
  std::shared_ptr<ResultCollector> collector_;
  data::DataSamples pending_;
  std::size_t batch_size_ = 1;
};

}  // namespace mmcpp::evaluation
