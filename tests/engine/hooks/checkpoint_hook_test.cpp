// CheckpointHook and the checkpoint writer on disk: max_keep_ckpts deletes an
// old checkpoint only once the new one is in place (proven with a failing
// disk), checkpoints are streamed to the file, and the latest checkpoint is
// saved again after a new best exactly as MMEngine's CheckpointHook does.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/evaluation/metric.h"
#include "mmcpp/registry/root.h"
#include "tests/support/toy_run.h"

namespace mmcpp::engine {
namespace {

namespace fs = std::filesystem;
using testing::read_text;
using testing::toy_run_config;

class CheckpointHookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("mmcpp_ckpt_hook_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string dir(const std::string& sub) const { return (root_ / sub).string(); }

  fs::path root_;
};

// The disk fills up while `fail_on` is being written.
class FullDiskEnv : public Env {
 public:
  std::string fail_on;

 protected:
  void write_fully(int fd, const char* data, std::size_t size, const std::string& path) override {
    if (!fail_on.empty() && path.find(fail_on) != std::string::npos)
      throw Error("OSError", "No space left on device: " + path);
    Env::write_fully(fd, data, size, path);
  }
};

TEST_F(CheckpointHookTest, MaxKeepCkptsDeletesOnlyAfterTheNewCheckpointIsInPlace) {
  FullDiskEnv env;
  env.fail_on = "epoch_2.pth";
  const std::string wd = dir("run");
  const std::vector<std::string> opts = {"default_hooks.checkpoint.max_keep_ckpts=1"};
  auto r = Runner::from_cfg(toy_run_config(wd, opts), env);
  EXPECT_THROW(r->train(), Error);
  r.reset();
  // The save of epoch 2 failed: epoch 1 is still there and last_checkpoint
  // still points at it; no temp file is left.
  EXPECT_TRUE(fs::exists(wd + "/epoch_1.pth"));
  EXPECT_FALSE(fs::exists(wd + "/epoch_2.pth"));
  EXPECT_EQ(read_text(wd + "/last_checkpoint"), wd + "/epoch_1.pth");
  for (const auto& e : fs::directory_iterator(wd))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();

  // The disk has room again: resuming finishes the run, keeping one checkpoint.
  auto resumed = opts;
  resumed.push_back("resume=True");
  auto r2 = Runner::from_cfg(toy_run_config(wd, resumed));
  r2->train();
  EXPECT_EQ(r2->iter(), 24);
  EXPECT_TRUE(fs::exists(wd + "/epoch_3.pth"));
  EXPECT_FALSE(fs::exists(wd + "/epoch_1.pth"));
  EXPECT_FALSE(fs::exists(wd + "/epoch_2.pth"));
}

// The same for the best checkpoint (ImprovingMetric, below, improves at every
// validation): the previous best goes only once the new one is written.
TEST_F(CheckpointHookTest, PreviousBestIsDeletedOnlyAfterTheNewBestIsInPlace) {
  FullDiskEnv env;
  env.fail_on = "best_improving_score_epoch_2.pth";
  const std::string wd = dir("run");
  const std::vector<std::string> opts = {"default_hooks.checkpoint.save_best=auto",
                                         "default_hooks.checkpoint.rule=greater",
                                         "val_evaluator.type=ImprovingMetric"};
  auto r = Runner::from_cfg(toy_run_config(wd, opts), env);
  EXPECT_THROW(r->train(), Error);
  r.reset();
  EXPECT_TRUE(fs::exists(wd + "/best_improving_score_epoch_1.pth"));
  EXPECT_FALSE(fs::exists(wd + "/best_improving_score_epoch_2.pth"));
}

// Records the chunks each file receives.
class RecordingEnv : public Env {
 public:
  std::map<std::string, std::vector<std::size_t>> chunks;

