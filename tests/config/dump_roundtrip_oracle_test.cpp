// Every config of the oracle trees, written as Python (pretty_text) and loaded
// again, gives the same dict (MMCPP_ORACLE_DIR; fails when absent).
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
  const std::string dir = testing::oracle_dir("config");
  int checked = 0, failures = 0;
  // One tree per expected/<package>.index.json.
  const std::string suffix = ".index.json";
  for (const std::string& index_file : testing::json_files(dir + "/expected")) {
    if (index_file.size() <= suffix.size() ||
        index_file.compare(index_file.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string name = index_file.substr(index_file.rfind('/') + 1);
    const std::string package = name.substr(0, name.size() - suffix.size());
    auto index = testing::read_json_file(index_file);
    for (const auto& entry : index["files"]) {
      std::string rel = entry["file"].get<std::string>();
      auto expected = testing::read_json_file(dir + "/expected/" + package + "/" + rel + ".json");
      if (!expected["ok"].get<bool>()) continue;  // MMEngine rejects it: nothing to dump
      ++checked;
      std::string problem;
      try {
        problem = test::roundtrip_diff(Config::fromfile(dir + "/trees/" + package + "/" + rel));
      } catch (const Error& e) {
        problem = std::string("loading raised ") + e.what();
      }
      if (!problem.empty()) {
        ++failures;
        ADD_FAILURE() << package << "/" << rel << ": " << problem;
      }
    }
  }
  EXPECT_GT(checked, 0);
  std::cout << "[ roundtrip] " << checked - failures << "/" << checked
            << " oracle configs reload from their pretty_text\n";
}

}  // namespace
}  // namespace mmcpp::config
