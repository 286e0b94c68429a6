// ConcatDataset, RepeatDataset, ClassBalancedDataset: index mapping, metainfo
// checks, repeat factors, building from configs, and what they refuse.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <string>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/data/dataset_wrapper.h"
#include "mmcpp/registry/registry.h"
#include "mmcpp/registry/root.h"
#include "tests/support/toy_data.h"

namespace mmcpp::data {
namespace {

using config::Value;

const std::string kDir = std::string(MMCPP_TEST_DATA_DIR) + "/datasets";

Value cfg(const std::string& text) {
  return config::Config::fromstring("c = " + text, ".py")
      .to_dict()
      .as_dict()
      .find("c")
      ->deep_copy();
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind() + ": " + e.what();
  }
  return "no error";
}

// A dataset with a chosen label list (get_cat_ids) and metainfo.
class LabelDataset : public BaseDataset {
 public:
  LabelDataset(std::vector<std::vector<std::int64_t>> cats, Value meta)
      : cats_(std::move(cats)), meta_(std::move(meta)) {}
  std::size_t size() const override { return cats_.size(); }
  Sample get(std::size_t index, const SampleContext& ctx) override {
    Sample s;
    s.inputs = torch::tensor({static_cast<double>(index), static_cast<double>(ctx.seed % 1000)});
    s.data_sample = std::make_shared<DataSample>();
    return s;
  }
  Value metainfo() const override { return meta_.deep_copy(); }
  std::vector<std::int64_t> get_cat_ids(std::size_t idx) const override { return cats_.at(idx); }

 private:
  std::vector<std::vector<std::int64_t>> cats_;
  Value meta_;
};

std::shared_ptr<BaseDataset> labels(std::vector<std::vector<std::int64_t>> cats,
                                    const std::string& meta = "dict(classes=('a', 'b'))") {
  return std::make_shared<LabelDataset>(std::move(cats), cfg(meta));
}

double index_of(const Sample& s) { return s.inputs[0].item<double>(); }

TEST(ConcatDataset, MapsIndicesAcrossDatasets) {
  auto a = labels({{0}, {1}, {0}});
  auto b = labels({{1}, {1}});
  ConcatDataset cat({a, b}, false, {});
  ASSERT_EQ(cat.size(), 5u);
  EXPECT_EQ(cat.cumulative_sizes(), (std::vector<std::size_t>{3, 5}));
  EXPECT_EQ(cat.get_ori_dataset_idx(2), (std::pair<std::size_t, std::size_t>{0, 2}));
  EXPECT_EQ(cat.get_ori_dataset_idx(3), (std::pair<std::size_t, std::size_t>{1, 0}));
  EXPECT_EQ(index_of(cat.get(4, SampleContext{})), 1.0);
  EXPECT_EQ(cat.get_cat_ids(3), (std::vector<std::int64_t>{1}));
  EXPECT_TRUE(cat.metainfo().equals(cfg("dict(classes=('a', 'b'))")));
  EXPECT_NE(error_of([&] { cat.get(5, SampleContext{}); }).find("IndexError"), std::string::npos);
  EXPECT_NE(error_of([&] { cat.get_subset(Value(1)); }).find("NotImplementedError"),
            std::string::npos);
}

TEST(ConcatDataset, MetainfoMustMatchExceptIgnoredKeys) {
  auto a = labels({{0}}, "dict(classes=('a', 'b'), version=1)");
  auto b = labels({{0}}, "dict(classes=('a', 'c'), version=1)");
  auto c = labels({{0}}, "dict(classes=['a', 'b'], version=1)");
  auto d = labels({{0}}, "dict(classes=('a', 'b'))");
  std::string e1 = error_of([&] { ConcatDataset({a, b}, false, {}); });
  EXPECT_NE(e1.find("ValueError: The meta information of the 2-th dataset does not match"),
            std::string::npos)
      << e1;
  EXPECT_EQ(error_of([&] { ConcatDataset({a, b}, false, {"classes"}); }), "no error");
  std::string e2 = error_of([&] { ConcatDataset({a, c}, false, {}); });
  EXPECT_NE(e2.find("TypeError: The type list of classes in the 2-th dataset"), std::string::npos)
      << e2;
  std::string e3 = error_of([&] { ConcatDataset({a, d}, false, {}); });
  EXPECT_NE(e3.find("ValueError: version does not in the meta information of the 2-th dataset"),
            std::string::npos)
      << e3;
  EXPECT_EQ(error_of([&] { ConcatDataset({a, d}, false, {"version"}); }), "no error");
}

TEST(RepeatDataset, RepeatsTheIndexRange) {
  RepeatDataset rep(labels({{0}, {1}, {0}}), 3, false);
  ASSERT_EQ(rep.size(), 9u);
  EXPECT_EQ(rep.get_ori_dataset_idx(7), 1u);
  EXPECT_EQ(index_of(rep.get(5, SampleContext{})), 2.0);
  EXPECT_NE(error_of([&] { rep.get_subset_(Value(1)); }).find("`RepeatDataset` dose not support"),
            std::string::npos);
}

TEST(ClassBalancedDataset, RepeatFactorsFollowCategoryFrequencies) {
  // 10 samples: category 0 in 8, category 1 in 2 (one of them also has 0),
  // sample 9 has none.
  std::vector<std::vector<std::int64_t>> cats = {{0}, {0}, {0},    {0}, {0},
                                                 {0}, {0}, {0, 1}, {1}, {}};
  ClassBalancedDataset cb(labels(cats), 0.5, false);
  // f(0) = 0.8 -> r = 1; f(1) = 0.2 -> r = sqrt(0.5 / 0.2) = 1.58 -> 2 copies.
  std::vector<double> f = cb.get_repeat_factors();
  EXPECT_DOUBLE_EQ(f[0], 1.0);
  EXPECT_DOUBLE_EQ(f[7], std::sqrt(0.5 / 0.2));
  EXPECT_DOUBLE_EQ(f[8], std::sqrt(0.5 / 0.2));
  EXPECT_DOUBLE_EQ(f[9], 1.0);
  EXPECT_EQ(cb.repeat_indices(), (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 7, 8, 8, 9}));
  EXPECT_EQ(cb.size(), 12u);
  EXPECT_EQ(index_of(cb.get(9, SampleContext{})), 8.0);
  EXPECT_EQ(cb.get_cat_ids(8), (std::vector<std::int64_t>{0, 1}));
}

