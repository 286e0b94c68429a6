#include "mmcpp/evaluation/metric.h"

#include <algorithm>
#include <set>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::evaluation {

using config::Value;

BaseMetric::BaseMetric(std::string collect_device, std::optional<std::string> prefix,
                       std::string default_prefix)
    : collect_device_(std::move(collect_device)),
      // `prefix or self.default_prefix`: an empty prefix falls back too.
      prefix_(prefix && !prefix->empty() ? *prefix : std::move(default_prefix)),
      dataset_meta_() {
  if (prefix_.empty())
    print_log("The prefix is not set in a metric; its keys stay unprefixed", LogLevel::Warning);
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
  process(batch, predictions);
  processed_ += predictions.size();
}

Metrics BaseMetric::evaluate(std::size_t size) {
  const std::string who = prefix_.empty() ? std::string("metric") : "metric '" + prefix_ + "'";
  if (processed_ == 0)
    print_log(who +
                  " got no results; make sure its process() ran on the predictions of every "
                  "batch",
              LogLevel::Warning);
  else if (processed_ != size)
    print_log(who + " processed " + std::to_string(processed_) +
                  " predictions but the dataset has " + std::to_string(size) + " samples",
              LogLevel::Warning);
  Metrics raw;
  try {
    raw = compute_metrics();
  } catch (...) {
    // Leave the metric clean for the next evaluation either way.
    reset();
    processed_ = 0;
    throw;
  }
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

void Evaluator::set_dataset_meta(const Value& meta) {
  for (const auto& m : metrics_) m->set_dataset_meta(meta);
}

}  // namespace mmcpp::evaluation
