// Stopping a run: SIGINT during validation and testing stops at the next
// iteration, a hung loader cannot hold a stop off, a second SIGINT exits at
// once, the interrupt checkpoint follows CheckpointHook's out_dir and
// max_keep_ckpts, "Resume with:" repeats the whole command line, and
// EarlyStoppingHook, signals and Runner::request_stop share one StopRequest.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <thread>

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/core/stop_request.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/interrupt_guard.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"
#include "tests/support/toy_data.h"
#include "tests/support/toy_run.h"

namespace mmcpp::engine {
namespace {

namespace fs = std::filesystem;
using testing::log_of;
using testing::read_text;
using testing::same_weights;
using testing::toy_run_config;

class InterruptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("mmcpp_interrupt_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string dir(const std::string& sub) const { return (root_ / sub).string(); }

  fs::path root_;
};

std::string interrupted_message(Runner& runner) {
  try {
    runner.train();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "KeyboardInterrupt") << e.what();
    return e.what();
  }
  ADD_FAILURE() << "the run was not interrupted";
  return "";
}

// Counts val/test iterations and epoch ends.
class EvalProbeHook : public Hook {
 public:
  static int val_iters, val_epochs, test_iters, test_epochs;
  static void reset() { val_iters = val_epochs = test_iters = test_epochs = 0; }
  static std::shared_ptr<EvalProbeHook> from_config(registry::BuildArgs&) {
    return std::make_shared<EvalProbeHook>();
  }
  std::string name() const override { return "EvalProbeHook"; }
  std::vector<std::string> stages() const override {
    return {"after_val_iter", "after_val_epoch", "after_test_iter", "after_test_epoch"};
  }
  void after_val_iter(Runner&, std::int64_t, const data::DataBatch*,
                      const data::DataSamples&) override {
    ++val_iters;
  }
  void after_val_epoch(Runner&, const evaluation::Metrics&) override { ++val_epochs; }
  void after_test_iter(Runner&, std::int64_t, const data::DataBatch*,
                       const data::DataSamples&) override {
    ++test_iters;
  }
  void after_test_epoch(Runner&, const evaluation::Metrics&) override { ++test_epochs; }
};
int EvalProbeHook::val_iters = 0, EvalProbeHook::val_epochs = 0, EvalProbeHook::test_iters = 0,
    EvalProbeHook::test_epochs = 0;
MMCPP_REGISTER(registry::HOOKS, EvalProbeHook, "dict(type='EvalProbeHook')");

// SIGINT at the first validation batch after epoch 1: validation stops there
// (no metrics, no after_val_epoch), training leaves a checkpoint at the end of
// epoch 1, and resuming it ends where the uninterrupted run ends — with EMAHook,
// whose weights were swapped in when the signal came.
TEST_F(InterruptTest, SigintDuringValidationStopsAtTheNextIterationAndResumesExactly) {
  const std::vector<std::string> opts = {"randomness.seed=7"};
  const std::string ema = "dict(type='EMAHook', momentum=0.1)";
  const std::string full = dir("full"), cut = dir("cut");
  Runner::from_cfg(toy_run_config(full, opts, "custom_hooks = [" + ema + "]"))->train();

  EvalProbeHook::reset();
  auto r = Runner::from_cfg(toy_run_config(
      cut, opts,
      "custom_hooks = [" + ema +
          ", dict(type='EvalProbeHook'), dict(type='RaiseSignalHook', stage='val', at=1)]"));
  std::string msg = interrupted_message(*r);
  EXPECT_EQ(EvalProbeHook::val_iters, 1);
  EXPECT_EQ(EvalProbeHook::val_epochs, 0);
  EXPECT_NE(msg.find("epoch 1, iter 8"), std::string::npos) << msg;
  ASSERT_TRUE(fs::exists(cut + "/iter_8.pth"));
  EXPECT_EQ(read_text(cut + "/last_checkpoint"), cut + "/iter_8.pth");
  r.reset();

  Runner::from_cfg(toy_run_config(cut, {"resume=True"}, "custom_hooks = [" + ema + "]"))->train();
  EXPECT_TRUE(same_weights(full + "/epoch_3.pth", cut + "/epoch_3.pth"));
}

TEST_F(InterruptTest, SigintDuringTestStopsAtTheNextIteration) {
  EvalProbeHook::reset();
  auto r = Runner::from_cfg(toy_run_config(
      dir("t"), {},
      "custom_hooks = [dict(type='EvalProbeHook'), dict(type='RaiseSignalHook', stage='test', "
      "at=1)]"));
  try {
    r->test();
    ADD_FAILURE() << "test() must end with KeyboardInterrupt";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "KeyboardInterrupt") << e.what();
  }
  EXPECT_EQ(EvalProbeHook::test_iters, 1);
  EXPECT_EQ(EvalProbeHook::test_epochs, 0);
}