TEST(ClassBalancedDataset, NeedsGetCatIds) {
  auto toy = std::make_shared<testing::ToyDataset>(testing::ToyDataset::Options{});
  std::string err = error_of([&] { ClassBalancedDataset(toy, 0.1, false); });
  EXPECT_NE(err.find("NotImplementedError"), std::string::npos) << err;
  // lazy_init defers the failure.
  EXPECT_EQ(error_of([&] { ClassBalancedDataset(toy, 0.1, true); }), "no error");
}

TEST(DatasetWrappers, BuildFromConfigs) {
  auto rep = registry::DATASETS().build(
      cfg("dict(type='RepeatDataset', times=2, dataset=dict(type='ToyDataset', size=5))"));
  EXPECT_EQ(rep->size(), 10u);
  auto cat = registry::DATASETS().build(
      cfg("dict(type='ConcatDataset', datasets=[dict(type='ToyDataset', size=3), "
          "dict(type='ToyDataset', size=4)], ignore_keys='classes')"));
  EXPECT_EQ(cat->size(), 7u);
  // The sample seed is the outer index's; the inner index picks the data.
  SampleContext ctx;
  ctx.seed = 42;
  EXPECT_EQ(index_of(cat->get(5, ctx)), 2.0);
  std::string bad = error_of(
      [&] { registry::DATASETS().build(cfg("dict(type='ConcatDataset', datasets=[1])")); });
  EXPECT_NE(bad.find("TypeError"), std::string::npos) << bad;
  std::string bad_keys = error_of([&] {
    registry::DATASETS().build(
        cfg("dict(type='ConcatDataset', datasets=[dict(type='ToyDataset')], ignore_keys=3)"));
  });
  EXPECT_NE(bad_keys.find("ignore_keys should be a list or str"), std::string::npos) << bad_keys;
}

}  // namespace
}  // namespace mmcpp::data
