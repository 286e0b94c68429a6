// The log readers of the analysis tools on logs written by MMEngine itself
// (tests/data/analyze_logs: a 2-epoch run's text log and its vis_data JSON in
// MMEngine 0.11's exact format): the text log gives the same records as the JSON.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/utils/analyze.h"

namespace mmcpp::pretrain {
namespace {

const std::string kRun = std::string(MMCPP_TEST_DATA_DIR) + "/analyze_logs/20240513_102020";

std::map<std::string, double> as_map(const LogRecord& r) {
  return {r.fields.begin(), r.fields.end()};
}

TEST(AnalyzeLogsTest, TextLogMatchesTheJsonScalars) {
  LogDict json = load_log(kRun + "/vis_data/20240513_102020.json");
  LogDict text = load_log(kRun + "/20240513_102020.log");
  ASSERT_EQ(json.train.size(), 4u);
  ASSERT_EQ(json.val.size(), 2u);
  ASSERT_EQ(text.train.size(), json.train.size());
  ASSERT_EQ(text.val.size(), json.val.size());  // per-iteration val lines skipped
  auto same = [](const LogRecord& a, const LogRecord& b) {
    auto ma = as_map(a), mb = as_map(b);
    ASSERT_EQ(ma.size(), mb.size());
    for (const auto& [k, v] : ma) {
      ASSERT_TRUE(mb.count(k)) << k;
      EXPECT_NEAR(v, mb[k], 5e-5) << k;  // the text log rounds to 4 digits
    }
  };
  for (std::size_t i = 0; i < json.train.size(); ++i) same(text.train[i], json.train[i]);
  for (std::size_t i = 0; i < json.val.size(); ++i) same(text.val[i], json.val[i]);
  EXPECT_EQ(text.train[2].get("step"), 350);
  EXPECT_EQ(text.val[1].get("step"), 2);
  EXPECT_EQ(json.train[0].fields.front().first, "lr");  // file order kept
  EXPECT_THROW(json.train[0].get("accuracy/top1"), Error);
}

TEST(AnalyzeLogsTest, IterationBasedTextLog) {
  LogDict d = parse_text_log(
      "x - INFO - Iter(train) [ 50/200]  lr: 1.0000e-01  eta: 0:00:10  time: 0.1000  "
      "data_time: 0.0100  loss: 2.0000\n"
      "x - INFO - Iter(train) [100/200]  lr: 1.0000e-01  eta: 0:00:05  time: 0.1000  "
      "data_time: 0.0100  loss: 1.5000\n"
      "x - INFO - Iter(val) [10/10]    accuracy/top1: 55.0000  data_time: 0.0010  time: 0.0100\n",
      "<log>");
  ASSERT_EQ(d.train.size(), 2u);
  EXPECT_FALSE(d.train[0].has("epoch"));
  EXPECT_EQ(d.train[1].get("step"), 100);
  ASSERT_EQ(d.val.size(), 1u);
  EXPECT_EQ(d.val[0].get("step"), 100);  // the iteration of the last training line
  EXPECT_EQ(d.val[0].get("accuracy/top1"), 55.0);
}

TEST(AnalyzeLogsTest, BadJson) {
  EXPECT_THROW(parse_json_log("{\"lr\": 1}\n{oops\n", "<log>"), Error);
  EXPECT_THROW(load_log("/no/such/scalars.json"), Error);
  LogDict d = parse_json_log("{\"accuracy/top1\": NaN, \"step\": 1}\n", "<log>");
  ASSERT_EQ(d.val.size(), 1u);
  EXPECT_TRUE(std::isnan(d.val[0].get("accuracy/top1")));
}

}  // namespace
}  // namespace mmcpp::pretrain
