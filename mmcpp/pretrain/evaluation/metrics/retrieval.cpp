#include "mmcpp/pretrain/evaluation/metrics/retrieval.h"

#include <torch/torch.h>

#include <algorithm>
#include <set>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/evaluation/metrics/multi_label.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using evaluation::MetricValue;

namespace {

void check_topk(const std::vector<std::int64_t>& topk) {
  for (std::int64_t k : topk)
    if (k <= 0)
      throw Error("ValueError",
                  "`topk` must be a ingter larger than 0 or seq of ingter larger than 0.");
}

// The query's target: gt_score when given, else one-hot of gt_label.
torch::Tensor target_of(const data::DataSample& s, std::int64_t num_classes) {
  if (s.has("gt_score")) return s.get("gt_score").detach().clone();
  return label_to_onehot(s.get("gt_label"), num_classes);
}

// _format_target: the indices of the positives of each row.
std::vector<std::vector<std::int64_t>> positives(const torch::Tensor& target) {
  std::vector<std::vector<std::int64_t>> out;
  for (std::int64_t i = 0; i < target.size(0); ++i) {
    torch::Tensor nz = target[i].nonzero().squeeze(-1).to(torch::kLong).contiguous();
    out.emplace_back(nz.data_ptr<std::int64_t>(), nz.data_ptr<std::int64_t>() + nz.numel());
  }
  return out;
}

// _format_pred: the indices of the `topk` highest scores of each row.
torch::Tensor top_indices(const torch::Tensor& pred, std::int64_t topk) {
  return std::get<1>(pred.topk(topk)).to(torch::kLong).contiguous();
}

}  // namespace

// ---- RetrievalRecall ----

RetrievalRecall::RetrievalRecall(std::vector<std::int64_t> topk, std::string collect_device,
                                 std::optional<std::string> prefix)
    : BaseMetric(std::move(collect_device), std::move(prefix), "retrieval", "RetrievalRecall"),
      topk_(std::move(topk)) {
  check_topk(topk_);
}

std::shared_ptr<RetrievalRecall> RetrievalRecall::from_config(registry::BuildArgs& args) {
  if (!args.has("topk"))
    throw Error("TypeError",
                "RetrievalRecall.__init__() missing 1 required positional argument: 'topk'");
  auto topk = parse_topk(args, "topk", {});
  auto [device, prefix] = common_args(args);
  return std::make_shared<RetrievalRecall>(topk, device, prefix);
}

void RetrievalRecall::process(const data::DataBatch&, const data::DataSamples& predictions) {
  for (const auto& s : predictions) {
    torch::Tensor score = s->get("pred_score").detach().clone();
    torch::Tensor target = target_of(*s, score.size(-1));
    // Computed per sample, reduced at the end (MMPretrain saves memory this way).
    auto r = std::make_shared<data::DataSample>();
    std::vector<torch::Tensor> recalls = calculate(score.unsqueeze(0), target.unsqueeze(0), topk_);
    for (std::size_t i = 0; i < recalls.size(); ++i) r->set(std::to_string(i), recalls[i]);
    results_.push_back(r);
  }
}

Metrics RetrievalRecall::compute_metrics(const Results& results) {
  Metrics out;
  for (std::size_t i = 0; i < topk_.size(); ++i) {
    double sum = 0;  // sum([r[i].item() for r in results]) / len(results)
    for (const auto& r : results) sum += r->get(std::to_string(i)).item<double>();
    if (results.empty()) throw Error("ZeroDivisionError", "division by zero");
    out.emplace_back("Recall@" + std::to_string(topk_[i]),
                     MetricValue(sum / static_cast<double>(results.size())));
  }
  return out;
}

std::vector<torch::Tensor> RetrievalRecall::calculate(const torch::Tensor& pred,
                                                      const torch::Tensor& target,
                                                      const std::vector<std::int64_t>& topk) {
  check_topk(topk);
  const std::int64_t max_keep = *std::max_element(topk.begin(), topk.end());
  torch::Tensor indices = top_indices(pred, max_keep);
  auto targets = positives(target);
  if (indices.size(0) != static_cast<std::int64_t>(targets.size()))
    throw Error("AssertionError", "Length of `pred`(" + std::to_string(indices.size(0)) +
                                      ") and `target` (" + std::to_string(targets.size()) +
                                      ") must be the same.");
  const std::int64_t n = indices.size(0);
  std::vector<torch::Tensor> results;
  for (std::int64_t k : topk) {
    torch::Tensor recalls = torch::zeros({n});
    for (std::int64_t i = 0; i < n; ++i) {
      std::set<std::int64_t> gt(targets[i].begin(), targets[i].end());
      const std::int64_t* row = indices.data_ptr<std::int64_t>() + i * indices.size(1);
      bool hit = false;
      for (std::int64_t j = 0; j < std::min(k, indices.size(1)); ++j) hit |= gt.count(row[j]) > 0;
      recalls[i] = hit ? 1 : 0;
    }
    results.push_back(recalls.mean() * 100);
  }
  return results;
}

