// PackInputs against MMPretrain (cases/_packinputs.json): the packed inputs
// tensor (raw uint8 C x H x W in outputs/packinputs_*.bin) must be identical,
// and the DataSample's gt_label and metainfo equal.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "mmcpp/data/transform.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"
#include "tests/support/oracle.h"

namespace mmcpp::testing {
namespace {

using config::Value;

std::string dir() { return oracle_dir() + "/transforms"; }

bool oracle_present() {
  return !oracle_dir().empty() && std::ifstream(dir() + "/cases/_packinputs.json").good();
}

Value packinputs_case(const std::string& name) {
  const Value cases = decode_oracle_value(read_json_file(dir() + "/cases/_packinputs.json"));
  for (const Value& c : cases.items()) {
    if (c.as_dict().find("name")->as_str() == name) return c;
  }
  throw std::runtime_error("no PackInputs case " + name);
}

// JSON has no tuples: compare with tuples turned into lists.
Value as_lists(const Value& v) {
  if (!v.is_sequence()) return v;
  Value::Items items;
  for (const Value& x : v.items()) items.push_back(as_lists(x));
  return Value::list(std::move(items));
}

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs the case's pipeline on its image (absolute path) and returns the results.
data::Results run_pipeline(const Value& c) {
  registry::ScopeGuard scope("mmpretrain");
  auto pipeline = data::Compose::from_list(c.as_dict().find("pipeline")->deep_copy());
  data::Results r;
  r.info.as_dict().set(Value("img_path"),
                       Value(dir() + "/" + c.as_dict().find("input_image")->as_str()));
  if (const Value* label = c.as_dict().find("results_gt_label_before_pack")) {
    r.info.as_dict().set(Value("gt_label"), *label);
  }
  Rng rng(0);
  EXPECT_TRUE(pipeline->transform(r, rng));
  return r;
}

void expect_inputs(const Value& c, const data::Results& r) {
  ASSERT_TRUE(r.packed.has_value());
  const torch::Tensor& inputs = r.packed->inputs;
  std::vector<std::int64_t> shape;
  for (const Value& s : c.as_dict().find("inputs_shape")->items()) shape.push_back(s.as_int());
  ASSERT_EQ(inputs.sizes().vec(), shape);
  EXPECT_EQ(inputs.scalar_type(), torch::kUInt8);
  EXPECT_TRUE(inputs.is_contiguous());
  const std::string expected = read_bytes(dir() + "/" + c.as_dict().find("inputs_file")->as_str());
  ASSERT_EQ(expected.size(), static_cast<std::size_t>(inputs.numel()));
  EXPECT_EQ(std::memcmp(expected.data(), inputs.data_ptr(), expected.size()), 0)
      << "packed inputs differ from MMPretrain's";
}

TEST(PackInputsOracle, Color) {
  if (!oracle_present()) GTEST_SKIP() << "transform oracle absent (MMCPP_ORACLE_DIR)";
  const Value c = packinputs_case("packinputs_color");
  const data::Results r = run_pipeline(c);
  expect_inputs(c, r);
  const auto& ds = *r.packed->data_sample;
  const torch::Tensor label = ds.gt_label();
  EXPECT_EQ(label.scalar_type(), torch::kInt64);
  std::vector<std::int64_t> want;
  for (const Value& v : c.as_dict().find("data_sample_gt_label")->items())
    want.push_back(v.as_int());
  EXPECT_EQ(std::vector<std::int64_t>(label.data_ptr<std::int64_t>(),
                                      label.data_ptr<std::int64_t>() + label.numel()),
            want);
  const auto& meta = ds.metainfo().as_dict();
  for (const auto& [key, value] : c.as_dict().find("data_sample_metainfo")->as_dict().entries()) {
    const Value* mine = meta.find(key);
    ASSERT_NE(mine, nullptr) << "metainfo lacks " << key.as_str();
    if (key.as_str() == "img_path") {
      // Python ran with a relative path; ours is absolute.
      const std::string p = mine->as_str(), tail = value.as_str();
      EXPECT_EQ(p.substr(p.size() - tail.size()), tail);
      continue;
    }
    EXPECT_EQ(as_lists(value).repr(), as_lists(*mine).repr()) << key.as_str();
  }
  // Nothing else in the metainfo than what MMPretrain packed (the default
  // meta_keys that the results held).
  EXPECT_EQ(meta.size(), c.as_dict().find("data_sample_metainfo")->as_dict().size());
}

TEST(PackInputsOracle, Gray2d) {
  if (!oracle_present()) GTEST_SKIP() << "transform oracle absent (MMCPP_ORACLE_DIR)";
  {
    registry::ScopeGuard scope("mmpretrain");
    if (!registry::TRANSFORMS().get("RandomGrayscale")) {
      GTEST_SKIP() << "RandomGrayscale is not registered (written by the colour-transform "
                      "helper); packinputs_gray2d needs it";
    }
  }
  const Value c = packinputs_case("packinputs_gray2d");
  const data::Results r = run_pipeline(c);
  expect_inputs(c, r);
  EXPECT_FALSE(r.packed->data_sample->has("gt_label"));
}

}  // namespace
}  // namespace mmcpp::testing
