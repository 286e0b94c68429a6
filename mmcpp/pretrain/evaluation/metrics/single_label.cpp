#include "mmcpp/pretrain/evaluation/metrics/single_label.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <limits>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/visualization/matrix_plot.h"

namespace mmcpp::pretrain {

using config::Value;
using evaluation::MetricValue;

namespace {

// A record of self.results: a DataSample holding the named tensors.
data::DataSamplePtr record() { return std::make_shared<data::DataSample>(); }

torch::Tensor cpu(const torch::Tensor& t) { return t.detach().to(torch::kCPU); }

// torch.cat / torch.stack of one field of every record (KeyError when missing).
std::vector<torch::Tensor> field(const Results& results, const std::string& key) {
  std::vector<torch::Tensor> out;
  out.reserve(results.size());
  for (const auto& r : results) out.push_back(r->get(key));
  return out;
}

void check_average(const std::optional<std::string>& average) {
  if (!average || *average == "micro" || *average == "macro") return;
  throw Error("AssertionError",
              "Invalid `average` argument, please specify from ['micro', 'macro', None].");
}

}  // namespace

// ---- argument helpers ----

std::vector<std::int64_t> parse_topk(registry::BuildArgs& args, const char* key,
                                     std::vector<std::int64_t> dflt) {
  if (!args.has(key)) return dflt;
  Value v = args.value(key);
  if (v.is_int()) return {v.as_int()};
  if (v.is_sequence()) {
    std::vector<std::int64_t> out;
    for (const Value& k : v.items()) {
      if (!k.is_int()) args.fail(key, "must be an int or a sequence of ints");
      out.push_back(k.as_int());
    }
    if (out.empty()) throw Error("ValueError", args.component() + ": `" + key + "` is empty");
    return out;
  }
  args.fail(key, "must be an int or a sequence of ints");
}

std::vector<Threshold> parse_thrs(registry::BuildArgs& args, const char* key) {
  if (!args.has(key)) return {0.0};
  Value v = args.value(key);
  if (v.is_none()) return {std::nullopt};
  if (v.is_float()) return {v.as_float()};
  if (v.is_sequence()) {
    std::vector<Threshold> out;
    for (const Value& t : v.items()) {
      if (t.is_none())
        out.emplace_back(std::nullopt);
      else if (t.is_number())
        out.emplace_back(t.as_number());
      else
        args.fail(key, "must hold floats or None");
    }
    if (out.empty()) throw Error("ValueError", args.component() + ": `" + key + "` is empty");
    return out;
  }
  throw Error("TypeError", args.component() + ": `" + key + "` must be a float, None or a " +
                               "sequence of them ('" + v.type_name() +
                               "' object is not iterable), got " + v.repr());
}

std::string threshold_suffix(const Threshold& thr) {
  if (!thr) return "_no-thr";
  char buf[64];
  std::snprintf(buf, sizeof buf, "_thr-%.2f", *thr);
  return buf;
}

std::vector<std::string> check_items(const std::vector<std::string>& items, const char* metric) {
  for (const std::string& item : items) {
    if (item != "precision" && item != "recall" && item != "f1-score" && item != "support")
      throw Error("AssertionError", "The metric " + item + " is not supported by `" + metric +
                                        "`, please specify from \"precision\", \"recall\", "
                                        "\"f1-score\" and \"support\".");
  }
  return items;
}

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor, torch::Tensor> precision_recall_f1_support(
    torch::Tensor pred_positive, torch::Tensor gt_positive,
    const std::optional<std::string>& average) {
  check_average(average);
  // Ignore -1 targets (difficult samples of multi-label data sets).
  torch::Tensor ignored = gt_positive == -1;
  pred_positive.index_put_({ignored}, 0);
  gt_positive.index_put_({ignored}, 0);

  torch::Tensor class_correct = pred_positive.bitwise_and(gt_positive);
  torch::Tensor tp_sum, pred_sum, gt_sum;
  if (average && *average == "micro") {
    tp_sum = class_correct.sum();
    pred_sum = pred_positive.sum();
    gt_sum = gt_positive.sum();
  } else {
    tp_sum = class_correct.sum(0);
    pred_sum = pred_positive.sum(0);
    gt_sum = gt_positive.sum(0);
  }
  torch::Tensor precision = tp_sum / torch::clamp(pred_sum, 1).to(torch::kFloat) * 100;
  torch::Tensor recall = tp_sum / torch::clamp(gt_sum, 1).to(torch::kFloat) * 100;
  torch::Tensor f1 = 2 * precision * recall /
                     torch::clamp(precision + recall, std::numeric_limits<float>::epsilon());
  torch::Tensor support;
  if (average) {
    precision = precision.mean(0);
    recall = recall.mean(0);
    f1 = f1.mean(0);
    support = gt_sum.sum(0);
  } else {
    support = gt_sum;
  }
  return {precision, recall, f1, support};
}

// ---- Accuracy ----

Accuracy::Accuracy(std::vector<std::int64_t> topk, std::vector<Threshold> thrs,
                   std::string collect_device, std::optional<std::string> prefix)
    : BaseMetric(std::move(collect_device), std::move(prefix), "accuracy", "Accuracy"),
      topk_(std::move(topk)),
      thrs_(std::move(thrs)) {}

std::shared_ptr<Accuracy> Accuracy::from_config(registry::BuildArgs& args) {
  auto topk = parse_topk(args, "topk", {1});
  auto thrs = parse_thrs(args, "thrs");
  auto [device, prefix] = common_args(args);
  return std::make_shared<Accuracy>(topk, thrs, device, prefix);
}

void Accuracy::process(const data::DataBatch&, const data::DataSamples& predictions) {
  for (const auto& s : predictions) {
    auto r = record();
    if (s->has("pred_score"))
      r->set("pred_score", cpu(s->get("pred_score")));
    else
      r->set("pred_label", cpu(s->get("pred_label")));
    r->set("gt_label", cpu(s->get("gt_label")));
    results_.push_back(r);
  }
}

Metrics Accuracy::compute_metrics(const Results& results) {
  if (results.empty()) throw Error("RuntimeError", "torch.cat(): expected a non-empty list");
  Metrics metrics;
  torch::Tensor target = torch::cat(field(results, "gt_label"));
  if (results[0]->has("pred_score")) {
    torch::Tensor pred = torch::stack(field(results, "pred_score"));
    std::vector<std::vector<torch::Tensor>> acc;
    try {
      acc = calculate(pred, target, topk_, thrs_);
    } catch (const Error& e) {
      if (e.kind() != "ValueError") throw;
      throw Error("ValueError", std::string(e.what()) +
                                    " Please check the `val_evaluator` and `test_evaluator` "
                                    "fields in your config file.");
    }
    const bool multi_thrs = thrs_.size() > 1;
    for (std::size_t i = 0; i < topk_.size(); ++i) {
      for (std::size_t j = 0; j < thrs_.size(); ++j) {
        std::string name = "top" + std::to_string(topk_[i]);
        if (multi_thrs) name += threshold_suffix(thrs_[j]);
        metrics.emplace_back(name, MetricValue(acc[i][j].item<double>()));
      }
    }
  } else {
    torch::Tensor pred = torch::cat(field(results, "pred_label"));
    metrics.emplace_back("top1", MetricValue(calculate_labels(pred, target).item<double>()));
  }
  return metrics;
}

torch::Tensor Accuracy::calculate_labels(torch::Tensor pred, torch::Tensor target) {
  target = target.to(torch::kLong);
  const std::int64_t num = pred.size(0);
  if (pred.size(0) != target.size(0))
    throw Error("AssertionError", "The size of pred (" + std::to_string(pred.size(0)) +
                                      ") doesn't match the target (" +
                                      std::to_string(target.size(0)) + ").");
  torch::Tensor correct = pred.eq(target).to(torch::kFloat).sum(0, /*keepdim=*/true);
  return correct.mul_(100.0 / static_cast<double>(num));
}

std::vector<std::vector<torch::Tensor>> Accuracy::calculate(torch::Tensor pred,
                                                            torch::Tensor target,
                                                            const std::vector<std::int64_t>& topk,
                                                            const std::vector<Threshold>& thrs) {
  target = target.to(torch::kLong);
  const std::int64_t num = pred.size(0);
  if (pred.size(0) != target.size(0))
    throw Error("AssertionError", "The size of pred (" + std::to_string(pred.size(0)) +
                                      ") doesn't match the target (" +
                                      std::to_string(target.size(0)) + ").");
  pred = pred.to(torch::kFloat);
  const std::int64_t maxk = *std::max_element(topk.begin(), topk.end());
  if (maxk > pred.size(1))
    throw Error("ValueError", "Top-" + std::to_string(maxk) +
                                  " accuracy is unavailable since the number of categories is " +
                                  std::to_string(pred.size(1)) + ".");
  auto [pred_score, pred_label] = pred.topk(maxk, 1);
  pred_label = pred_label.t();
  torch::Tensor correct = pred_label.eq(target.view({1, -1}).expand_as(pred_label));
  std::vector<std::vector<torch::Tensor>> results;
  for (std::int64_t k : topk) {
    results.emplace_back();
    for (const Threshold& thr : thrs) {
      torch::Tensor c = correct;
      if (thr) c = c.bitwise_and(pred_score.t() > *thr);
      torch::Tensor correct_k =
          c.slice(0, 0, k).reshape(-1).to(torch::kFloat).sum(0, /*keepdim=*/true);
      results.back().push_back(correct_k.mul_(100.0 / static_cast<double>(num)));
    }
  }
  return results;
}

// ---- SingleLabelMetric ----

SingleLabelMetric::SingleLabelMetric(std::vector<Threshold> thrs, std::vector<std::string> items,
                                     std::optional<std::string> average,
                                     std::optional<std::int64_t> num_classes,
                                     std::string collect_device, std::optional<std::string> prefix)
    : BaseMetric(std::move(collect_device), std::move(prefix), "single-label", "SingleLabelMetric"),
      thrs_(std::move(thrs)),
      items_(check_items(items, "SingleLabelMetric")),
      average_(std::move(average)),
      num_classes_(num_classes) {}

std::shared_ptr<SingleLabelMetric> SingleLabelMetric::from_config(registry::BuildArgs& args) {
  auto thrs = parse_thrs(args, "thrs");
  auto items = args.get_str_list("items", {"precision", "recall", "f1-score"});
  std::optional<std::string> average = std::string("macro");
  if (args.has("average")) average = args.get_opt_str("average");
  auto num_classes = args.get_opt_int("num_classes");
  auto [device, prefix] = common_args(args);
  return std::make_shared<SingleLabelMetric>(thrs, items, average, num_classes, device, prefix);
}

void SingleLabelMetric::process(const data::DataBatch&, const data::DataSamples& predictions) {
  for (const auto& s : predictions) {
    auto r = record();
    if (s->has("pred_score")) {
      r->set("pred_score", cpu(s->get("pred_score")));
    } else {
      std::optional<std::int64_t> n = num_classes_;
      if (!n || *n == 0) {
        const Value* v =
            s->metainfo().is_dict() ? s->metainfo().as_dict().find("num_classes") : nullptr;
        if (v && v->is_int()) n = v->as_int();
      }
      if (!n)
        throw Error("AssertionError", "The `num_classes` must be specified if no `pred_score`.");
      r->set("pred_label", cpu(s->get("pred_label")));
      r->set_metainfo("num_classes", Value(*n));
    }
    r->set("gt_label", cpu(s->get("gt_label")));
    results_.push_back(r);
  }
}

Metrics SingleLabelMetric::compute_metrics(const Results& results) {
  if (results.empty()) throw Error("RuntimeError", "torch.cat(): expected a non-empty list");
  std::vector<std::pair<std::string, torch::Tensor>> metrics;
  auto pack = [&](const Scores& s, const std::string& suffix) {
    const auto& [precision, recall, f1, support] = s;
    auto has = [&](const char* item) {
      return std::find(items_.begin(), items_.end(), item) != items_.end();
    };
    if (has("precision")) metrics.emplace_back("precision" + suffix, precision);
    if (has("recall")) metrics.emplace_back("recall" + suffix, recall);
    if (has("f1-score")) metrics.emplace_back("f1-score" + suffix, f1);
    if (has("support")) metrics.emplace_back("support" + suffix, support);
  };
  torch::Tensor target = torch::cat(field(results, "gt_label"));
  if (results[0]->has("pred_score")) {
    torch::Tensor pred = torch::stack(field(results, "pred_score"));
    std::vector<Scores> list = calculate(pred, target, thrs_, average_);
    const bool multi_thrs = thrs_.size() > 1;
    for (std::size_t i = 0; i < thrs_.size(); ++i)
      pack(list[i], multi_thrs ? threshold_suffix(thrs_[i]) : "");
  } else {
    torch::Tensor pred = torch::cat(field(results, "pred_label"));
    const Value* n = results[0]->metainfo().as_dict().find("num_classes");
    pack(calculate_labels(pred, target, average_, n ? std::optional(n->as_int()) : std::nullopt),
         "");
  }
  Metrics out;
  for (const auto& [k, v] : metrics) {
    if (!average_)
      out.emplace_back(k + "_classwise", MetricValue::from_tolist(v.reshape({-1})));
    else if (*average_ == "micro")
      out.emplace_back(k + "_micro", MetricValue::from_tolist(v.reshape({})));
    else
      out.emplace_back(k, MetricValue::from_tolist(v.reshape({})));
  }
  return out;
}

std::vector<SingleLabelMetric::Scores> SingleLabelMetric::calculate(
    torch::Tensor pred, torch::Tensor target, const std::vector<Threshold>& thrs,
    const std::optional<std::string>& average) {
  check_average(average);
  target = target.to(torch::kLong);
  if (pred.size(0) != target.size(0))
    throw Error("AssertionError", "The size of pred (" + std::to_string(pred.size(0)) +
                                      ") doesn't match the target (" +
                                      std::to_string(target.size(0)) + ").");
  const std::int64_t num_classes = pred.size(1);
  auto [pred_score, pred_label] = torch::topk(pred, 1);
  pred_score = pred_score.flatten();
  pred_label = pred_label.flatten();
  torch::Tensor gt_positive = torch::one_hot(target.flatten(), num_classes);
  std::vector<Scores> results;
  for (const Threshold& thr : thrs) {
    torch::Tensor pred_positive = torch::one_hot(pred_label, num_classes);
    if (thr) pred_positive.index_put_({pred_score <= *thr}, 0);
    results.push_back(precision_recall_f1_support(pred_positive, gt_positive, average));
  }
  return results;
}

SingleLabelMetric::Scores SingleLabelMetric::calculate_labels(
    torch::Tensor pred, torch::Tensor target, const std::optional<std::string>& average,
    std::optional<std::int64_t> num_classes) {
  check_average(average);
  target = target.to(torch::kLong);
  if (pred.size(0) != target.size(0))
    throw Error("AssertionError", "The size of pred (" + std::to_string(pred.size(0)) +
                                      ") doesn't match the target (" +
                                      std::to_string(target.size(0)) + ").");
  if (!num_classes)
    throw Error("AssertionError",
                "Please specify the `num_classes` if the `pred` is labels intead of scores.");
  torch::Tensor gt_positive = torch::one_hot(target.flatten(), *num_classes);
  torch::Tensor pred_positive = torch::one_hot(pred.to(torch::kLong), *num_classes);
  return precision_recall_f1_support(pred_positive, gt_positive, average);
}

// ---- ConfusionMatrix ----

ConfusionMatrix::ConfusionMatrix(std::optional<std::int64_t> num_classes,
                                 std::string collect_device, std::optional<std::string> prefix)
    : BaseMetric(std::move(collect_device), std::move(prefix), "confusion_matrix",
                 "ConfusionMatrix"),
      num_classes_(num_classes) {}

std::shared_ptr<ConfusionMatrix> ConfusionMatrix::from_config(registry::BuildArgs& args) {
  auto num_classes = args.get_opt_int("num_classes");
  auto [device, prefix] = common_args(args);
  return std::make_shared<ConfusionMatrix>(num_classes, device, prefix);
}

void ConfusionMatrix::process(const data::DataBatch&, const data::DataSamples& predictions) {
  for (const auto& s : predictions) {
    auto r = record();
    if (s->has("pred_score")) {
      const torch::Tensor& score = s->get("pred_score");
      r->set("pred_label", cpu(score.argmax(0, /*keepdim=*/true)));
      num_classes_ = score.size(0);
    } else {
      r->set("pred_label", cpu(s->get("pred_label")));
    }
    r->set("gt_label", cpu(s->get("gt_label")));
    results_.push_back(r);
  }
}

Metrics ConfusionMatrix::compute_metrics(const Results& results) {
  if (results.empty()) throw Error("RuntimeError", "torch.cat(): expected a non-empty list");
  torch::Tensor m = calculate(torch::cat(field(results, "pred_label")),
                              torch::cat(field(results, "gt_label")), num_classes_);
  return {{"result", MetricValue::tensor(m)}};
}

torch::Tensor ConfusionMatrix::calculate(torch::Tensor pred, torch::Tensor target,
                                         std::optional<std::int64_t> num_classes) {
  torch::Tensor target_label = target.to(torch::kInt);
  if (pred.size(0) != target_label.size(0))
    throw Error("AssertionError", "The size of pred (" + std::to_string(pred.size(0)) +
                                      ") doesn't match the target (" +
                                      std::to_string(target_label.size(0)) + ").");
  if (target_label.dim() != 1) throw Error("AssertionError", "assert target_label.ndim == 1");
  torch::Tensor pred_label;
  std::int64_t n = 0;
  if (pred.dim() == 1) {
    if (!num_classes)
      throw Error("AssertionError",
                  "Please specify the `num_classes` if the `pred` is labels intead of scores.");
    n = *num_classes;
    pred_label = pred;
  } else {
    n = num_classes && *num_classes != 0 ? *num_classes : pred.size(1);
    pred_label = torch::argmax(pred, 1).flatten();
  }
  torch::NoGradGuard no_grad;
  torch::Tensor indices = n * target_label + pred_label;
  torch::Tensor matrix = torch::bincount(indices, /*weights=*/{}, n * n);
  return matrix.reshape({n, n});
}

void plot_confusion_matrix(const torch::Tensor& matrix, const std::string& path,
                           const ConfusionMatrixPlotOptions& options) {
  if (matrix.dim() != 2 || matrix.size(0) != matrix.size(1))
    throw Error("ValueError", "plot_confusion_matrix: expected a square matrix, got shape " +
                                  std::string(c10::str(matrix.sizes())));
  torch::Tensor m = matrix.detach().to(torch::kCPU).to(torch::kDouble).contiguous();
  const auto n = static_cast<int>(m.size(0));
  std::vector<double> values(m.data_ptr<double>(), m.data_ptr<double>() + m.numel());
  visualization::MatrixPlotOptions o;
  o.labels = options.classes;
  o.include_values = options.include_values;
  o.cmap = options.cmap;
  o.colorbar = options.colorbar;
  visualization::save_matrix_plot(values, n, o, path);
}

MMCPP_REGISTER(METRICS, Accuracy, "dict(type='Accuracy', topk=(1, 5))");
MMCPP_REGISTER(METRICS, SingleLabelMetric, "dict(type='SingleLabelMetric', average='micro')");
MMCPP_REGISTER(METRICS, ConfusionMatrix, "dict(type='ConfusionMatrix', num_classes=10)");

}  // namespace mmcpp::pretrain
