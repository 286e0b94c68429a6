// Runs of the seed example (configs/seed_example/example_config.py, its
// components from the plugins in build/plugins) in a temporary folder, small and
// quick, for tests of runner options.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"

namespace mmcpp::testing {

class SeedRun : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("MMCPP_PLUGIN_PATH", MMCPP_PLUGIN_DIR, 1);
    root_ = std::filesystem::temp_directory_path() /
            ("mmcpp_seed_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // The seed config on 128 training samples (2 iterations an epoch) and 100
  // validation samples, work_dir `work_dir`, then `options` (--cfg-options).
  config::Config config(const std::string& work_dir, std::vector<std::string> options) {
    config::Config cfg = config::Config::fromfile(std::string(MMCPP_SOURCE_DIR) +
                                                  "/configs/seed_example/example_config.py");
    std::vector<std::string> all = {"work_dir=" + work_dir, "train_dataloader.dataset.size=128",
                                    "val_dataloader.dataset.size=100"};
    all.insert(all.end(), options.begin(), options.end());
    cfg.merge_from_dict(config::parse_cfg_options(all));
    return cfg;
  }
  // Sets a top-level key to a Python literal (lists of dicts, which
  // --cfg-options cannot express).
  static void set(config::Config& cfg, const std::string& key, const std::string& literal) {
    cfg.dict().as_dict().set(
        config::Value(key),
        config::Config::fromstring("v = " + literal, ".py").get("v")->deep_copy());
  }

  static std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // File names directly in `dir` ending with `suffix`, sorted.
  static std::vector<std::string> files(const std::filesystem::path& dir,
                                        const std::string& suffix) {
    std::vector<std::string> out;
    if (!std::filesystem::is_directory(dir)) return out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      std::string n = e.path().filename().string();
      if (e.is_regular_file() && n.size() >= suffix.size() &&
          n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
        out.push_back(n);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::filesystem::path root_;
};

}  // namespace mmcpp::testing
