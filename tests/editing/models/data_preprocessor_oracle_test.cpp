// MMagic's DataPreprocessor against the oracle
// (MMCPP_ORACLE_DIR/editing/data_preprocessor): every case's two packed samples
// (pseudo_collate) through forward(training=False/True): inputs, gt_img and the
// metainfo it adds; then destruct() of the normalised inputs, a synthetic
// out-of-range tensor, an SR-sized tensor, and the inputs without samples.
#include <gtest/gtest.h>

#include <functional>

#include "mmcpp/editing/models/data_preprocessors/data_preprocessor.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/structures/data_sample.h"
#include "mmcpp/registry/registry.h"
#include "tests/editing/editing_oracle.h"

namespace mmcpp::editing {
namespace {

using config::Value;
using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

void expect_tensor(const torch::Tensor& got, const torch::Tensor& want, const std::string& what) {
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  ASSERT_EQ(got.scalar_type(), want.scalar_type()) << what;
  if (want.scalar_type() == torch::kByte) {
    EXPECT_TRUE(torch::equal(got, want)) << what;
  } else {
    EXPECT_LE(max_abs(got - want), 1e-5 * max_abs(want) + 1e-6) << what;
  }
}

std::vector<double> flat(const json& j) {
  std::vector<double> out;
  std::function<void(const json&)> walk = [&](const json& x) {
    if (x.is_array())
      for (const auto& y : x) walk(y);
    else
      out.push_back(x.get<double>());
  };
  walk(j);
  return out;
}

// metainfo as DataSample.stack leaves it: each value a list over the samples.
void expect_metainfo(const json& stacked, const data::DataSamples& samples,
                     const std::string& what) {
  for (const auto& [key, values] : stacked.items()) {
    ASSERT_EQ(values.size(), samples.size()) << what << " " << key;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      const Value* got = samples[i]->metainfo().as_dict().find(key);
      ASSERT_NE(got, nullptr) << what << ": sample " << i << " has no " << key;
      const json& want = values[i];
      if (want.is_object() && want.contains("__tensor__")) {
        std::vector<double> w = flat(want["__tensor__"]["data"]);
        ASSERT_TRUE(got->is_sequence()) << what << " " << key;
        ASSERT_EQ(got->items().size(), w.size()) << what << " " << key;
        for (std::size_t k = 0; k < w.size(); ++k)
          EXPECT_EQ(got->items()[k].as_number(), w[k]) << what << " " << key;
      } else {
        EXPECT_EQ(testing::strict_diff(testing::decode_oracle_value(want), *got, key), "") << what;
      }
    }
  }
  for (const auto& s : samples)
    EXPECT_EQ(s->metainfo().as_dict().size(), stacked.size()) << what << ": extra metainfo";
}

TEST(EditingDataPreprocessorOracle, EveryCaseMatchesMMagic) {
  const fs::path dir = testing::editing_dir() / "data_preprocessor";
  int checked = 0;
  for (const fs::path& file : testing::case_files(dir)) {
    const json c = testing::read_json_file(file.string());
    if (!c.contains("config")) continue;  // a .bin sidecar
    const std::string name = c["name"].get<std::string>();
    SCOPED_TRACE(name);
    std::shared_ptr<DataPreprocessor> pre;
    {
      registry::ScopeGuard scope("mmagic");
      pre = std::dynamic_pointer_cast<DataPreprocessor>(
          MODELS().build(testing::decode_oracle_value(c["config"])));
    }
    ASSERT_NE(pre, nullptr);
    for (const char* b : {"mean", "std"}) {
      const auto& buf = c["buffers"][b]["__tensor__"];
      torch::Tensor t = std::string(b) == "mean" ? pre->mean() : pre->std();
      EXPECT_EQ(t.sizes().vec(), buf["shape"].get<std::vector<std::int64_t>>()) << b;
    }
    torch::Tensor in = testing::read_bin(dir / c["inputs_raw"]["file"].get<std::string>());
    torch::Tensor gt = testing::read_bin(dir / c["gt_raw"]["file"].get<std::string>());
    data::DataBatch batch;
    for (std::int64_t i = 0; i < in.size(0); ++i) {
      batch.input_list.push_back(in[i].contiguous());
      auto s = std::make_shared<DataSample>();
      s->metainfo() = testing::decode_oracle_value(c["packed_metainfo"][i]);
      s->set("gt_img", gt[i].contiguous());
      batch.data_samples.push_back(s);
    }
    data::DataBatch eval_out;
    for (const char* mode : {"eval", "train"}) {
      const json& m = c[mode];
      data::DataBatch out = pre->forward(batch, std::string(mode) == "train");
      expect_tensor(out.inputs, testing::read_bin(dir / m["inputs"]["file"].get<std::string>()),
                    std::string(mode) + " inputs");
      std::vector<torch::Tensor> gts;
      for (const auto& s : out.data_samples) gts.push_back(s->get("gt_img"));
      expect_tensor(torch::stack(gts),
                    testing::read_bin(dir / m["gt_img"]["file"].get<std::string>()),
                    std::string(mode) + " gt_img");
      expect_metainfo(m["metainfo"], out.data_samples, mode);
      if (std::string(mode) == "eval") eval_out = out;
    }
    // The caller's samples are untouched (cast_data copies them).
    EXPECT_EQ(batch.data_samples[0]->get("gt_img").scalar_type(), torch::kByte);
    EXPECT_FALSE(batch.data_samples[0]->metainfo().as_dict().contains("padding_size"));

    const std::string p = name + "_destruct_";
    auto arg_or_inputs = [&](const std::string& what) {
      fs::path f = dir / (p + what + "_arg.bin");
      return fs::exists(f) ? testing::read_bin(f) : eval_out.inputs;
    };
    int destructs = 0;
    for (const std::string what : {"inputs", "synthetic", "sr_sized", "inputs_no_samples"}) {
      fs::path result = dir / (p + what + "_result.bin");
      if (!fs::exists(result)) continue;
      torch::Tensor arg = arg_or_inputs(what);
      data::DataSamples samples =
          what == "inputs_no_samples" ? data::DataSamples{} : eval_out.data_samples;
      expect_tensor(pre->destruct(arg, samples), testing::read_bin(result), "destruct " + what);
      ++destructs;
    }
    EXPECT_GT(destructs, 0);
    ++checked;
  }
  EXPECT_GT(checked, 0) << "no data preprocessor cases under " << dir;
}

}  // namespace
}  // namespace mmcpp::editing
