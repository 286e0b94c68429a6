// MetricValue (scalars, classwise lists, tensors), the collection step of
// BaseMetric.evaluate and Evaluator.offline_evaluate.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/evaluation/metric.h"
#include "mmcpp/io/py_object.h"
#include "tests/support/toy_data.h"

namespace mmcpp::evaluation {
namespace {

TEST(MetricValueTest, KindsAndConversions) {
  MetricValue f = 92.5;
  EXPECT_TRUE(f.is_scalar());
  EXPECT_EQ(static_cast<double>(f), 92.5);
  EXPECT_EQ(f.repr(), "92.5");
  MetricValue i = MetricValue::integer(200);
  EXPECT_TRUE(i.is_scalar());
  EXPECT_TRUE(i.to_value().is_int());
  EXPECT_EQ(i.repr(), "200");

  MetricValue fl = MetricValue::from_tolist(torch::tensor({1.5f, 2.0f}));
  EXPECT_EQ(fl.kind(), MetricValue::Kind::FloatList);
  EXPECT_FALSE(fl.is_scalar());
  EXPECT_THROW(fl.scalar(), Error);
  EXPECT_EQ(fl.repr(), "[1.5, 2.0]");
  MetricValue il = MetricValue::from_tolist(torch::tensor({3, 4}));
  EXPECT_EQ(il.kind(), MetricValue::Kind::IntList);
  EXPECT_EQ(il.repr(), "[3, 4]");
  EXPECT_EQ(MetricValue::from_tolist(torch::tensor(7)).kind(), MetricValue::Kind::Int);
  EXPECT_EQ(MetricValue::from_tolist(torch::tensor(7.5f)).scalar(), 7.5);

  MetricValue t = MetricValue::tensor(torch::tensor({{2, 10}, {0, 3}}));
  EXPECT_FALSE(t.is_scalar());
  EXPECT_EQ(t.repr(), "tensor([[ 2, 10],\n        [ 0,  3]])");
  EXPECT_EQ(t.to_value().repr(), "[[2, 10], [0, 3]]");
  io::PyObject py = t.to_py();
  ASSERT_TRUE(py.is_tensor());
  EXPECT_TRUE(torch::equal(py.as_tensor(), t.tensor_value()));
  EXPECT_TRUE(t.equals(MetricValue::tensor(torch::tensor({{2, 10}, {0, 3}}))));
  EXPECT_FALSE(t.equals(il));
  // One-element tensors count as scalars (MMEngine's _is_scalar).
  EXPECT_TRUE(MetricValue::tensor(torch::tensor({4.0f})).is_scalar());
}

TEST(MetricValueTest, TensorReprAsTorch) {
  EXPECT_EQ(tensor_repr(torch::tensor({0.5f, 1.25f})), "tensor([0.5000, 1.2500])");
  EXPECT_EQ(tensor_repr(torch::tensor({1.0f, 2.0f})), "tensor([1., 2.])");
  EXPECT_EQ(tensor_repr(torch::tensor({1, 2}, torch::kInt)), "tensor([1, 2], dtype=torch.int32)");
  std::string big = tensor_repr(torch::zeros({2000}, torch::kLong));
  EXPECT_NE(big.find("0, 0, 0,  ..., 0, 0, 0]"), std::string::npos) << big;
}

// A metric in MMEngine's style: one record per sample in results_.
class CountMetric : public BaseMetric {
 public:
  CountMetric() : BaseMetric("cpu", std::nullopt, "count", "CountMetric") {}
  void process(const data::DataBatch&, const data::DataSamples& predictions) override {
    for (const auto& p : predictions) results_.push_back(p);
  }
  Metrics compute_metrics(const Results& results) override {
    seen = results.size();
    return {{"n", MetricValue::integer(static_cast<std::int64_t>(results.size()))}};
  }
  std::size_t seen = 0;
};

data::DataSamples samples(int n) {
  data::DataSamples out;
  for (int i = 0; i < n; ++i) {
    auto s = std::make_shared<data::DataSample>();
    s->set_gt_label(torch::tensor({i % 2}));
    s->set("pred_label", torch::tensor({0}));
    out.push_back(s);
  }
  return out;
}

TEST(BaseMetricTest, CollectedResultsAreCutToTheDatasetSize) {
  CountMetric m;
  m.process_batch(data::DataBatch{}, samples(5));  // a padded last batch
  Metrics r = m.evaluate(4);
  EXPECT_EQ(m.seen, 4u);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, "count/n");
  EXPECT_EQ(r[0].second.repr(), "4");
  // Cleared after evaluate().
  EXPECT_EQ(m.processed(), 0u);
  m.evaluate(0);
  EXPECT_EQ(m.seen, 0u);
}

TEST(EvaluatorTest, OfflineEvaluateInChunks) {
  auto count = std::make_shared<CountMetric>();
  auto toy = std::make_shared<testing::ToyAccuracy>("cpu", std::nullopt);
  Evaluator ev({count, toy});
  Metrics r = ev.offline_evaluate(samples(7), nullptr, 3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].first, "count/n");
  EXPECT_EQ(r[0].second.repr(), "7");
  EXPECT_EQ(r[1].first, "toy/accuracy");
  EXPECT_NEAR(r[1].second.scalar(), 400.0 / 7.0, 1e-12);
  EXPECT_THROW(ev.offline_evaluate(samples(2), nullptr, 0), Error);
  std::vector<data::Sample> data(3);
  EXPECT_THROW(ev.offline_evaluate(samples(2), &data), Error);  // lengths differ
}

}  // namespace
}  // namespace mmcpp::evaluation
