// zoo-report over MMPretrain's config tree: which configs load and which are
// ImageClassifier configs must be what Python's Config.fromfile gives
// (config/expected/mmpretrain/*.json in the oracle).
#include "mmcpp/engine/analysis/zoo_report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "tests/support/oracle.h"

namespace mmcpp::engine::analysis {
namespace {

namespace fs = std::filesystem;

TEST(ZooReportOracle, ClassifiesMMPretrainConfigsAsPythonLoadsThem) {
  std::string oracle = testing::oracle_dir();
  ASSERT_FALSE(oracle.empty()) << "oracle directory not found (MMCPP_ORACLE_DIR)";
  std::string tree = oracle + "/config/trees/mmpretrain/configs";
  std::string expected_dir = oracle + "/config/expected/mmpretrain/configs";
  ASSERT_TRUE(fs::is_directory(tree));

  ZooOptions options;
  options.build = false;  // the classification only (the cli.zoo_report test builds)
  ZooReport report = zoo_report(tree, options);
  ASSERT_GE(report.entries.size(), 1u);

  std::size_t selected = 0;
  for (const ZooEntry& e : report.entries) {
    SCOPED_TRACE(e.file);
    fs::path expected = fs::path(expected_dir) / (e.file + ".json");
    ASSERT_TRUE(fs::exists(expected)) << expected;
    nlohmann::ordered_json j = testing::read_json_file(expected.string());
    bool ok = j.at("ok").get<bool>();
    EXPECT_EQ(e.loaded, ok) << e.error;
    if (!ok) continue;
    const auto& result = j.at("result");
    std::string model_type;
    if (result.contains("model") && result["model"].is_object() &&
        result["model"].contains("type") && result["model"]["type"].is_string())
      model_type = result["model"]["type"].get<std::string>();
    EXPECT_EQ(e.model_type, model_type);
    EXPECT_EQ(e.selected, model_type == "ImageClassifier");
    selected += model_type == "ImageClassifier";
  }
  EXPECT_EQ(report.selected(), selected);
  EXPECT_GE(selected, 1u);
  EXPECT_NE(report.text().find(std::to_string(report.built()) + " of " + std::to_string(selected) +
                               " ImageClassifier configs build\n"),
            std::string::npos);
  // Without building, nothing counts as built; every selected config was checked.
  EXPECT_EQ(report.built(), 0u);
  for (const ZooEntry& e : report.entries)
    if (e.selected) EXPECT_TRUE(e.error.empty()) << e.file << ": " << e.error;
}

}  // namespace
}  // namespace mmcpp::engine::analysis
