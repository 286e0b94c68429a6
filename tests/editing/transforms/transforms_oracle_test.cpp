// MMagic's transforms against the oracle (MMCPP_ORACLE_DIR/editing/transforms):
// every case file is run — single transforms after their setup, whole
// pipelines, and expected errors — replaying the numpy draws MMagic made
// (PairedRandomCrop's randint, Flip's / RandomTransposeHW's random), and
// compared bit for bit: output arrays (PNG / md5 / shape / contiguity), the
// results dict, every pipeline stage, and PackInputs' tensors and metainfo.
#include <gtest/gtest.h>

#include <any>

#include <opencv2/imgcodecs.hpp>

#include "mmcpp/core/error.h"
#include "mmcpp/core/rng.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/data/transform.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/structures/data_sample.h"
#include "mmcpp/registry/registry.h"
#include "tests/editing/editing_oracle.h"

namespace mmcpp::editing {
namespace {

using config::Value;
using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

data::TransformPtr build(const json& cfg) {
  registry::ScopeGuard scope("mmagic");
  return TRANSFORMS().build(testing::decode_oracle_value(cfg));
}

// The recorded draws as Rng::replay takes them (each a config Value in a std::any).
std::vector<std::pair<std::string, std::any>> recorded_draws(const json& c) {
  std::vector<std::pair<std::string, std::any>> out;
  if (!c.contains("draws")) return out;
  for (const auto& d : c["draws"])
    out.emplace_back(d["fn"].get<std::string>(),
                     std::any(testing::decode_oracle_value(d["result"])));
  return out;
}

data::Results initial_results(const json& c) {
  data::Results r;
  r.info = testing::decode_oracle_value(c["initial_results"]);
  return r;
}

// The info of the results (everything but the arrays), for results_after.
void expect_info(const json& expected, const data::Results& got, const std::string& what) {
  // MMagic's results also hold the images; here they are in `arrays`.
  Value want = testing::decode_oracle_value(expected);
  std::string diff = testing::strict_diff(want, got.info);
  EXPECT_EQ(diff, "") << what;
}

void expect_image_stats(const json& spec, const torch::Tensor& t, const std::string& what) {
  std::vector<std::int64_t> shape = spec["shape"].get<std::vector<std::int64_t>>();
  EXPECT_EQ(t.sizes().vec(), shape) << what;
  EXPECT_EQ(testing::tensor_md5(t), spec["md5_raw"].get<std::string>()) << what << " md5";
  const char* flag = spec.contains("c_contiguous") ? "c_contiguous" : "is_contiguous";
  if (spec.contains(flag))
    EXPECT_EQ(t.is_contiguous(), spec[flag].get<bool>()) << what << " contiguity";
}

void expect_output_png(const fs::path& split, const json& spec, const torch::Tensor& t,
                       const std::string& what) {
  expect_image_stats(spec, t, what);
  cv::Mat png = cv::imread((split / "transforms" / spec["file"].get<std::string>()).string(),
                           cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(png.empty()) << what;
  torch::Tensor want = mmcv::as_tensor(png, true);
  ASSERT_EQ(want.sizes(), t.sizes()) << what;
  EXPECT_TRUE(torch::equal(want, t.contiguous())) << what << ": pixels differ";
  if (spec.contains("sum"))
    EXPECT_EQ(t.to(torch::kLong).sum().item<std::int64_t>(), spec["sum"].get<std::int64_t>())
        << what;
}

void expect_packed(const fs::path& split, const json& spec, const data::Results& r,
                   const std::string& what) {
  ASSERT_TRUE(r.packed.has_value()) << what << ": nothing packed";
  const data::Sample& s = *r.packed;
  const DataSamplePtr& sample = s.data_sample;
  ASSERT_NE(sample, nullptr) << what;
  const fs::path out = split / "transforms" / "outputs";
  if (spec["inputs_type"] == "Tensor") {
    ASSERT_TRUE(s.inputs.defined()) << what;
    expect_image_stats(spec["inputs"], s.inputs, what + " inputs");
    EXPECT_TRUE(
        torch::equal(s.inputs, testing::read_bin(out / spec["inputs"]["bin"].get<std::string>())))
        << what;
  } else {
    EXPECT_FALSE(s.inputs.defined()) << what << ": a dict of inputs expected";
    const auto inputs = inputs_dict(*sample);
    EXPECT_EQ(inputs.size(), spec["inputs"].size()) << what;
    for (const auto& [k, v] : spec["inputs"].items()) {
      auto it = inputs.find(k);
      ASSERT_NE(it, inputs.end()) << what << ": no input " << k;
      expect_image_stats(v, it->second, what + " inputs." + k);
      EXPECT_TRUE(torch::equal(it->second, testing::read_bin(out / v["bin"].get<std::string>())))
          << what << " " << k;
    }
  }
  std::set<std::string> keys;
  for (const auto& k : data_field_keys(*sample)) keys.insert(k);
  std::set<std::string> want_keys;
  for (const auto& k : spec["data_sample_data_keys"]) want_keys.insert(k.get<std::string>());
  EXPECT_EQ(keys, want_keys) << what;
  testing::expect_same_dict(testing::decode_oracle_value(spec["data_sample_metainfo"]),
                            sample->metainfo(), what + " metainfo");
  if (spec.contains("data_sample_gt_img")) {
    const auto& g = spec["data_sample_gt_img"];
    ASSERT_TRUE(sample->has("gt_img")) << what;
    expect_image_stats(g, sample->get("gt_img"), what + " gt_img");
    EXPECT_TRUE(
        torch::equal(sample->get("gt_img"), testing::read_bin(out / g["bin"].get<std::string>())))
        << what;
  }
}

// Arrays after one pipeline stage, as the oracle records them.
void expect_stage_images(const json& stage, const data::Results& r, const std::string& what) {
  for (const auto& [k, spec] : stage["images"].items()) {
    auto it = r.arrays.find(k);
    ASSERT_NE(it, r.arrays.end()) << what << ": no image " << k;
    expect_image_stats(spec, it->second, what + " " + k);
  }
  EXPECT_EQ(r.arrays.size(), stage["images"].size()) << what;
}

// The oracle snapshots each stage's results with a shallow dict copy, so a list
// a later transform appends to in place (Flip's `flip_infos`) shows its final
// contents in earlier stages too. Take the same shallow copy here (Values share
// containers as Python objects do) and compare once the pipeline has run.
Value shallow_copy(const Value& info) {
  Value out = Value::dict(false);
  for (const auto& [k, v] : info.as_dict().entries()) out.as_dict().set(k, v);
  return out;
}

TEST(EditingTransformsOracle, EveryCaseMatchesMMagic) {
  const fs::path split = testing::editing_dir();
  const auto files = testing::case_files(split / "transforms" / "cases");
  ASSERT_FALSE(files.empty()) << "no transform cases under " << split;
  testing::CwdGuard cwd(split);
  int checked = 0;
  for (const fs::path& file : files) {
    const json c = testing::read_json_file(file.string());
    const std::string name = c["name"].get<std::string>();
    SCOPED_TRACE(name);
    const std::string kind = c["kind"].get<std::string>();
    data::Results r = initial_results(c);
    if (kind == "single" || kind == "error") {
      Rng setup_rng(static_cast<std::uint64_t>(c.value("seed", 0)));
      if (c.contains("setup") && c["setup"].is_array())
        for (const auto& t : c["setup"]) ASSERT_TRUE(build(t)->transform(r, setup_rng));
      if (c.contains("results_before"))
        expect_info(c["results_before"], r, name + " results_before");
      data::TransformPtr t = build(c["transform"]);
      Rng rng(0);
      rng.replay(recorded_draws(c));
      if (kind == "error") {
        const std::string type = c["error"]["type"].get<std::string>();
        try {
          t->transform(r, rng);
          ADD_FAILURE() << "expected " << type;
        } catch (const Error& e) {
          EXPECT_EQ(e.kind(), type);
          for (const auto& line : c["error"]["message"]) {
            std::string l = line.get<std::string>();
            if (l.rfind(">  - ", 0) == 0) l = l.substr(5);
            if (l.rfind("> ", 0) == 0) continue;  // "> Overload resolution failed:"
            if (type == "cv2.error" && l.find("Layout") == std::string::npos) continue;
            EXPECT_NE(std::string(e.what()).find(l), std::string::npos) << e.what() << " vs " << l;
          }
        }
      } else {
        ASSERT_TRUE(t->transform(r, rng));
        if (c.contains("outputs") && c["outputs"].is_object())
          for (const auto& [k, spec] : c["outputs"].items()) {
            ASSERT_TRUE(r.arrays.count(k)) << "no output " << k;
            expect_output_png(split, spec, r.arrays.at(k), name + " " + k);
          }
        if (c.contains("results_after") && c["results_after"].is_object())
          expect_info(c["results_after"], r, name + " results_after");
        if (c.contains("packed") && c["packed"].is_object())
          expect_packed(split, c["packed"], r, name);
      }
      EXPECT_EQ(rng.replay_left(), 0u) << "draws not used";
    } else if (kind == "pipeline") {
      Rng rng(0);
      rng.replay(recorded_draws(c));
      std::size_t i = 0;
      std::vector<std::pair<std::size_t, Value>> snapshots;
      for (const auto& t : c["pipeline"]) {
        ASSERT_TRUE(build(t)->transform(r, rng));
        if (c.contains("stages") && i < c["stages"].size() && c["stages"][i].contains("images") &&
            !r.packed) {
          expect_stage_images(c["stages"][i], r, name + " stage " + std::to_string(i));
          snapshots.emplace_back(i, shallow_copy(r.info));
        }
        ++i;
      }
      for (const auto& [stage, info] : snapshots) {
        std::string diff = testing::strict_diff(
            testing::decode_oracle_value(c["stages"][stage]["results_other_keys"]), info);
        EXPECT_EQ(diff, "") << name << " stage " << stage << " results";
      }
      EXPECT_EQ(rng.replay_left(), 0u) << "draws not used";
      if (c.contains("packed") && c["packed"].is_object())
        expect_packed(split, c["packed"], r, name);
    } else {
      ADD_FAILURE() << "unknown case kind " << kind;
      continue;
    }
    ++checked;
  }
  EXPECT_GT(checked, 0);
  std::cout << "[ oracle   ] " << checked << " MMagic transform cases\n";
}

}  // namespace
}  // namespace mmcpp::editing
