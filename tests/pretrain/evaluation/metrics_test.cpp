// MMPretrain's metrics beyond the oracle cases: the docstring examples of
// MMPretrain (calculate()), argument parsing and errors, key naming rules and
// the behaviour with labels instead of scores.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/evaluation/metrics/multi_label.h"
#include "mmcpp/pretrain/evaluation/metrics/retrieval.h"
#include "mmcpp/pretrain/evaluation/metrics/single_label.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {
namespace {

using config::Value;
using evaluation::MetricValue;

Value cfg(const std::string& text) {
  return *config::Config::fromstring("c = " + text, ".py").to_dict().as_dict().find("c");
}

std::shared_ptr<evaluation::BaseMetric> build(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  return METRICS().build(cfg(text));
}

data::DataSamplePtr sample(std::vector<float> score, std::int64_t gt) {
  auto s = std::make_shared<data::DataSample>();
  s->set("pred_score", torch::tensor(score));
  s->set("pred_label", torch::tensor({static_cast<std::int64_t>(
                           torch::tensor(score).argmax().item<std::int64_t>())}));
  s->set_gt_label(torch::tensor({gt}));
  return s;
}

evaluation::Metrics run(evaluation::BaseMetric& m, const data::DataSamples& samples) {
  m.process_batch(data::DataBatch{}, samples);
  return m.evaluate(samples.size());
}

const MetricValue& value(const evaluation::Metrics& m, const std::string& key) {
  for (const auto& [k, v] : m)
    if (k == key) return v;
  throw Error("KeyError", key);
}

std::vector<std::string> keys(const evaluation::Metrics& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m) out.push_back(k);
  return out;
}

TEST(AccuracyTest, DocstringExamples) {
  torch::Tensor acc =
      Accuracy::calculate_labels(torch::tensor({0, 2, 1, 3}), torch::tensor({0, 1, 2, 3}));
  EXPECT_FLOAT_EQ(acc.item<float>(), 50.0f);
  auto scores = torch::tensor({{0.1f, 0.7f, 0.2f}, {0.5f, 0.3f, 0.2f}});
  auto r = Accuracy::calculate(scores, torch::tensor({2, 0}), {1, 2}, {std::nullopt});
  EXPECT_FLOAT_EQ(r[0][0].item<float>(), 50.0f);
  EXPECT_FLOAT_EQ(r[1][0].item<float>(), 100.0f);
}

TEST(AccuracyTest, KeysAndThresholds) {
  // Sample 0 right at top-1 (score 0.7); sample 1 right only at top-2 (score 0.3).
  data::DataSamples s = {sample({0.1f, 0.7f, 0.2f}, 1), sample({0.5f, 0.3f, 0.2f}, 1)};
  EXPECT_EQ(keys(run(*build("dict(type='Accuracy')"), s)),
            std::vector<std::string>{"accuracy/top1"});
  auto m = run(*build("dict(type='Accuracy', topk=(1, 2), thrs=(None, 0.6), prefix='acc')"), s);
  EXPECT_EQ(keys(m), (std::vector<std::string>{"acc/top1_no-thr", "acc/top1_thr-0.60",
                                               "acc/top2_no-thr", "acc/top2_thr-0.60"}));
  EXPECT_EQ(value(m, "acc/top1_thr-0.60").scalar(), 50.0);
  EXPECT_EQ(value(m, "acc/top2_thr-0.60").scalar(), 50.0);
  EXPECT_EQ(value(m, "acc/top1_no-thr").scalar(), 50.0);
  EXPECT_EQ(value(m, "acc/top2_no-thr").scalar(), 100.0);
  // A single None threshold: no suffix.
  EXPECT_EQ(keys(run(*build("dict(type='Accuracy', thrs=None)"), s)),
            std::vector<std::string>{"accuracy/top1"});
}