// ---- a hung loader ----

// HangingDataset(size=32): ToyDataset's samples, but get(8) blocks until the
// test releases it.
struct Hang {
  static std::mutex mutex;
  static std::condition_variable cv;
  static bool blocked, released;
};
std::mutex Hang::mutex;
std::condition_variable Hang::cv;
bool Hang::blocked = false, Hang::released = false;

class HangingDataset : public testing::ToyDataset {
 public:
  HangingDataset() : ToyDataset(Options{32, 2, -1, false, 0}) {}
  static std::shared_ptr<HangingDataset> from_config(registry::BuildArgs& args) {
    args.take_rest();
    return std::make_shared<HangingDataset>();
  }
  data::Sample get(std::size_t index, const data::SampleContext& ctx) override {
    if (index == 8) {
      std::unique_lock<std::mutex> lock(Hang::mutex);
      Hang::blocked = true;
      Hang::cv.notify_all();
      Hang::cv.wait(lock, [] { return Hang::released; });
    }
    return ToyDataset::get(index, ctx);
  }
};
MMCPP_REGISTER(registry::DATASETS, HangingDataset, "dict(type='HangingDataset')");

TEST_F(InterruptTest, HungLoaderDoesNotHoldOffTheStop) {
  Hang::blocked = Hang::released = false;
  const std::string wd = dir("hung");
  auto r = Runner::from_cfg(toy_run_config(
      wd, {"train_dataloader.dataset.type=HangingDataset", "train_dataloader.sampler.shuffle=False",
           "train_dataloader.num_workers=2"}));
  // Once a worker hangs in batch 2, press Ctrl-C; give up after 20 s (so that
  // a loader that cannot be interrupted fails the test instead of hanging it).
  std::thread user([] {
    std::unique_lock<std::mutex> lock(Hang::mutex);
    Hang::cv.wait(lock, [] { return Hang::blocked; });
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::kill(::getpid(), SIGINT);
    lock.lock();
    Hang::cv.wait_for(lock, std::chrono::seconds(20), [] { return Hang::released; });
    Hang::released = true;
    Hang::cv.notify_all();
  });
  std::string msg;
  try {
    r->train();
  } catch (const Error& e) {
    msg = e.what();
  }
  bool still_hung;
  {
    std::lock_guard<std::mutex> lock(Hang::mutex);
    still_hung = !Hang::released;
    Hang::released = true;
  }
  Hang::cv.notify_all();
  user.join();
  EXPECT_TRUE(still_hung) << "train() returned only once the dataset was released";
  EXPECT_NE(msg.find("Training stopped by SIGINT"), std::string::npos) << msg;
  // The resumable checkpoint is there, with the counters reached (batches 0, 1).
  std::string last = read_text(wd + "/last_checkpoint");
  ASSERT_FALSE(last.empty());
  EXPECT_EQ(read_checkpoint(last).get("meta").get("iter").as_int(), r->iter());
  EXPECT_LE(r->iter(), 2);
}

// ---- the signal guard ----

TEST(InterruptGuardDeathTest, SecondSigintExitsAtOnce) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        StopRequest stop;
        InterruptGuard guard(stop);
        std::raise(SIGINT);
        if (!stop.requested() || stop.signal() != SIGINT) std::_Exit(3);
        std::raise(SIGINT);
        std::_Exit(4);  // not reached: the second SIGINT ends the process
      },
      ::testing::ExitedWithCode(128 + SIGINT), "Interrupted twice");
}

extern "C" void test_marker_handler(int) {}

