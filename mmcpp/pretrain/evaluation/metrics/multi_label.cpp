#include "mmcpp/pretrain/evaluation/metrics/multi_label.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <limits>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using evaluation::MetricValue;

namespace {

std::vector<torch::Tensor> field(const Results& results, const std::string& key) {
  std::vector<torch::Tensor> out;
  out.reserve(results.size());
  for (const auto& r : results) out.push_back(r->get(key));
  return out;
}

// The record of MultiLabelMetric / AveragePrecision: pred_score and gt_score
// (given, or one-hot of gt_label).
data::DataSamplePtr score_record(const data::DataSample& s) {
  auto r = std::make_shared<data::DataSample>();
  torch::Tensor score = s.get("pred_score").detach().clone();
  r->set("pred_score", score);
  if (s.has("gt_score"))
    r->set("gt_score", s.get("gt_score").detach().clone());
  else
    r->set("gt_score", label_to_onehot(s.get("gt_label"), score.size(-1)));
  return r;
}

// _format_label for tensors: (N, num_classes) only.
void check_2d(const torch::Tensor& t) {
  if (t.dim() != 2)
    throw Error("AssertionError", "The shape `pred` and `target` tensor must be (N, num_classes).");
}

// mmpretrain's _average_precision for one class.
torch::Tensor average_precision_1d(torch::Tensor pred, torch::Tensor target) {
  if (pred.sizes() != target.sizes())
    throw Error("AssertionError", "The size of pred doesn't match the target.");
  const double eps = std::numeric_limits<float>::epsilon();
  torch::Tensor valid = target > -1;
  pred = pred.index({valid});
  target = target.index({valid});
  torch::Tensor sorted_inds = torch::argsort(pred, 0, /*descending=*/true);
  torch::Tensor sorted_target = target.index({sorted_inds});
  torch::Tensor pos_inds = sorted_target == 1;
  torch::Tensor tps = torch::cumsum(pos_inds, 0);
  // tps[-1].item() (an IndexError on an empty class, as in Python).
  if (tps.numel() == 0) throw Error("IndexError", "index -1 is out of bounds for dimension 0");
  const std::int64_t total_pos = tps[-1].item<std::int64_t>();
  torch::Tensor pred_pos_nums =
      torch::arange(1, sorted_target.size(0) + 1, torch::TensorOptions().dtype(torch::kLong));
  tps.index_put_({torch::logical_not(pos_inds)}, 0);
  torch::Tensor precision = tps / pred_pos_nums.to(torch::kFloat);
  // / max(total_pos, eps): an int, or eps (a float) when there is no positive.
  if (static_cast<double>(total_pos) > eps) return torch::sum(precision, 0) / total_pos;
  return torch::sum(precision, 0) / eps;
}

}  // namespace

// ---- MultiLabelMetric ----

MultiLabelMetric::MultiLabelMetric(std::optional<double> thr, std::optional<std::int64_t> topk,
                                   std::vector<std::string> items,
                                   std::optional<std::string> average, std::string collect_device,
                                   std::optional<std::string> prefix)
    : BaseMetric(std::move(collect_device), std::move(prefix), "multi-label", "MultiLabelMetric"),
      thr_(thr),
      topk_(topk),
      items_(check_items(items, "SingleLabelMetric")),
      average_(std::move(average)) {
  if (!thr_ && !topk_) {
    thr_ = 0.5;
    log(LogLevel::Warning, "Neither thr nor k is given, set thr as 0.5 by default.");
  } else if (thr_ && topk_) {
    log(LogLevel::Warning, "Both thr and topk are given, use threshold in favor of top-k.");
  }
}

std::shared_ptr<MultiLabelMetric> MultiLabelMetric::from_config(registry::BuildArgs& args) {
  auto thr = args.get_opt_float("thr");
  auto topk = args.get_opt_int("topk");
  auto items = args.get_str_list("items", {"precision", "recall", "f1-score"});
  std::optional<std::string> average = std::string("macro");
  if (args.has("average")) average = args.get_opt_str("average");
  auto [device, prefix] = common_args(args);
  return std::make_shared<MultiLabelMetric>(thr, topk, items, average, device, prefix);
}

void MultiLabelMetric::process(const data::DataBatch&, const data::DataSamples& predictions) {
  for (const auto& s : predictions) results_.push_back(score_record(*s));
}