// ---- RetrievalAveragePrecision ----

RetrievalAveragePrecision::RetrievalAveragePrecision(std::int64_t topk, std::string mode,
                                                     std::string collect_device,
                                                     std::optional<std::string> prefix)
    : BaseMetric(std::move(collect_device), std::move(prefix), "retrieval",
                 "RetrievalAveragePrecision"),
      topk_(topk),
      mode_(std::move(mode)) {
  if (topk_ <= 0) throw Error("ValueError", "`topk` must be a ingter larger than 0.");
  if (mode_ != "IR" && mode_ != "integrate")
    throw Error("AssertionError",
                "Invalid `mode` argument, please specify from ['IR', 'integrate'].");
}

std::shared_ptr<RetrievalAveragePrecision> RetrievalAveragePrecision::from_config(
    registry::BuildArgs& args) {
  auto topk = args.get_opt_int("topk");
  if (!topk) throw Error("ValueError", "`topk` must be a ingter larger than 0.");
  std::string mode = args.get_str("mode", "IR");
  auto [device, prefix] = common_args(args);
  return std::make_shared<RetrievalAveragePrecision>(*topk, mode, device, prefix);
}

void RetrievalAveragePrecision::process(const data::DataBatch&,
                                        const data::DataSamples& predictions) {
  for (const auto& s : predictions) {
    torch::Tensor score = s->get("pred_score").detach().clone();
    torch::Tensor target = target_of(*s, score.size(-1));
    auto r = std::make_shared<data::DataSample>();
    r->set("ap", torch::tensor(calculate(score.unsqueeze(0), target.unsqueeze(0), topk_, mode_),
                               torch::kDouble));
    results_.push_back(r);
  }
}

Metrics RetrievalAveragePrecision::compute_metrics(const Results& results) {
  // np.mean(self.results): pairwise summation of float64 values.
  if (results.empty()) return {{"mAP@" + std::to_string(topk_), MetricValue(NAN)}};
  std::vector<torch::Tensor> aps;
  for (const auto& r : results) aps.push_back(r->get("ap"));
  return {{"mAP@" + std::to_string(topk_), MetricValue(torch::stack(aps).mean().item<double>())}};
}

double RetrievalAveragePrecision::calculate(const torch::Tensor& pred, const torch::Tensor& target,
                                            std::int64_t topk, const std::string& mode) {
  if (topk <= 0) throw Error("ValueError", "`topk` must be a ingter larger than 0.");
  if (mode != "IR" && mode != "integrate")
    throw Error("AssertionError",
                "Invalid `mode` argument, please specify from ['IR', 'integrate'].");
  torch::Tensor indices = top_indices(pred, topk);
  auto targets = positives(target);
  const std::int64_t n = indices.size(0);
  double total = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    std::set<std::int64_t> gt(targets[i].begin(), targets[i].end());
    const std::int64_t* row = indices.data_ptr<std::int64_t>() + i * indices.size(1);
    double ap = 0;
    std::int64_t found = 0;
    for (std::int64_t rank = 0; rank < indices.size(1); ++rank) {
      if (!gt.count(row[rank])) continue;
      const double cur = static_cast<double>(found + 1) / static_cast<double>(rank + 1);
      if (mode == "IR") {
        ap += cur;
      } else {
        const double old = rank > 0 ? static_cast<double>(found) / static_cast<double>(rank) : 1;
        ap += (old + cur) / 2;
      }
      ++found;
    }
    ap /= static_cast<double>(targets[i].size());
    total += ap * 100;
  }
  return total / static_cast<double>(n);
}

MMCPP_REGISTER(METRICS, RetrievalRecall, "dict(type='RetrievalRecall', topk=(1, 5))");
MMCPP_REGISTER(METRICS, RetrievalAveragePrecision,
               "dict(type='RetrievalAveragePrecision', topk=10)");

}  // namespace mmcpp::pretrain