TEST(InterruptGuard, RestoresThePreviousHandlersAndNests) {
  struct sigaction mine {};
  mine.sa_handler = test_marker_handler;
  sigemptyset(&mine.sa_mask);
  struct sigaction before {};
  ASSERT_EQ(::sigaction(SIGINT, &mine, &before), 0);
  {
    StopRequest outer, inner;
    InterruptGuard g1(outer);
    {
      InterruptGuard g2(inner);
      std::raise(SIGINT);
    }
    EXPECT_TRUE(inner.requested());
    EXPECT_FALSE(outer.requested());
    std::raise(SIGTERM);
    EXPECT_TRUE(outer.requested());
    EXPECT_EQ(outer.reason(), "SIGTERM");
  }
  struct sigaction now {};
  ::sigaction(SIGINT, nullptr, &now);
  EXPECT_EQ(now.sa_handler, test_marker_handler);
  ::sigaction(SIGINT, &before, nullptr);
}

// ---- where the interrupt checkpoint goes ----

TEST_F(InterruptTest, CheckpointHonoursOutDirAndMaxKeepCkpts) {
  const std::string wd = dir("run"), out = dir("out");
  const std::vector<std::string> opts = {"default_hooks.checkpoint.out_dir=" + out,
                                         "default_hooks.checkpoint.max_keep_ckpts=1"};
  auto r = Runner::from_cfg(
      toy_run_config(wd, opts, "custom_hooks = [dict(type='RaiseSignalHook', at=13)]"));
  std::string msg = interrupted_message(*r);
  r.reset();
  const std::string saved = out + "/run/iter_13.pth";
  EXPECT_TRUE(fs::exists(saved)) << msg;
  EXPECT_NE(msg.find(saved), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(wd + "/iter_13.pth"));
  EXPECT_FALSE(fs::exists(out + "/run/epoch_1.pth"));  // one checkpoint kept: the new one
  EXPECT_EQ(read_text(wd + "/last_checkpoint"), saved);

  auto resumed = opts;
  resumed.push_back("resume=True");
  auto r2 = Runner::from_cfg(toy_run_config(wd, resumed));
  r2->train();
  EXPECT_EQ(r2->iter(), 24);
  EXPECT_TRUE(fs::exists(out + "/run/epoch_3.pth"));
  EXPECT_FALSE(fs::exists(saved));  // it took its turn among the kept
  EXPECT_FALSE(fs::exists(out + "/run/epoch_2.pth"));
}

// ---- "Resume with:" ----

TEST_F(InterruptTest, ResumeCommandRepeatsTheWholeCommandLineQuoted) {
  const std::string wd = dir("run");
  auto r = Runner::from_cfg(
      toy_run_config(wd, {}, "custom_hooks = [dict(type='RaiseSignalHook', at=3)]"));
  r->set_command_line({"/opt/bin/mmcpp", "train", "my config.py", "--work-dir", wd, "--cfg-options",
                       "a=1", "b='x y'", "--resume", "old.pth", "--amp"});
  std::string msg = interrupted_message(*r);
  const std::string expected = "Resume with: /opt/bin/mmcpp train 'my config.py' --work-dir " + wd +
                               " --cfg-options a=1 'b='\\''x y'\\''' --amp --resume " + wd +
                               "/iter_3.pth";
  EXPECT_NE(msg.find(expected), std::string::npos) << msg << "\nexpected: " << expected;
  EXPECT_NE(log_of(wd).find(expected), std::string::npos);
  // A bare --resume (no value) is replaced too; without a command line the
  // runner rebuilds one from the config file and work_dir.
  r->set_command_line({"mmcpp", "train", "c.py", "--resume", "--amp"});
  EXPECT_EQ(r->resume_command("/w/x.pth"), "mmcpp train c.py --amp --resume /w/x.pth");
}

// ---- one stop mechanism ----

TEST_F(InterruptTest, EarlyStoppingStopsThroughTheRunnersStopRequest) {
  const std::string wd = dir("early");
  auto r = Runner::from_cfg(toy_run_config(
      wd, {},
      "custom_hooks = [dict(type='EarlyStoppingHook', monitor='toy/accuracy', rule='greater', "
      "min_delta=1000.0, patience=1)]"));
  r->train();  // stopped early: no KeyboardInterrupt
  EXPECT_TRUE(r->stop_requested());
  EXPECT_FALSE(r->interrupted());
  EXPECT_EQ(r->iter(), 16);  // after the second validation
  EXPECT_NE(r->stop_request().reason().find("did not improve"), std::string::npos);
  EXPECT_NE(log_of(wd).find("Training stopped early"), std::string::npos);
}

}  // namespace
}  // namespace mmcpp::engine