TEST(AccuracyTest, Errors) {
  // thrs=0 (an int) is Python's TypeError: 'int' object is not iterable.
  try {
    build("dict(type='Accuracy', thrs=0)");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
  }
  auto m = build("dict(type='Accuracy', topk=5)");
  try {
    run(*m, {sample({0.1f, 0.7f, 0.2f}, 1)});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ValueError");
    EXPECT_NE(std::string(e.what()).find("Top-5 accuracy is unavailable since the number of "
                                         "categories is 3. Please check the `val_evaluator`"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(build("dict(type='Accuracy', topk=1, tpk=2)"), Error);  // unknown argument
}

TEST(AccuracyTest, LabelsOnly) {
  auto s1 = std::make_shared<data::DataSample>();
  s1->set("pred_label", torch::tensor({3}));
  s1->set_gt_label(torch::tensor({3}));
  auto s2 = std::make_shared<data::DataSample>();
  s2->set("pred_label", torch::tensor({1}));
  s2->set_gt_label(torch::tensor({3}));
  auto m = run(*build("dict(type='Accuracy', topk=(1, 5))"), {s1, s2});
  ASSERT_EQ(keys(m), std::vector<std::string>{"accuracy/top1"});  // topk ignored
  EXPECT_EQ(value(m, "accuracy/top1").scalar(), 50.0);
}

TEST(SingleLabelMetricTest, DocstringExampleAndLabels) {
  auto [p, r, f, s] = SingleLabelMetric::calculate_labels(
      torch::tensor({0, 1, 1, 3}), torch::tensor({0, 2, 1, 3}), std::string("macro"), 4);
  EXPECT_FLOAT_EQ(p.item<float>(), 62.5f);
  EXPECT_FLOAT_EQ(r.item<float>(), 75.0f);
  EXPECT_NEAR(f.item<float>(), 66.6667f, 1e-4);
  EXPECT_EQ(s.item<std::int64_t>(), 4);

  // pred_label only: num_classes from the argument or the sample's metainfo.
  auto a = std::make_shared<data::DataSample>();
  a->set("pred_label", torch::tensor({1}));
  a->set_gt_label(torch::tensor({1}));
  EXPECT_THROW(run(*build("dict(type='SingleLabelMetric')"), {a}), Error);
  a->set_metainfo("num_classes", Value(4));
  auto m = run(*build("dict(type='SingleLabelMetric', average=None)"), {a});
  EXPECT_EQ(keys(m), (std::vector<std::string>{"single-label/precision_classwise",
                                               "single-label/recall_classwise",
                                               "single-label/f1-score_classwise"}));
  EXPECT_EQ(value(m, "single-label/recall_classwise").float_values(),
            (std::vector<double>{0, 100, 0, 0}));
}

TEST(SingleLabelMetricTest, ArgumentChecks) {
  EXPECT_THROW(build("dict(type='SingleLabelMetric', items=('precision', 'acc'))"), Error);
  auto m = build("dict(type='SingleLabelMetric', average='weighted')");
  EXPECT_THROW(run(*m, {sample({0.2f, 0.8f}, 1)}), Error);
}

TEST(ConfusionMatrixTest, DocstringExampleScoresAndNumClassesFromScores) {
  torch::Tensor m =
      ConfusionMatrix::calculate(torch::tensor({0, 1, 1, 3}), torch::tensor({0, 2, 1, 3}), 4);
  EXPECT_TRUE(
      torch::equal(m, torch::tensor({{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 1, 0, 0}, {0, 0, 0, 1}})));
  EXPECT_EQ(m.scalar_type(), torch::kLong);
  EXPECT_THROW(ConfusionMatrix::calculate(torch::tensor({0, 1}), torch::tensor({0, 1})), Error);
  auto r = run(*build("dict(type='ConfusionMatrix')"),
               {sample({0.1f, 0.9f, 0.0f}, 1), sample({0.8f, 0.1f, 0.1f}, 2)});
  ASSERT_EQ(keys(r), std::vector<std::string>{"confusion_matrix/result"});
  const MetricValue& v = value(r, "confusion_matrix/result");
  EXPECT_FALSE(v.is_scalar());
  EXPECT_TRUE(torch::equal(v.tensor_value(), torch::tensor({{0, 0, 0}, {0, 1, 0}, {1, 0, 0}})));
}

TEST(MultiLabelMetricTest, DocstringExamples) {
  // y_pred = [[0], [1], [0, 1], [3]], y_true = [[0, 3], [0, 2], [1], [3]] as one-hot.
  auto pred = torch::tensor(
      {{1.f, 0.f, 0.f, 0.f}, {0.f, 1.f, 0.f, 0.f}, {1.f, 1.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 1.f}});
  auto target = torch::tensor({{1, 0, 0, 1}, {1, 0, 1, 0}, {0, 1, 0, 0}, {0, 0, 0, 1}});
  auto [p, r, f, s] =
      MultiLabelMetric::calculate(pred, target, std::string("macro"), std::nullopt, std::nullopt);
  EXPECT_FLOAT_EQ(p.item<float>(), 50.0f);
  EXPECT_FLOAT_EQ(r.item<float>(), 50.0f);
  EXPECT_NEAR(f.item<float>(), 45.8333f, 1e-4);
  EXPECT_EQ(s.item<std::int64_t>(), 6);
  // The one-hot example: (43.75, 31.25, 33.3333, 8).
  auto p2 = torch::tensor({{1.f, 1.f, 0.f, 0.f},
                           {1.f, 1.f, 0.f, 0.f},
                           {0.f, 0.f, 1.f, 0.f},
                           {0.f, 1.f, 0.f, 0.f},
                           {0.f, 1.f, 0.f, 0.f}});
  auto t2 = torch::tensor({{1, 1, 0, 0}, {0, 0, 1, 0}, {1, 1, 1, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}});
  auto [p2m, r2m, f2m, s2m] =
      MultiLabelMetric::calculate(p2, t2, std::string("macro"), std::nullopt, std::nullopt);
  EXPECT_FLOAT_EQ(p2m.item<float>(), 43.75f);
  EXPECT_FLOAT_EQ(r2m.item<float>(), 31.25f);
  EXPECT_NEAR(f2m.item<float>(), 33.3333f, 1e-4);
  EXPECT_EQ(s2m.item<std::int64_t>(), 8);
}

TEST(MultiLabelMetricTest, KeyNaming) {
  auto s = std::make_shared<data::DataSample>();
  s->set("pred_score", torch::tensor({0.9f, 0.2f, 0.6f}));
  s->set_gt_label(torch::tensor({0, 2}));  // label indices -> one-hot
  auto names = [&](const std::string& c) { return keys(run(*build(c), {s})); };
  EXPECT_EQ(names("dict(type='MultiLabelMetric')"),
            (std::vector<std::string>{"multi-label/precision", "multi-label/recall",
                                      "multi-label/f1-score"}));
  EXPECT_EQ(names("dict(type='MultiLabelMetric', thr=0.3, items=('support',))"),
            std::vector<std::string>{"multi-label/support_thr-0.30"});
  EXPECT_EQ(names("dict(type='MultiLabelMetric', topk=2, average='micro', items=('recall',))"),
            std::vector<std::string>{"multi-label/recall_top2_micro"});
  // `if self.thr:` treats thr=0.0 as unset: the keys are named after topk (None).
  EXPECT_EQ(names("dict(type='MultiLabelMetric', thr=0.0, items=('recall',))"),
            std::vector<std::string>{"multi-label/recall_topNone"});
  auto m = run(*build("dict(type='MultiLabelMetric', average=None, items=('recall',))"), {s});
  EXPECT_EQ(value(m, "multi-label/recall_classwise").float_values(),
            (std::vector<double>{100, 0, 100}));
}

TEST(AveragePrecisionTest, DocstringExample) {
  auto pred = torch::tensor({{0.9f, 0.8f, 0.3f, 0.2f},
                             {0.1f, 0.2f, 0.2f, 0.1f},
                             {0.7f, 0.5f, 0.9f, 0.3f},
                             {0.8f, 0.1f, 0.1f, 0.2f}});
  auto target = torch::tensor({{1, 1, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {1, 0, 0, 0}});
  EXPECT_NEAR(AveragePrecision::calculate(pred, target, std::string("macro")).item<float>(),
              70.833f, 1e-3);
  torch::Tensor per_class = AveragePrecision::calculate(pred, target, std::nullopt);
  EXPECT_NEAR(per_class[0].item<float>(), 100.0f, 1e-4);
  EXPECT_NEAR(per_class[1].item<float>(), 83.3333f, 1e-3);
  EXPECT_NEAR(per_class[2].item<float>(), 100.0f, 1e-4);
  EXPECT_NEAR(per_class[3].item<float>(), 0.0f, 1e-4);
  EXPECT_THROW(AveragePrecision::calculate(pred, target, std::string("micro")), Error);
}

TEST(RetrievalTest, RecallAndAveragePrecision) {
  // y_pred = [[0], [1], [2], [3]], y_true = [[0, 1], [2], [1], [0, 3]] -> Recall@1 = 50.
  auto pred = torch::eye(4);
  auto target = torch::tensor({{1, 1, 0, 0}, {0, 0, 1, 0}, {0, 1, 0, 0}, {1, 0, 0, 1}});
  auto r = RetrievalRecall::calculate(pred, target, {1});
  EXPECT_FLOAT_EQ(r[0].item<float>(), 50.0f);
  auto lin = torch::linspace(0.95, 0.05, 10).unsqueeze(0).repeat({2, 1});
  auto t = torch::tensor({1, 0, 1, 0, 0, 1, 0, 0, 1, 1}).unsqueeze(0).repeat({2, 1});
  EXPECT_DOUBLE_EQ(RetrievalAveragePrecision::calculate(lin, t, 10), 62.222222222222214);

  data::DataSamples samples;
  for (int i = 0; i < 4; ++i) {
    auto s = std::make_shared<data::DataSample>();
    s->set("pred_score", pred[i]);
    s->set("gt_score", target[i]);
    samples.push_back(s);
  }
  auto m = run(*build("dict(type='RetrievalRecall', topk=(1, 2))"), samples);
  EXPECT_EQ(keys(m), (std::vector<std::string>{"retrieval/Recall@1", "retrieval/Recall@2"}));
  EXPECT_EQ(value(m, "retrieval/Recall@1").scalar(), 50.0);
  EXPECT_THROW(build("dict(type='RetrievalRecall', topk=0)"), Error);
  EXPECT_THROW(build("dict(type='RetrievalRecall')"), Error);  // topk is required
}

}  // namespace
}  // namespace mmcpp::pretrain
