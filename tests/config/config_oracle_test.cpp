// Every config file of the oracle trees, loaded as MMEngine loaded it, must give
// exactly MMEngine's merged dict; files MMEngine rejects must be rejected with
// the same exception type. Also the --cfg-options cases.
#include <gtest/gtest.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "tests/support/oracle.h"

namespace mmcpp::config {
namespace {

using testing::decode_oracle_value;
using testing::oracle_dir;
using testing::read_json_file;
using testing::strict_diff;

std::string kind_of(const std::string& python_error) {
  return python_error.substr(0, python_error.find(':'));
}

TEST(ConfigOracle, EveryFileOfTheTreesMatchesMMEngine) {
  std::string dir = oracle_dir();
  if (dir.empty()) GTEST_SKIP() << "MMCPP_ORACLE_DIR (" << MMCPP_ORACLE_DIR << ") is absent";
  auto index = read_json_file(dir + "/config/expected/mmpretrain.index.json");
  int checked = 0, failures = 0;
  for (const auto& entry : index["files"]) {
    std::string rel = entry["file"].get<std::string>();
    auto expected = read_json_file(dir + "/config/expected/mmpretrain/" + rel + ".json");
    std::string path = dir + "/config/trees/mmpretrain/" + rel;
    ++checked;
    std::string problem;
    try {
      Config cfg = Config::fromfile(path);
      if (!expected["ok"].get<bool>()) {
        problem = "loaded, but MMEngine raised " + expected["error"].get<std::string>();
      } else {
        problem = strict_diff(decode_oracle_value(expected["result"]), cfg.to_dict());
      }
    } catch (const Error& e) {
      if (expected["ok"].get<bool>()) {
        problem = std::string("raised ") + e.what();
      } else if (e.kind() != kind_of(expected["error"].get<std::string>())) {
        problem = "raised " + e.kind() + " but MMEngine raised " +
                  expected["error"].get<std::string>() + "\n" + e.what();
      }
    }
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << rel << ": " << problem;
    }
  }
  EXPECT_EQ(checked, index["files"].size());
  std::cout << "[ oracle   ] " << checked - failures << "/" << checked
            << " config files match MMEngine\n";
}

TEST(ConfigOracle, CfgOptionsCasesMatchMMEngine) {
  std::string dir = oracle_dir();
  if (dir.empty()) GTEST_SKIP() << "MMCPP_ORACLE_DIR (" << MMCPP_ORACLE_DIR << ") is absent";
  for (int i = 0; i < 40; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "%02d.json", i);
    auto c = read_json_file(dir + "/config/expected/options/" + name);
    std::vector<std::string> args;
    for (const auto& a : c["cfg_options"]) args.push_back(a.get<std::string>());
    std::string problem;
    try {
      auto parsed = parse_cfg_options(args);
      if (c.contains("parsed_options")) {
        Value got = Value::dict(false);
        for (auto& [k, v] : parsed) got.as_dict().set(Value(k), v);
        problem = strict_diff(decode_oracle_value(c["parsed_options"]), got);
      }
      if (problem.empty()) {
        Config cfg =
            Config::fromfile(dir + "/config/trees/mmpretrain/" + c["file"].get<std::string>());
        cfg.merge_from_dict(parsed);
        if (c["ok"].get<bool>())
          problem = strict_diff(decode_oracle_value(c["result"]), cfg.to_dict());
        else
          problem = "succeeded, but MMEngine raised " + c["error"].get<std::string>();
      }
    } catch (const Error& e) {
      if (c["ok"].get<bool>())
        problem = std::string("raised ") + e.what();
      else if (e.kind() != kind_of(c["error"].get<std::string>()))
        problem = "raised " + e.kind() + " (" + e.what() + ") but MMEngine raised " +
                  c["error"].get<std::string>();
    }
    EXPECT_TRUE(problem.empty()) << name << " " << c["note"].get<std::string>() << ": " << problem;
  }
}

}  // namespace
}  // namespace mmcpp::config
