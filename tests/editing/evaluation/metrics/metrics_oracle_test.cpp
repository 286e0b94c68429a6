// MMagic's PSNR / SSIM / MAE / MSE (and whatever metric a case names) against
// the oracle (MMCPP_ORACLE_DIR/editing/metrics): every case runs the metric as
// MMagic's Evaluator does (process per batch of DataSamples with gt_img uint8
// CHW BGR and output.pred_img float32 CHW BGR, then evaluate(size)) and
// compares the per-sample results and the final value within the case's
// tolerance (inf must be inf).
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <cmath>

#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/editing/evaluation/metrics/base_sample_wise_metric.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/structures/data_sample.h"
#include "mmcpp/registry/registry.h"
#include "tests/editing/editing_oracle.h"

namespace mmcpp::editing {
namespace {

using config::Value;
using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

torch::Tensor load_chw(const fs::path& file) {
  if (file.extension() == ".bin") return testing::read_bin(file);
  cv::Mat m = cv::imread(file.string(), cv::IMREAD_COLOR);
  EXPECT_FALSE(m.empty()) << file;
  return mmcv::as_tensor(m, true).permute({2, 0, 1}).contiguous();
}

double number_of(const json& v) {
  if (v.is_object() && v.contains("__tensor__")) return v["__tensor__"]["data"].get<double>();
  if (v.is_object() && v.contains("__float__")) {
    std::string s = v["__float__"].get<std::string>();
    if (s == "inf") return INFINITY;
    if (s == "-inf") return -INFINITY;
    return NAN;
  }
  return v.get<double>();
}

void expect_value(double got, const json& want_j, const json& tol, const std::string& what) {
  const double want = number_of(want_j);
  if (std::isinf(want)) {
    EXPECT_TRUE(std::isinf(got) && (got > 0) == (want > 0)) << what << ": " << got;
    return;
  }
  const double t = tol["abs"].get<double>() + tol["rel"].get<double>() * std::abs(want);
  EXPECT_LE(std::abs(got - want), t) << what << ": got " << got << " want " << want;
}

TEST(EditingMetricsOracle, EveryCaseMatchesMMagic) {
  const fs::path dir = testing::editing_dir() / "metrics";
  const auto files = testing::case_files(dir);
  ASSERT_FALSE(files.empty()) << "no metric cases under " << dir;
  int checked = 0;
  for (const fs::path& file : files) {
    const json c = testing::read_json_file(file.string());
    if (!c.contains("metric")) continue;  // not a case file
    SCOPED_TRACE(c["case"].get<std::string>());
    std::shared_ptr<BaseSampleWiseMetric> metric;
    {
      registry::ScopeGuard scope("mmagic");
      metric = std::dynamic_pointer_cast<BaseSampleWiseMetric>(
          METRICS().build(testing::decode_oracle_value(c["metric"])));
    }
    ASSERT_NE(metric, nullptr);
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < c["samples"].size(); ++i)
      index[c["samples"][i].get<std::string>()] = i;
    std::size_t n = 0;
    std::vector<double> per_sample;
    for (const auto& b : c["process_batches"]) {
      data::DataSamples batch;
      for (const auto& name : b) {
        std::size_t i = index.at(name.get<std::string>());
        auto s = std::make_shared<DataSample>();
        s->set("gt_img", load_chw(dir / c["gt_files"][i].get<std::string>()));
        set_output_field(*s, "pred_img",
                         load_chw(dir / c["pred_files"][i].get<std::string>()).to(torch::kFloat));
        batch.push_back(s);
      }
      n += batch.size();
      metric->process_batch(data::DataBatch{}, batch);
    }
    ASSERT_EQ(metric->results().size(), c["per_sample_results"].size());
    const std::string name = metric->metric();
    for (std::size_t i = 0; i < metric->results().size(); ++i)
      expect_value(metric->results()[i].to(torch::kDouble).item<double>(),
                   c["per_sample_results"][i][name], c["tolerance"], "sample " + std::to_string(i));
    evaluation::Metrics result = metric->evaluate(c.value("size", n));
    ASSERT_EQ(result.size(), c["evaluate"].size());
    std::size_t k = 0;
    for (const auto& [key, value] : c["evaluate"].items()) {
      EXPECT_EQ(result[k].first, key);
      expect_value(result[k].second, value, c["tolerance"], key);
      ++k;
    }
    ++checked;
  }
  EXPECT_GT(checked, 0);
  std::cout << "[ oracle   ] " << checked << " MMagic metric cases\n";
}

}  // namespace
}  // namespace mmcpp::editing
