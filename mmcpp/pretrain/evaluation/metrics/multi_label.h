// Multi-label classification metrics (mmpretrain/evaluation/metrics/
// multi_label.py): MultiLabelMetric and AveragePrecision (mAP).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mmcpp/pretrain/evaluation/metrics/single_label.h"
#include "mmcpp/pretrain/structures/utils.h"

namespace mmcpp::pretrain {

class MultiLabelMetric : public evaluation::BaseMetric {
 public:
  // thr and topk both unset: thr=0.5 (a warning, as MMPretrain's).
  MultiLabelMetric(std::optional<double> thr = std::nullopt,
                   std::optional<std::int64_t> topk = std::nullopt,
                   std::vector<std::string> items = {"precision", "recall", "f1-score"},
                   std::optional<std::string> average = std::string("macro"),
                   std::string collect_device = "cpu",
                   std::optional<std::string> prefix = std::nullopt);
  static std::shared_ptr<MultiLabelMetric> from_config(registry::BuildArgs& args);

  void process(const data::DataBatch& batch, const data::DataSamples& predictions) override;
  Metrics compute_metrics(const Results& results) override;

  // MultiLabelMetric.calculate on (N, C) scores and (N, C) multi-hot targets.
  static SingleLabelMetric::Scores calculate(torch::Tensor pred, torch::Tensor target,
                                             const std::optional<std::string>& average,
                                             std::optional<double> thr,
                                             std::optional<std::int64_t> topk);

 private:
  std::optional<double> thr_;
  std::optional<std::int64_t> topk_;
  std::vector<std::string> items_;
  std::optional<std::string> average_;
};

class AveragePrecision : public evaluation::BaseMetric {
 public:
  explicit AveragePrecision(std::optional<std::string> average = std::string("macro"),
                            std::string collect_device = "cpu",
                            std::optional<std::string> prefix = std::nullopt);
  static std::shared_ptr<AveragePrecision> from_config(registry::BuildArgs& args);

  void process(const data::DataBatch& batch, const data::DataSamples& predictions) override;
  Metrics compute_metrics(const Results& results) override;

  // (N, C) scores and targets: mAP (0-dim) for "macro", per class for None.
  static torch::Tensor calculate(torch::Tensor pred, torch::Tensor target,
                                 const std::optional<std::string>& average);

 private:
  std::optional<std::string> average_;
};

}  // namespace mmcpp::pretrain
