#include "mmcpp/evaluation/metric.h"

#include <algorithm>
#include <set>

#include <c10/util/Exception.h>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::evaluation {

using config::Value;

BaseMetric::BaseMetric(std::string collect_device, std::optional<std::string> prefix,
                       std::string default_prefix, std::string class_name)
    : collect_device_(std::move(collect_device)),
      // `prefix or self.default_prefix`: an empty prefix falls back too.
      prefix_(prefix && !prefix->empty() ? *prefix : std::move(default_prefix)),
      class_name_(std::move(class_name)),
      dataset_meta_() {
  if (prefix_.empty())
    log(LogLevel::Warning, "The prefix is not set in metric class " +
                               (class_name_.empty() ? std::string("(unnamed)") : class_name_) +
                               ".");
}

void BaseMetric::log(LogLevel level, const std::string& message) const {
  if (logger_ != nullptr) {
    logger_->log(level, message);
    return;
  }
  print_log(message, level);
}

std::pair<std::string, std::optional<std::string>> BaseMetric::common_args(registry::BuildArgs& a) {
  std::string device = a.get_str("collect_device", "cpu");
  std::optional<std::string> prefix = a.get_opt_str("prefix");
  std::optional<std::string> collect_dir = a.get_opt_str("collect_dir");
  if (collect_dir && device != "cpu")
    throw Error("ValueError", a.component() +
                                  ": `collect_dir` could only be configured when "
                                  "`collect_device='cpu'`, got collect_device='" +
                                  device + "'");
  return {device, prefix};
}

void BaseMetric::process_batch(const data::DataBatch& batch, const data::DataSamples& predictions) {
  try {
    process(batch, predictions);
  } catch (const c10::Error& e) {
    // A tensor operation failed: Python's RuntimeError, naming the metric.
    throw Error("RuntimeError", class_name_ + ": " + e.what_without_backtrace());
  }
  processed_ += predictions.size();
}

Metrics BaseMetric::compute_metrics(const Results&) { return compute_metrics(); }

Metrics BaseMetric::compute_metrics() {
  throw Error("NotImplementedError",
              (class_name_.empty() ? std::string("this metric") : class_name_) +
                  " implements neither compute_metrics(results) nor compute_metrics()");
}

Results BaseMetric::collect_results(std::size_t size) {
  // mmengine.dist.collect_results in a single process: results[:size].
  if (results_.size() <= size) return results_;
  return Results(results_.begin(), results_.begin() + static_cast<std::ptrdiff_t>(size));
}

Metrics BaseMetric::evaluate(std::size_t size) {
  const std::string who =
      class_name_.empty() ? (prefix_.empty() ? std::string("metric") : "metric '" + prefix_ + "'")
                          : class_name_;
  if (processed_ == 0)
    log(LogLevel::Warning, who +
                               " got empty `self.results`. Please ensure that the processed "
                               "results are properly added into `self.results` in `process` "
                               "method.");
  else if (processed_ != size)
    log(LogLevel::Warning, who + " processed " + std::to_string(processed_) +
                               " predictions but the dataset has " + std::to_string(size) +
                               " samples");
  Metrics raw;
  try {
    Results collected = collect_results(size);
    try {
      raw = compute_metrics(collected);
    } catch (const c10::Error& e) {
      throw Error("RuntimeError", who + ": " + e.what_without_backtrace());
    }
  } catch (...) {
    // Leave the metric clean for the next evaluation either way.
    results_.clear();
    reset();
    processed_ = 0;
    throw;
  }
  results_.clear();
  reset();
  processed_ = 0;
  if (prefix_.empty()) return raw;
  Metrics out;
  out.reserve(raw.size());
  for (auto& [name, value] : raw) out.emplace_back(prefix_ + "/" + name, value);
  return out;
}

// ---- Evaluator ----

Evaluator::Evaluator(std::vector<std::shared_ptr<BaseMetric>> metrics)
    : metrics_(std::move(metrics)) {
  for (const auto& m : metrics_)
    if (!m) throw Error("ValueError", "Evaluator: a metric is null");
}

namespace {

// `metrics`: one metric dict or a list/tuple of them.
std::vector<std::shared_ptr<BaseMetric>> build_metrics(const Value& metrics) {
  std::vector<std::shared_ptr<BaseMetric>> out;
  if (metrics.is_dict()) {
    out.push_back(registry::METRICS().build(metrics));
  } else if (metrics.is_sequence()) {
    for (const Value& m : metrics.items()) {
      if (!m.is_dict())
        throw Error("TypeError",
                    "Evaluator: each metric must be a dict, got " + m.type_name() + " " + m.repr());
      out.push_back(registry::METRICS().build(m));
    }
  } else {
    throw Error("TypeError", "Evaluator: metrics must be a dict or a list of dicts, got " +
                                 metrics.type_name() + " " + metrics.repr());
  }
  return out;
}

}  // namespace

