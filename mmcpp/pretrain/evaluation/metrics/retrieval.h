// Image retrieval metrics (mmpretrain/evaluation/metrics/retrieval.py):
// RetrievalRecall (Recall@k) and RetrievalAveragePrecision (mAP@k).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mmcpp/pretrain/evaluation/metrics/single_label.h"

namespace mmcpp::pretrain {

class RetrievalRecall : public evaluation::BaseMetric {
 public:
  // ValueError unless every k > 0.
  explicit RetrievalRecall(std::vector<std::int64_t> topk, std::string collect_device = "cpu",
                           std::optional<std::string> prefix = std::nullopt);
  static std::shared_ptr<RetrievalRecall> from_config(registry::BuildArgs& args);

  void process(const data::DataBatch& batch, const data::DataSamples& predictions) override;
  Metrics compute_metrics(const Results& results) override;

  // Scores (N, M) and multi-hot targets (N, M): one recall (percent, 0-dim
  // float32) per k, averaged over the N queries.
  static std::vector<torch::Tensor> calculate(const torch::Tensor& pred,
                                              const torch::Tensor& target,
                                              const std::vector<std::int64_t>& topk);

 private:
  std::vector<std::int64_t> topk_;
};

class RetrievalAveragePrecision : public evaluation::BaseMetric {
 public:
  // mode: "IR" (information retrieval AP) or "integrate" (Oxford/Paris).
  explicit RetrievalAveragePrecision(std::int64_t topk, std::string mode = "IR",
                                     std::string collect_device = "cpu",
                                     std::optional<std::string> prefix = std::nullopt);
  static std::shared_ptr<RetrievalAveragePrecision> from_config(registry::BuildArgs& args);

  void process(const data::DataBatch& batch, const data::DataSamples& predictions) override;
  Metrics compute_metrics(const Results& results) override;

  // The mean AP (percent) over the N queries.
  static double calculate(const torch::Tensor& pred, const torch::Tensor& target, std::int64_t topk,
                          const std::string& mode = "IR");

 private:
  std::int64_t topk_;
  std::string mode_;
};

}  // namespace mmcpp::pretrain
