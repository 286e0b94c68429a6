// PackInputs against MMPretrain: every case of cases/_packinputs.json (found at
// run time): the packed inputs tensor (raw uint8 C x H x W in its inputs_file)
// must be identical, and the DataSample's gt_label (or its absence) and metainfo
// equal to what the case records.
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

std::string dir() { return oracle_dir("transforms"); }

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

void expect_data_sample(const Value& c, const data::Results& r) {
  const auto& ds = *r.packed->data_sample;
  if (const Value* want_label = c.as_dict().find("data_sample_gt_label")) {
    ASSERT_TRUE(ds.has("gt_label"));
    const torch::Tensor label = ds.gt_label();
    EXPECT_EQ(label.scalar_type(), torch::kInt64);
    std::vector<std::int64_t> want;
    for (const Value& v : want_label->items()) want.push_back(v.as_int());
    EXPECT_EQ(std::vector<std::int64_t>(label.data_ptr<std::int64_t>(),
                                        label.data_ptr<std::int64_t>() + label.numel()),
              want);
  }
  if (const Value* has = c.as_dict().find("data_sample_has_gt_label")) {
    EXPECT_EQ(ds.has("gt_label"), has->truthy());
  }
  const Value* want_meta = c.as_dict().find("data_sample_metainfo");
  if (!want_meta) return;
  const auto& meta = ds.metainfo().as_dict();
  for (const auto& [key, value] : want_meta->as_dict().entries()) {
    const Value* mine = meta.find(key);
    ASSERT_NE(mine, nullptr) << "metainfo lacks " << key.as_str();
    if (key.as_str() == "img_path") {
      // Python ran with a relative path; ours is absolute.
      const std::string p = mine->as_str(), tail = value.as_str();
      ASSERT_GE(p.size(), tail.size());
      EXPECT_EQ(p.substr(p.size() - tail.size()), tail);
      continue;
    }
    EXPECT_EQ(as_lists(value).repr(), as_lists(*mine).repr()) << key.as_str();
  }
  // Nothing else in the metainfo than what MMPretrain packed (the default
  // meta_keys that the results held).
  EXPECT_EQ(meta.size(), want_meta->as_dict().size());
}

TEST(PackInputsOracle, EveryCaseMatchesMMPretrain) {
  const Value cases = decode_oracle_value(read_json_file(dir() + "/cases/_packinputs.json"));
  ASSERT_FALSE(cases.items().empty()) << "no PackInputs case in " << dir();
  for (const Value& c : cases.items()) {
    SCOPED_TRACE(c.as_dict().find("name")->as_str());
    const data::Results r = run_pipeline(c);
    expect_inputs(c, r);
    if (r.packed) expect_data_sample(c, r);
  }
}

}  // namespace
}  // namespace mmcpp::testing
