#include "mmcpp/data/transform.h"

#include <gtest/gtest.h>

#include "mmcpp/core/error.h"
#include "mmcpp/registry/registry.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::data {
namespace {

using config::Value;

// Appends its tag to results.info["trace"]; drops the sample when told to.
class TraceTransform : public Transform {
 public:
  TraceTransform(std::string tag, bool drop) : tag_(std::move(tag)), drop_(drop) {}
  bool transform(Results& r, Rng&) const override {
    Value* trace = r.info.as_dict().find("trace");
    const std::string before = trace ? trace->as_str() : "";
    r.info.as_dict().set(Value("trace"), Value(before + tag_));
    return !drop_;
  }
  std::string repr() const override { return "TraceTransform(tag=" + tag_ + ")"; }

 private:
  std::string tag_;
  bool drop_;
};

std::string trace(const Results& r) { return r.info.as_dict().find("trace")->as_str(); }

TEST(Compose, RunsInOrderAndStopsWhenATransformDrops) {
  Rng rng(0);
  Compose all(
      {std::make_shared<TraceTransform>("a", false), std::make_shared<TraceTransform>("b", false)});
  Results r;
  EXPECT_TRUE(all.transform(r, rng));
  EXPECT_EQ(trace(r), "ab");

  Compose dropping(
      {std::make_shared<TraceTransform>("a", true), std::make_shared<TraceTransform>("b", false)});
  Results d;
  EXPECT_FALSE(dropping.transform(d, rng));
  EXPECT_EQ(trace(d), "a");
  EXPECT_NE(dropping.repr().find("TraceTransform(tag=a)"), std::string::npos);
}

TEST(Compose, PipelineMustBeAListOfDicts) {
  EXPECT_TRUE(Compose::from_list(Value())->transforms().empty());
  EXPECT_THROW(Compose::from_list(Value("LoadImageFromFile")), Error);
  EXPECT_THROW(Compose::from_list(Value::list({Value(1)})), Error);
  try {
    Value cfg = Value::dict(false);
    cfg.as_dict().set(Value("type"), Value("NoSuchTransform"));
    Compose::from_list(Value::list({cfg}));
    FAIL() << "an unknown transform type must fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "KeyError");
  }
}

TEST(Results, ImageAccessNamesWhatIsMissingAndSetImgRecordsTheShape) {
  Results r;
  try {
    r.img();
    FAIL() << "no image";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "KeyError");
    EXPECT_NE(std::string(e.what()).find("LoadImageFromFile"), std::string::npos);
  }
  r.set_img(torch::zeros({4, 6, 3}, torch::kUInt8));
  EXPECT_TRUE(r.has_img());
  EXPECT_EQ(r.info.as_dict().find("img_shape")->repr(), "(4, 6)");
}

}  // namespace
}  // namespace mmcpp::data