 protected:
  void write_fully(int fd, const char* data, std::size_t size, const std::string& path) override {
    chunks[path].push_back(size);
    Env::write_fully(fd, data, size, path);
  }
};

// Two 4 MiB tensors: the archive reaches the file record by record, never as
// one buffer holding the whole checkpoint.
TEST_F(CheckpointHookTest, CheckpointsAreStreamedToTheFile) {
  RecordingEnv env;
  io::PyObject state = io::PyObject::dict(io::DictType::OrderedDict);
  state.as_dict().set("a", io::PyObject::tensor(torch::rand({1024, 1024})));
  state.as_dict().set("b", io::PyObject::tensor(torch::rand({1024, 1024})));
  io::PyObject ckpt = io::PyObject::dict();
  ckpt.as_dict().set("state_dict", state);
  const std::string path = dir("big.pth");
  write_checkpoint(env, ckpt, path);

  ASSERT_EQ(env.chunks.size(), 1u);
  const std::vector<std::size_t>& sizes = env.chunks.begin()->second;
  std::size_t total = 0, largest = 0;
  for (std::size_t n : sizes) {
    total += n;
    largest = std::max(largest, n);
  }
  EXPECT_EQ(total, fs::file_size(path));
  EXPECT_GT(total, 8u << 20);
  EXPECT_LE(largest, (4u << 20) + 4096) << "a chunk larger than one tensor: buffered whole";
  io::PyObject back = read_checkpoint(path);
  EXPECT_TRUE(
      torch::equal(back.get("state_dict").get("b").as_tensor(), state.get("b").as_tensor()));
}

// A metric that improves at every evaluation: calls/count = 1, 2, 3, ...
class ImprovingMetric : public evaluation::BaseMetric {
 public:
  ImprovingMetric() : BaseMetric("cpu", std::nullopt, "improving") {}
  static std::shared_ptr<ImprovingMetric> from_config(registry::BuildArgs&) {
    return std::make_shared<ImprovingMetric>();
  }
  void process(const data::DataBatch&, const data::DataSamples&) override {}
  evaluation::Metrics compute_metrics() override { return {{"score", static_cast<double>(++n_)}}; }
  void reset() override {}

 private:
  int n_ = 0;
};
MMCPP_REGISTER(registry::METRICS, ImprovingMetric, "dict(type='ImprovingMetric')");

// MMEngine's CheckpointHook._save_best_checkpoint ends with "save checkpoint
// again to update the best_score and best_ckpt stored in message_hub"
// (mmengine#1168): once a regular checkpoint exists, a new best saves the
// latest step's checkpoint again, so that resuming it knows the current best.
TEST_F(CheckpointHookTest, NewBestSavesTheLatestCheckpointAgainAsMMEngine) {
  const std::string wd = dir("best");
  auto r = Runner::from_cfg(toy_run_config(
      wd, {"default_hooks.checkpoint.interval=2", "default_hooks.checkpoint.save_best=auto",
           "default_hooks.checkpoint.rule=greater", "val_evaluator.type=ImprovingMetric",
           "train_cfg.max_epochs=3"}));
  r->train();
  // Epoch 1: no regular checkpoint yet, so nothing is saved again.
  EXPECT_FALSE(fs::exists(wd + "/epoch_1.pth"));
  EXPECT_TRUE(fs::exists(wd + "/epoch_2.pth"));
  EXPECT_TRUE(fs::exists(wd + "/epoch_3.pth"));
  EXPECT_TRUE(fs::exists(wd + "/best_improving_score_epoch_3.pth"));
  EXPECT_FALSE(fs::exists(wd + "/best_improving_score_epoch_2.pth"));
  // epoch_2.pth was saved again after its validation: it knows best score 2.
  io::PyObject hub = read_checkpoint(wd + "/epoch_2.pth").get("message_hub");
  EXPECT_EQ(hub.get("runtime_info").get("best_score").as_float(), 2.0);
  EXPECT_EQ(hub.get("runtime_info").get("best_ckpt").as_str(),
            wd + "/best_improving_score_epoch_2.pth");
}

}  // namespace
}  // namespace mmcpp::engine
