// MMPretrain's classification metrics against /oracle/metrics: every case file
// lists the per-sample data, the metric configs and MMPretrain's outputs. Each
// config is built in scope mmpretrain, fed the samples in batches of
// `process_batch_size` and evaluated on `num_samples`; floats must agree to
// 1e-6, ints, lists and tensors exactly (kind and key order too). A case whose
// output is an error must fail with the same exception kind.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/evaluation/metric.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"
#include "tests/support/oracle.h"

namespace mmcpp::pretrain {
namespace {

using config::Value;
using evaluation::MetricValue;
using json = nlohmann::ordered_json;

std::string metrics_oracle_dir() {
  const char* env = std::getenv("MMCPP_ORACLE_DIR");
  std::string dir = env && *env ? std::string(env) : std::string(MMCPP_ORACLE_DIR);
  return dir + "/metrics";
}

torch::Tensor float_row(const json& row) {
  std::vector<float> v;
  for (const auto& x : row) v.push_back(x.get<float>());
  return torch::tensor(v, torch::kFloat);
}

torch::Tensor long_row(const json& row) {
  std::vector<std::int64_t> v;
  if (row.is_array()) {
    for (const auto& x : row) v.push_back(x.get<std::int64_t>());
  } else {
    v.push_back(row.get<std::int64_t>());
  }
  return torch::tensor(v, torch::kLong);
}

// The samples of a case, as the generator built them.
data::DataSamples samples_of(const json& data, std::int64_t n) {
  data::DataSamples out;
  for (std::int64_t i = 0; i < n; ++i) {
    auto s = std::make_shared<data::DataSample>();
    if (data.contains("pred_score")) s->set("pred_score", float_row(data["pred_score"][i]));
    if (data.contains("pred_label")) s->set("pred_label", long_row(data["pred_label"][i]));
    if (data.contains("gt_label")) s->set("gt_label", long_row(data["gt_label"][i]));
    if (data.contains("gt_score")) s->set("gt_score", long_row(data["gt_score"][i]));
    out.push_back(s);
  }
  return out;
}

// "" when `actual` matches the oracle's `expected` value.
std::string compare(const json& expected, const MetricValue& actual) {
  auto show = [&] { return " (expected " + expected.dump() + ", got " + actual.repr() + ")"; };
  if (expected.is_object() && expected.contains("__tensor__")) {
    if (actual.kind() != MetricValue::Kind::Tensor) return "not a tensor" + show();
    const json& t = expected["__tensor__"];
    const torch::Tensor& got = actual.tensor_value();
    if (t["dtype"].get<std::string>() != "int64" || got.scalar_type() != torch::kLong)
      return "dtype differs" + show();
    std::vector<std::int64_t> shape = t["shape"].get<std::vector<std::int64_t>>();
    if (got.sizes().vec() != shape) return "shape differs" + show();
    torch::Tensor flat = got.contiguous().view(-1);
    std::vector<std::int64_t> want;
    std::function<void(const json&)> collect = [&](const json& j) {
      if (j.is_array())
        for (const auto& x : j) collect(x);
      else
        want.push_back(j.get<std::int64_t>());
    };
    collect(t["data"]);
    for (std::size_t i = 0; i < want.size(); ++i)
      if (flat[static_cast<std::int64_t>(i)].item<std::int64_t>() != want[i])
        return "element " + std::to_string(i) + " differs" + show();
    return "";
  }
  if (expected.is_number_float()) {
    if (actual.kind() != MetricValue::Kind::Float) return "not a float" + show();
    double d = std::abs(actual.scalar() - expected.get<double>());
    return d <= 1e-6 ? "" : "differs by " + std::to_string(d) + show();
  }
  if (expected.is_number_integer()) {
    if (actual.kind() != MetricValue::Kind::Int) return "not an int" + show();
    return static_cast<std::int64_t>(actual.scalar()) == expected.get<std::int64_t>()
               ? ""
               : "differs" + show();
  }
  if (expected.is_array()) {
    bool floats = std::any_of(expected.begin(), expected.end(),
                              [](const json& x) { return x.is_number_float(); });
    if (floats) {
      if (actual.kind() != MetricValue::Kind::FloatList) return "not a float list" + show();
      const auto& got = actual.float_values();
      if (got.size() != expected.size()) return "length differs" + show();
      for (std::size_t i = 0; i < got.size(); ++i)
        if (std::abs(got[i] - expected[i].get<double>()) > 1e-6)
          return "element " + std::to_string(i) + " differs" + show();
      return "";
    }
    if (actual.kind() != MetricValue::Kind::IntList) return "not an int list" + show();
    const auto& got = actual.int_values();
    if (got.size() != expected.size()) return "length differs" + show();
    for (std::size_t i = 0; i < got.size(); ++i)
      if (got[i] != expected[i].get<std::int64_t>())
        return "element " + std::to_string(i) + " differs" + show();
    return "";
  }
  return "unsupported oracle value" + show();
}

TEST(MetricsOracle, EveryCaseMatchesMMPretrain) {
  const std::string dir = metrics_oracle_dir();
  ASSERT_TRUE(std::filesystem::is_directory(dir))
      << "the metrics oracle is missing: " << dir << " (set MMCPP_ORACLE_DIR)";
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty()) << "no case in " << dir;

  registry::ScopeGuard scope("mmpretrain");
  std::size_t checked = 0;
  for (const std::string& f : files) {
    json c = testing::read_json_file(f);
    const std::string name = c["case"].get<std::string>();
    const auto n = c["num_samples"].get<std::int64_t>();
    const auto batch = c["process_batch_size"].get<std::int64_t>();
    data::DataSamples samples = samples_of(c["data"], n);
    ASSERT_EQ(c["metrics"].size(), c["outputs"].size()) << name;
    for (std::size_t m = 0; m < c["metrics"].size(); ++m) {
      const json& out = c["outputs"][m];
      const std::string where =
          name + " metric " + std::to_string(m) + " " + c["metrics"][m].dump();
      auto run = [&]() {
        Value cfg = testing::decode_oracle_value(c["metrics"][m]);
        auto metric = METRICS().build(cfg);
        for (std::int64_t start = 0; start < n; start += batch) {
          data::DataSamples chunk(samples.begin() + start,
                                  samples.begin() + std::min(n, start + batch));
          metric->process_batch(data::DataBatch{}, chunk);
        }
        return metric->evaluate(static_cast<std::size_t>(n));
      };
      if (!out["ok"].get<bool>()) {
        std::string want = out["error"].get<std::string>();
        want = want.substr(0, want.find(':'));
        try {
          run();
          ADD_FAILURE() << where << ": expected " << want << ", got no error";
        } catch (const Error& e) {
          EXPECT_EQ(e.kind(), want) << where << ": " << e.what();
        }
        ++checked;
        continue;
      }
      evaluation::Metrics got;
      try {
        got = run();
      } catch (const std::exception& e) {
        ADD_FAILURE() << where << ": " << e.what();
        continue;
      }
      const json& want = out["result"];
      ASSERT_EQ(got.size(), want.size()) << where;
      std::size_t i = 0;
      for (const auto& [key, value] : want.items()) {
        EXPECT_EQ(got[i].first, key) << where << ": key " << i;
        std::string diff = compare(value, got[i].second);
        EXPECT_TRUE(diff.empty()) << where << ": " << key << ": " << diff;
        ++i;
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, files.size());
  std::cout << "[metrics oracle] " << files.size() << " cases, " << checked
            << " metric configs checked\n";
}

}  // namespace
}  // namespace mmcpp::pretrain
