// Evaluator and BaseMetric: config forms, prefixes, reset, duplicate names.
#include <gtest/gtest.h>

#include <string>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/evaluation/metric.h"
#include "tests/support/toy_data.h"

namespace mmcpp::evaluation {
namespace {

config::Value cfg(const std::string& text) {
  return *config::Config::fromstring("c = " + text, ".py").to_dict().as_dict().find("c");
}

// Predictions for labels `gt` with predicted labels `pred`.
data::DataSamples predictions(const std::vector<int>& gt, const std::vector<int>& pred) {
  data::DataSamples out;
  for (std::size_t i = 0; i < gt.size(); ++i) {
    auto s = std::make_shared<data::DataSample>();
    s->set_gt_label(torch::tensor({static_cast<std::int64_t>(gt[i])}));
    s->set("pred_label", torch::tensor({static_cast<std::int64_t>(pred[i])}));
    out.push_back(s);
  }
  return out;
}

double value(const Metrics& m, const std::string& name) {
  for (const auto& [k, v] : m)
    if (k == name) return v;
  ADD_FAILURE() << "no metric " << name;
  return -1;
}

TEST(Evaluator, OneMetricDictPrefixesWithTheDefaultPrefix) {
  auto ev = Evaluator::from_config(cfg("dict(type='ToyAccuracy')"));
  ASSERT_EQ(ev->metrics().size(), 1u);
  data::DataBatch batch;
  ev->process(batch, predictions({0, 1, 1, 0}, {0, 1, 0, 0}));
  ev->process(batch, predictions({1}, {1}));
  Metrics m = ev->evaluate(5);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].first, "toy/accuracy");  // the metric's order is kept
  EXPECT_EQ(m[1].first, "toy/count");
  EXPECT_DOUBLE_EQ(m[0].second, 80.0);
  // evaluate() reset the metric: nothing left for the next round.
  EXPECT_EQ(ev->metrics()[0]->processed(), 0u);
  ev->process(batch, predictions({1}, {0}));
  Metrics again = ev->evaluate(1);
  EXPECT_DOUBLE_EQ(value(again, "toy/accuracy"), 0.0);
  EXPECT_DOUBLE_EQ(value(again, "toy/count"), 1.0);
}

TEST(Evaluator, PrefixArgumentAndConfigForms) {
  auto listed = Evaluator::from_config(
      cfg("[dict(type='ToyAccuracy'), dict(type='ToyAccuracy', prefix='val')]"));
  ASSERT_EQ(listed->metrics().size(), 2u);
  EXPECT_EQ(listed->metrics()[1]->prefix(), "val");
  data::DataBatch batch;
  listed->process(batch, predictions({0, 1}, {0, 0}));
  Metrics m = listed->evaluate(2);
  EXPECT_DOUBLE_EQ(value(m, "toy/accuracy"), 50.0);
  EXPECT_DOUBLE_EQ(value(m, "val/accuracy"), 50.0);

  auto wrapped = Evaluator::from_config(
      cfg("dict(type='Evaluator', metrics=[dict(type='ToyAccuracy', prefix='a'), "
          "dict(type='ToyAccuracy', prefix='b')])"));
  EXPECT_EQ(wrapped->metrics().size(), 2u);
  // A dict with `metrics` and no type is an Evaluator config too.
  auto untyped = Evaluator::from_config(cfg("dict(metrics=dict(type='ToyAccuracy'))"));
  EXPECT_EQ(untyped->metrics().size(), 1u);

  auto meta = cfg("dict(classes=['x', 'y'])");
  wrapped->set_dataset_meta(meta);
  for (const auto& metric : wrapped->metrics()) EXPECT_TRUE(metric->dataset_meta().equals(meta));
}

TEST(Evaluator, DuplicateMetricNamesAreAValueError) {
  auto ev = Evaluator::from_config(cfg("[dict(type='ToyAccuracy'), dict(type='ToyAccuracy')]"));
  data::DataBatch batch;
  ev->process(batch, predictions({0}, {0}));
  try {
    ev->evaluate(1);
    FAIL() << "duplicate names accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ValueError");
    EXPECT_NE(std::string(e.what()).find("toy/accuracy"), std::string::npos) << e.what();
  }
}

TEST(Evaluator, BadConfigs) {
  EXPECT_THROW(Evaluator::from_config(config::Value(std::int64_t{3})), Error);
  try {
    Evaluator::from_config(cfg("dict(type='Evaluator', metrics=[], metric=1)"));
    FAIL() << "unknown key accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
    EXPECT_NE(std::string(e.what()).find("'metric'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Evaluator::from_config(cfg("[dict(type='ToyAccuracy'), 'x']")), Error);
  try {
    Evaluator::from_config(cfg("dict(type='ToyAccuracy', prefx='v')"));
    FAIL() << "unknown metric argument accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
    EXPECT_NE(std::string(e.what()).find("prefx"), std::string::npos) << e.what();
  }
  try {
    Evaluator::from_config(cfg("dict(type='ToyAccuracy', collect_device='gpu', collect_dir='/t')"));
    FAIL() << "collect_dir with gpu accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ValueError");
  }
}

TEST(BaseMetric, PrefixFallbackAndSizeMismatchWarning) {
  testing::ToyAccuracy metric("cpu", std::string("val"));
  EXPECT_EQ(metric.prefix(), "val");
  testing::ToyAccuracy fallback("cpu", std::string(""));  // `prefix or default_prefix`
  EXPECT_EQ(fallback.prefix(), "toy");
  data::DataBatch batch;
  metric.process_batch(batch, predictions({2, 2}, {2, 2}));
  EXPECT_EQ(metric.processed(), 2u);
  Metrics m = metric.evaluate(3);  // size mismatch: a warning only
  EXPECT_DOUBLE_EQ(value(m, "val/accuracy"), 100.0);
}

}  // namespace
}  // namespace mmcpp::evaluation