Metrics MultiLabelMetric::compute_metrics(const Results& results) {
  if (results.empty()) throw Error("RuntimeError", "stack expects a non-empty TensorList");
  torch::Tensor target = torch::stack(field(results, "gt_score"));
  torch::Tensor pred = torch::stack(field(results, "pred_score"));
  auto [precision, recall, f1, support] = calculate(pred, target, average_, thr_, topk_);

  // `if self.thr:` (0.0 counts as unset, naming the keys after topk).
  std::string suffix;
  if (thr_ && *thr_ != 0.0) {
    if (*thr_ != 0.5) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "_thr-%.2f", *thr_);
      suffix = buf;
    }
  } else {
    suffix = "_top" + (topk_ ? std::to_string(*topk_) : std::string("None"));
  }
  std::vector<std::pair<std::string, torch::Tensor>> metrics;
  auto has = [&](const char* item) {
    return std::find(items_.begin(), items_.end(), item) != items_.end();
  };
  if (has("precision")) metrics.emplace_back("precision" + suffix, precision);
  if (has("recall")) metrics.emplace_back("recall" + suffix, recall);
  if (has("f1-score")) metrics.emplace_back("f1-score" + suffix, f1);
  if (has("support")) metrics.emplace_back("support" + suffix, support);

  Metrics out;
  for (const auto& [k, v] : metrics) {
    if (!average_)
      out.emplace_back(k + "_classwise", MetricValue::from_tolist(v.reshape({-1})));
    else if (*average_ == "macro")
      out.emplace_back(k, MetricValue::from_tolist(v.reshape({})));
    else
      out.emplace_back(k + "_" + *average_, MetricValue::from_tolist(v.reshape({})));
  }
  return out;
}

SingleLabelMetric::Scores MultiLabelMetric::calculate(torch::Tensor pred, torch::Tensor target,
                                                      const std::optional<std::string>& average,
                                                      std::optional<double> thr,
                                                      std::optional<std::int64_t> topk) {
  if (average && *average != "micro" && *average != "macro")
    throw Error("AssertionError",
                "Invalid `average` argument, please specicy from ['micro', 'macro', None].");
  check_2d(pred);
  check_2d(target);
  target = target.to(torch::kLong);
  if (pred.sizes() != target.sizes())
    throw Error("AssertionError", "The size of pred (" + std::string(c10::str(pred.sizes())) +
                                      ") doesn't match the target (" +
                                      std::string(c10::str(target.sizes())) + ").");
  if (!thr && !topk) thr = 0.5;
  torch::Tensor pos_inds;
  if (thr) {
    pos_inds = (pred >= *thr).to(torch::kLong);
  } else {
    torch::Tensor topk_indices = std::get<1>(pred.topk(*topk));
    pos_inds = torch::zeros_like(pred).scatter_(1, topk_indices, 1).to(torch::kLong);
  }
  return precision_recall_f1_support(pos_inds, target, average);
}

// ---- AveragePrecision ----

AveragePrecision::AveragePrecision(std::optional<std::string> average, std::string collect_device,
                                   std::optional<std::string> prefix)
    : BaseMetric(std::move(collect_device), std::move(prefix), "multi-label", "AveragePrecision"),
      average_(std::move(average)) {}

std::shared_ptr<AveragePrecision> AveragePrecision::from_config(registry::BuildArgs& args) {
  std::optional<std::string> average = std::string("macro");
  if (args.has("average")) average = args.get_opt_str("average");
  auto [device, prefix] = common_args(args);
  return std::make_shared<AveragePrecision>(average, device, prefix);
}

void AveragePrecision::process(const data::DataBatch&, const data::DataSamples& predictions) {
  for (const auto& s : predictions) results_.push_back(score_record(*s));
}

Metrics AveragePrecision::compute_metrics(const Results& results) {
  if (results.empty()) throw Error("RuntimeError", "stack expects a non-empty TensorList");
  torch::Tensor target = torch::stack(field(results, "gt_score"));
  torch::Tensor pred = torch::stack(field(results, "pred_score"));
  torch::Tensor ap = calculate(pred, target, average_);
  if (!average_) return {{"AP_classwise", MetricValue::from_tolist(ap)}};
  return {{"mAP", MetricValue(ap.item<double>())}};
}

torch::Tensor AveragePrecision::calculate(torch::Tensor pred, torch::Tensor target,
                                          const std::optional<std::string>& average) {
  if (average && *average != "macro")
    throw Error("AssertionError",
                "Invalid `average` argument, please specicy from ['macro', None].");
  if (pred.dim() != 2 || pred.sizes() != target.sizes())
    throw Error("AssertionError", "Both `pred` and `target` should have shape `(N, num_classes)`.");
  const std::int64_t num_classes = pred.size(1);
  torch::Tensor ap = pred.new_zeros({num_classes});
  for (std::int64_t k = 0; k < num_classes; ++k)
    ap[k] = average_precision_1d(pred.select(1, k), target.select(1, k));
  if (average) return ap.mean() * 100.0;
  return ap * 100;
}

MMCPP_REGISTER(METRICS, MultiLabelMetric, "dict(type='MultiLabelMetric', thr=0.5)");
MMCPP_REGISTER(METRICS, AveragePrecision, "dict(type='AveragePrecision')");

}  // namespace mmcpp::pretrain
