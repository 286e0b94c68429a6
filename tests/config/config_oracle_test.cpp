// Every config file of the oracle trees, loaded as MMEngine loaded it, must give
// exactly MMEngine's merged dict; files MMEngine rejects must be rejected with
// the same exception type. Also the --cfg-options cases.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

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

// The config trees of the oracle: one per expected/<package>.index.json, whose
// files live under trees/<package>/ and expected/<package>/.
std::vector<std::string> packages(const std::string& config_dir) {
  std::vector<std::string> names;
  const std::string suffix = ".index.json";
  for (const auto& f : testing::json_files(config_dir + "/expected")) {
    std::string name = f.substr(f.rfind('/') + 1);
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      names.push_back(name.substr(0, name.size() - suffix.size()));
  }
  return names;
}

TEST(ConfigOracle, EveryFileOfTheTreesMatchesMMEngine) {
  const std::string dir = oracle_dir("config");
  const std::vector<std::string> trees = packages(dir);
  ASSERT_FALSE(trees.empty()) << "no expected/<package>.index.json in " << dir;
  int checked = 0, failures = 0;
  for (const std::string& package : trees) {
    auto index = read_json_file(dir + "/expected/" + package + ".index.json");
    for (const auto& entry : index["files"]) {
      std::string rel = entry["file"].get<std::string>();
      auto expected = read_json_file(dir + "/expected/" + package + "/" + rel + ".json");
      std::string path = dir + "/trees/" + package + "/" + rel;
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
        ADD_FAILURE() << package << "/" << rel << ": " << problem;
      }
    }
  }
  EXPECT_GT(checked, 0) << "the oracle's config indexes list no file";
  std::cout << "[ oracle   ] " << checked - failures << "/" << checked
            << " config files match MMEngine\n";
}

// The package whose tree holds `file` (a path relative to trees/<package>/).
std::string package_of(const std::string& config_dir, const nlohmann::ordered_json& file) {
  for (const std::string& package : packages(config_dir))
    if (std::filesystem::exists(config_dir + "/trees/" + package + "/" + file.get<std::string>()))
      return package;
  throw Error("FileNotFoundError", "no oracle tree holds " + file.get<std::string>());
}

TEST(ConfigOracle, CfgOptionsCasesMatchMMEngine) {
  const std::string dir = oracle_dir("config");
  const std::vector<std::string> files = testing::json_files(dir + "/expected/options");
  ASSERT_FALSE(files.empty()) << "no --cfg-options case in " << dir << "/expected/options";
  for (const std::string& file : files) {
    const std::string name = file.substr(file.rfind('/') + 1);
    auto c = read_json_file(file);
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
        // The case's file, in the tree of the package it belongs to.
        Config cfg = Config::fromfile(dir + "/trees/" + package_of(dir, c["file"]) + "/" +
                                      c["file"].get<std::string>());
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
    EXPECT_TRUE(problem.empty()) << name << " " << c.value("note", "") << ": " << problem;
  }
}

}  // namespace
}  // namespace mmcpp::config
