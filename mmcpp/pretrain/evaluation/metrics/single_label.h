// Single-label classification metrics (mmpretrain/evaluation/metrics/
// single_label.py): Accuracy, SingleLabelMetric, ConfusionMatrix. Values in
// percent, computed with the same tensor operations in float32 as MMPretrain,
// so results agree to the last bit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <torch/types.h>

#include "mmcpp/evaluation/metric.h"

namespace mmcpp::pretrain {

using evaluation::Metrics;
using evaluation::Results;

// A threshold; nullopt is Python's None (no threshold).
using Threshold = std::optional<double>;

// `topk`: an int or a sequence of ints (Accuracy, RetrievalRecall).
std::vector<std::int64_t> parse_topk(registry::BuildArgs& args, const char* key,
                                     std::vector<std::int64_t> dflt);
// `thrs`: a float, None or a sequence of float/None. Any other value is
// Python's TypeError (`tuple(0)`: 'int' object is not iterable).
std::vector<Threshold> parse_thrs(registry::BuildArgs& args, const char* key);
// "_no-thr" / "_thr-0.50" (f'_thr-{thr:.2f}').
std::string threshold_suffix(const Threshold& thr);

// _precision_recall_f1_support: one-hot (N, C) int64 predictions and targets
// (-1 targets ignored) -> precision, recall, f1-score (float32) and support
// (int64); averaged for "macro"/"micro", per class for None (nullopt).
std::tuple<torch::Tensor, torch::Tensor, torch::Tensor, torch::Tensor> precision_recall_f1_support(
    torch::Tensor pred_positive, torch::Tensor gt_positive,
    const std::optional<std::string>& average);

// "precision", "recall", "f1-score", "support": AssertionError for anything else.
std::vector<std::string> check_items(const std::vector<std::string>& items, const char* metric);

class Accuracy : public evaluation::BaseMetric {
 public:
  Accuracy(std::vector<std::int64_t> topk = {1}, std::vector<Threshold> thrs = {0.0},
           std::string collect_device = "cpu", std::optional<std::string> prefix = std::nullopt);
  static std::shared_ptr<Accuracy> from_config(registry::BuildArgs& args);

  void process(const data::DataBatch& batch, const data::DataSamples& predictions) override;
  Metrics compute_metrics(const Results& results) override;

  // Accuracy.calculate on scores (N, C): [topk][thr] one-element tensors.
  static std::vector<std::vector<torch::Tensor>> calculate(torch::Tensor pred, torch::Tensor target,
                                                           const std::vector<std::int64_t>& topk,
                                                           const std::vector<Threshold>& thrs);
  // On labels (N,): the top-1 accuracy as a one-element tensor.
  static torch::Tensor calculate_labels(torch::Tensor pred, torch::Tensor target);

 private:
  std::vector<std::int64_t> topk_;
  std::vector<Threshold> thrs_;
};

class SingleLabelMetric : public evaluation::BaseMetric {
 public:
  SingleLabelMetric(std::vector<Threshold> thrs = {0.0},
                    std::vector<std::string> items = {"precision", "recall", "f1-score"},
                    std::optional<std::string> average = std::string("macro"),
                    std::optional<std::int64_t> num_classes = std::nullopt,
                    std::string collect_device = "cpu",
                    std::optional<std::string> prefix = std::nullopt);
  static std::shared_ptr<SingleLabelMetric> from_config(registry::BuildArgs& args);

  void process(const data::DataBatch& batch, const data::DataSamples& predictions) override;
  Metrics compute_metrics(const Results& results) override;

  using Scores = std::tuple<torch::Tensor, torch::Tensor, torch::Tensor, torch::Tensor>;
  // On scores (N, C): one (precision, recall, f1, support) per threshold.
  static std::vector<Scores> calculate(torch::Tensor pred, torch::Tensor target,
                                       const std::vector<Threshold>& thrs,
                                       const std::optional<std::string>& average);
  // On labels (N,): needs num_classes.
  static Scores calculate_labels(torch::Tensor pred, torch::Tensor target,
                                 const std::optional<std::string>& average,
                                 std::optional<std::int64_t> num_classes);

 private:
  std::vector<Threshold> thrs_;
  std::vector<std::string> items_;
  std::optional<std::string> average_;
  std::optional<std::int64_t> num_classes_;
};

class ConfusionMatrix : public evaluation::BaseMetric {
 public:
  explicit ConfusionMatrix(std::optional<std::int64_t> num_classes = std::nullopt,
                           std::string collect_device = "cpu",
                           std::optional<std::string> prefix = std::nullopt);
  static std::shared_ptr<ConfusionMatrix> from_config(registry::BuildArgs& args);

  void process(const data::DataBatch& batch, const data::DataSamples& predictions) override;
  Metrics compute_metrics(const Results& results) override;

  // ConfusionMatrix.calculate: labels (N,) (num_classes required) or scores
  // (N, C); rows are true labels, columns predictions; int64.
  static torch::Tensor calculate(torch::Tensor pred, torch::Tensor target,
                                 std::optional<std::int64_t> num_classes = std::nullopt);

 private:
  std::optional<std::int64_t> num_classes_;
};

// Options of ConfusionMatrix.plot (tools/analysis_tools/confusion_matrix.py).
struct ConfusionMatrixPlotOptions {
  bool include_values = false;
  std::string cmap = "viridis";
  std::vector<std::string> classes;  // empty: the class indices
  bool colorbar = true;
};
// ConfusionMatrix.plot saved as a PNG (10x10 inch figure at 100 dpi).
void plot_confusion_matrix(const torch::Tensor& matrix, const std::string& path,
                           const ConfusionMatrixPlotOptions& options = {});

}  // namespace mmcpp::pretrain