std::shared_ptr<Evaluator> Evaluator::from_config(const Value& cfg) {
  // Runner.build_evaluator: a dict with `metrics` is an evaluator config (type
  // defaults to 'Evaluator'); any other dict is one metric; a list is metrics.
  if (cfg.is_dict() && cfg.as_dict().contains("metrics")) {
    const Value* type = cfg.as_dict().find("type");
    if (type && !(type->is_str() && type->as_str() == "Evaluator"))
      return registry::EVALUATOR().build(cfg);
    for (const auto& [k, v] : cfg.as_dict().entries()) {
      std::string key = k.str();
      if (key != "type" && key != "metrics" && key != "_scope_")
        throw Error("TypeError", "Evaluator got an unexpected keyword argument '" + key +
                                     "'. Known arguments: metrics");
    }
    return std::make_shared<Evaluator>(build_metrics(*cfg.as_dict().find("metrics")));
  }
  if (cfg.is_dict() || cfg.is_list() || cfg.is_tuple())
    return std::make_shared<Evaluator>(build_metrics(cfg));
  throw Error("TypeError",
              "evaluator should be one of dict, list of dict, and Evaluator, but got " +
                  cfg.type_name() + " " + cfg.repr());
}

void Evaluator::process(const data::DataBatch& batch, const data::DataSamples& predictions) {
  if (collector_) {
    for (const auto& p : predictions) pending_.push_back(p->to(torch::kCPU));
    batch_size_ = std::max(batch_size_, predictions.size());
    return;
  }
  for (const auto& m : metrics_) m->process_batch(batch, predictions);
}

Metrics Evaluator::evaluate(std::size_t size) {
  if (!collector_) return evaluate_metrics(size);
  data::DataSamples mine;
  mine.swap(pending_);
  std::optional<data::DataSamples> all = collector_->collect(mine, size);
  Metrics result;
  if (all) {
    // The batches a single process would have fed: same order, same size.
    for (std::size_t begin = 0; begin < all->size(); begin += batch_size_) {
      data::DataBatch batch;
      batch.data_samples.assign(
          all->begin() + static_cast<std::ptrdiff_t>(begin),
          all->begin() + static_cast<std::ptrdiff_t>(std::min(all->size(), begin + batch_size_)));
      for (const auto& m : metrics_) m->process_batch(batch, batch.data_samples);
    }
    result = evaluate_metrics(size);
  }
  return collector_->broadcast(result);
}

Metrics Evaluator::evaluate_metrics(std::size_t size) {
  Metrics merged;
  std::set<std::string> seen;
  for (const auto& m : metrics_) {
    for (auto& [name, value] : m->evaluate(size)) {
      if (!seen.insert(name).second)
        throw Error("ValueError",
                    "There are multiple evaluation results with the same metric name " + name +
                        ". Please make sure all metrics have different prefixes.");
      merged.emplace_back(name, value);
    }
  }
  return merged;
}

Metrics Evaluator::offline_evaluate(const data::DataSamples& data_samples,
                                    const std::vector<data::Sample>* data, std::size_t chunk_size) {
  if (chunk_size == 0) throw Error("ValueError", "offline_evaluate: chunk_size must be positive");
  if (data != nullptr && data->size() != data_samples.size())
    throw Error("AssertionError",
                "data_samples and data should have the same length, but got data_samples "
                "length: " +
                    std::to_string(data_samples.size()) +
                    " data length: " + std::to_string(data->size()));
  std::size_t size = 0;
  for (std::size_t start = 0; start < data_samples.size(); start += chunk_size) {
    std::size_t end = std::min(data_samples.size(), start + chunk_size);
    data::DataSamples chunk(data_samples.begin() + static_cast<std::ptrdiff_t>(start),
                            data_samples.begin() + static_cast<std::ptrdiff_t>(end));
    data::DataBatch batch;  // pseudo_collate: inputs kept as a list
    if (data != nullptr) {
      for (std::size_t i = start; i < end; ++i) {
        batch.input_list.push_back((*data)[i].inputs);
        batch.data_samples.push_back((*data)[i].data_sample);
      }
    }
    size += chunk.size();
    process(batch, chunk);
  }
  return evaluate(size);
}

void Evaluator::add_metric(std::shared_ptr<BaseMetric> metric) {
  if (!metric) throw Error("ValueError", "Evaluator: a metric is null");
  metrics_.push_back(std::move(metric));
}

void Evaluator::set_logger(Logger* logger) {
  for (const auto& m : metrics_) m->set_logger(logger);
}

void Evaluator::set_dataset_meta(const Value& meta) {
  for (const auto& m : metrics_) m->set_dataset_meta(meta);
}

}  // namespace mmcpp::evaluation
