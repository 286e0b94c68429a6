// LoggerHook's out_dir and keep_local through real runs of the seed example: the
// files of the run's log folder with the out_suffix endings are copied to
// out_dir/<basename of work_dir>/, keeping their paths; keep_local=False then
// removes the local copies.
#include <gtest/gtest.h>

#include <filesystem>

#include "mmcpp/engine/runner/runner.h"
#include "tests/support/seed_run.h"

namespace mmcpp::engine {
namespace {

namespace fs = std::filesystem;

class LoggerHookOptions : public testing::SeedRun {
 protected:
  std::unique_ptr<Runner> train(const std::string& wd, const std::string& out, bool keep_local) {
    config::Config cfg = config(wd, {"train_cfg.max_epochs=2"});
    cfg.merge_from_dict(config::parse_cfg_options(
        {"default_hooks.logger.type=LoggerHook", "default_hooks.logger.interval=1",
         "default_hooks.logger.out_dir=" + out,
         std::string("default_hooks.logger.keep_local=") + (keep_local ? "True" : "False")}));
    auto runner = Runner::from_cfg(cfg);
    runner->train();
    return runner;
  }
  // The run's text log, scalars and config: what out_suffix ('.json', '.log',
  // '.py', 'yaml') selects from the log folder, relative to it.
  static std::vector<std::string> logged_files(const Runner& runner) {
    const std::string ts = fs::path(runner.log_dir()).filename().string();
    return {ts + ".log", "vis_data/" + ts + ".json", "vis_data/scalars.json", "vis_data/config.py"};
  }
};

TEST_F(LoggerHookOptions, OutDirGetsACopyAndTheLocalFilesStay) {
  const std::string wd = (root_ / "run").string(), out = (root_ / "logs").string();
  auto runner = train(wd, out, true);
  for (const auto& rel : logged_files(*runner)) {
    const fs::path local = fs::path(runner->log_dir()) / rel, copy = fs::path(out) / "run" / rel;
    ASSERT_TRUE(fs::exists(copy)) << copy;
    EXPECT_TRUE(fs::exists(local)) << local;
    if (rel != logged_files(*runner)[0]) {  // the text log goes on after the copy
      EXPECT_EQ(read(copy), read(local)) << rel;
    }
  }
  EXPECT_NE(read(fs::path(out) / "run" / logged_files(*runner)[0]).find("Epoch(train)"),
            std::string::npos);
}

TEST_F(LoggerHookOptions, KeepLocalFalseRemovesTheLocalFiles) {
  const std::string wd = (root_ / "run").string(), out = (root_ / "logs").string();
  auto runner = train(wd, out, false);
  for (const auto& rel : logged_files(*runner)) {
    EXPECT_TRUE(fs::exists(fs::path(out) / "run" / rel)) << rel;
    EXPECT_FALSE(fs::exists(fs::path(runner->log_dir()) / rel)) << rel;
  }
  // The checkpoints are not logs: they stay.
  EXPECT_TRUE(fs::exists(wd + "/epoch_2.pth"));
}

}  // namespace
}  // namespace mmcpp::engine
