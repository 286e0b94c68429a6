// Every config of the oracle trees, written as Python (pretty_text) and loaded
// again, gives the same dict (MMCPP_ORACLE_DIR; skipped when absent).
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "tests/config/dump_roundtrip_util.h"
#include "tests/support/oracle.h"

namespace mmcpp::config {
namespace {

TEST(ConfigDumpRoundTripOracle, EveryLoadableOracleConfigRoundTrips) {
  std::string dir = testing::oracle_dir();
  if (dir.empty()) GTEST_SKIP() << "MMCPP_ORACLE_DIR (" << MMCPP_ORACLE_DIR << ") is absent";
  auto index = testing::read_json_file(dir + "/config/expected/mmpretrain.index.json");
  int checked = 0, failures = 0;
  for (const auto& entry : index["files"]) {
    std::string rel = entry["file"].get<std::string>();
    auto expected = testing::read_json_file(dir + "/config/expected/mmpretrain/" + rel + ".json");
    if (!expected["ok"].get<bool>()) continue;  // MMEngine rejects it: nothing to dump
    ++checked;
    std::string problem;
    try {
      problem = test::roundtrip_diff(Config::fromfile(dir + "/config/trees/mmpretrain/" + rel));
    } catch (const Error& e) {
      problem = std::string("loading raised ") + e.what();
    }
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << rel << ": " << problem;
    }
  }
  EXPECT_GT(checked, 0);
  std::cout << "[ roundtrip] " << checked - failures << "/" << checked
            << " oracle configs reload from their pretty_text\n";
}

}  // namespace
}  // namespace mmcpp::config
