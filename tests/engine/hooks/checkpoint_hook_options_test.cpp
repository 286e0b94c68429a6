// CheckpointHook's options through real runs of the seed example: max_keep_ckpts,
// save_last, out_dir and published_keys (the published file is named by the
// SHA-256 of its bytes, which mmcpp/core/hash.h computes as FIPS 180-4 does:
// tests/core/hash_test.cpp). Also the version string in what the run writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "mmcpp/core/hash.h"
#include "mmcpp/core/version.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/runner.h"
#include "tests/support/seed_run.h"

namespace mmcpp::engine {
namespace {

namespace fs = std::filesystem;
using Files = std::vector<std::string>;

class CheckpointHookOptions : public testing::SeedRun {
 protected:
  // The seed run for `epochs` epochs with the checkpoint hook's options (no
  // save_best, so only the interval decides).
  std::unique_ptr<Runner> train(const std::string& wd, int epochs,
                                std::vector<std::string> hook_options) {
    std::vector<std::string> options = {"train_cfg.max_epochs=" + std::to_string(epochs),
                                        "default_hooks.checkpoint.save_best=None"};
    for (auto& o : hook_options) options.push_back("default_hooks.checkpoint." + o);
    auto runner = Runner::from_cfg(config(wd, options));
    runner->train();
    return runner;
  }
};

TEST_F(CheckpointHookOptions, MaxKeepCkptsKeepsTheNewest) {
  const std::string wd = (root_ / "run").string();
  auto runner = train(wd, 4, {"interval=1", "max_keep_ckpts=2"});
  EXPECT_EQ(files(wd, ".pth"), (Files{"epoch_3.pth", "epoch_4.pth"}));
  EXPECT_EQ(read(wd + "/last_checkpoint"), wd + "/epoch_4.pth");
  EXPECT_EQ(runner->message_hub().get_info("keep_ckpt_ids").repr(), "[3, 4]");
}

TEST_F(CheckpointHookOptions, SaveLastSavesTheFinalEpochOffTheInterval) {
  const std::string with = (root_ / "with").string(), without = (root_ / "without").string();
  train(with, 4, {"interval=3"});  // save_last=True is the default
  EXPECT_EQ(files(with, ".pth"), (Files{"epoch_3.pth", "epoch_4.pth"}));
  EXPECT_EQ(read(with + "/last_checkpoint"), with + "/epoch_4.pth");
  train(without, 4, {"interval=3", "save_last=False"});
  EXPECT_EQ(files(without, ".pth"), (Files{"epoch_3.pth"}));
  EXPECT_EQ(read(without + "/last_checkpoint"), without + "/epoch_3.pth");
}

TEST_F(CheckpointHookOptions, OutDirHoldsTheCheckpointsUnderTheWorkDirName) {
  const std::string wd = (root_ / "run").string(), out = (root_ / "remote").string();
  auto runner = train(wd, 2, {"interval=1", "out_dir=" + out});
  // out_dir/<basename of work_dir>, as MMEngine joins them; nothing in work_dir.
  EXPECT_EQ(files(out + "/run", ".pth"), (Files{"epoch_1.pth", "epoch_2.pth"}));
  EXPECT_TRUE(files(wd, ".pth").empty());
  EXPECT_EQ(read(wd + "/last_checkpoint"), out + "/run/epoch_2.pth");
}

TEST_F(CheckpointHookOptions, PublishedKeysWriteAStrippedCopyNamedBySha256) {
  const std::string wd = (root_ / "run").string();
  auto runner = train(wd, 2, {"interval=1", "published_keys=[meta,state_dict]"});
  Files published;
  for (const auto& f : files(wd, ".pth"))
    if (std::regex_match(f, std::regex("epoch_2-[0-9a-f]{8}\\.pth"))) published.push_back(f);
  ASSERT_EQ(published.size(), 1u) << "no epoch_2-<sha256[:8]>.pth in " << wd;
  const std::string bytes = read(wd + "/" + published[0]);
  EXPECT_EQ(published[0], "epoch_2-" + sha256_hex(bytes).substr(0, 8) + ".pth");
  const io::PyObject stripped = read_checkpoint(wd + "/" + published[0]);
  EXPECT_EQ(stripped.as_dict().keys(), (std::vector<std::string>{"meta", "state_dict"}));
  // The checkpoint it was made from keeps everything.
  const io::PyObject full = read_checkpoint(wd + "/epoch_2.pth");
  EXPECT_TRUE(full.contains("optimizer"));
  EXPECT_TRUE(full.contains("message_hub"));
  // The version string comes from one place (mmcpp/core/version.h).
  EXPECT_EQ(full.get("meta").get("mmengine_version").as_str(), mmengine_version_string());
  EXPECT_EQ(full.get("message_hub").get("runtime_info").get("mmengine_version").as_str(),
            mmengine_version_string());
}

}  // namespace
}  // namespace mmcpp::engine
