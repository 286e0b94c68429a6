// ValLoop / TestLoop details and errors from model code: evaluate() gets the
// loader's dataset_size(), fp16=True runs the steps under autocast, a LibTorch
// error inside the model names the component, and library warnings reach the
// run's log.
#include <gtest/gtest.h>

#include <c10/util/Exception.h>

#include <filesystem>
#include <string>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/runner.h"
#include "tests/support/toy_data.h"
#include "tests/support/toy_run.h"

namespace mmcpp::engine {
namespace {

namespace fs = std::filesystem;
using testing::log_of;
using testing::toy_run_config;
using testing::ToyModel;

class LoopsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("mmcpp_loops_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string dir(const std::string& sub) const { return (root_ / sub).string(); }

  fs::path root_;
};

// num_batch_per_epoch=2 slices the 12 validation samples to 8: the metric
// must be told 8 (MMEngine's len(self.dataloader.dataset)), so it does not
// warn about predictions missing.
TEST_F(LoopsTest, EvaluateGetsTheLoadersDatasetSize) {
  const std::string wd = dir("val");
  auto r = Runner::from_cfg(toy_run_config(wd, {"val_dataloader.num_batch_per_epoch=2"}));
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  evaluation::Metrics m = r->val();
  std::string err = ::testing::internal::GetCapturedStderr();
  std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(r->val_dataloader()->dataset_size(), 8u);
  double count = -1;
  for (const auto& [k, v] : m)
    if (k == "toy/count") count = v;
  EXPECT_EQ(count, 8.0);
  for (const std::string& text : {err, out, log_of(wd)})
    EXPECT_EQ(text.find("but the dataset has"), std::string::npos) << text;
}

TEST_F(LoopsTest, Fp16RunsValAndTestStepsUnderAutocast) {
  auto r =
      Runner::from_cfg(toy_run_config(dir("fp16"), {"val_cfg.fp16=True", "test_cfg.fp16=True"}));
  ToyModel::reset_autocast_seen();
  r->val();
  EXPECT_EQ(ToyModel::autocast_seen(true), 3);  // 12 samples, batches of 4
  EXPECT_EQ(ToyModel::autocast_seen(false), 0);
  ToyModel::reset_autocast_seen();
  r->test();
  EXPECT_EQ(ToyModel::autocast_seen(true), 3);
  EXPECT_EQ(ToyModel::autocast_seen(false), 0);

  auto plain = Runner::from_cfg(toy_run_config(dir("fp32")));
  ToyModel::reset_autocast_seen();
  plain->val();
  EXPECT_EQ(ToyModel::autocast_seen(true), 0);
  EXPECT_EQ(ToyModel::autocast_seen(false), 3);
}

// A c10::Error raised in model code: an mmcpp RuntimeError with LibTorch's
// message and the component, without the C++ backtrace, which stays available
// in the nested c10::Error (what `mmcpp --debug` prints).
TEST_F(LoopsTest, TorchErrorInModelCodeNamesTheComponent) {
  auto r = Runner::from_cfg(toy_run_config(dir("bad"), {"model.fail_in_train=True"}));
  try {
    r->train();
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_EQ(e.kind(), "RuntimeError");
    EXPECT_EQ(what.rfind("ToyModel.train_step: ", 0), 0u) << what;
    EXPECT_NE(what.find("mat1 and mat2 shapes cannot be multiplied"), std::string::npos) << what;
    EXPECT_EQ(what.find("Exception raised from"), std::string::npos) << what;
    bool nested_c10 = false;
    try {
      std::rethrow_if_nested(e);
    } catch (const c10::Error&) {
      nested_c10 = true;
    } catch (...) {
    }
    EXPECT_TRUE(nested_c10);
  }
}

// Warnings of library code (here the DataLoader's "no sampler") go through the
// runner's logger into <timestamp>.log.
TEST_F(LoopsTest, LibraryWarningsReachTheRunLog) {
  const std::string wd = dir("log");
  auto r = Runner::from_cfg(
      toy_run_config(wd, {"train_dataloader.sampler=None", "train_cfg.max_epochs=1"}));
  r->train();
  std::string log = log_of(wd);
  EXPECT_NE(log.find("WARNING - DataLoader: the dataloader config has no 'sampler'"),
            std::string::npos)
      << log.substr(0, 3000);
}

}  // namespace
}  // namespace mmcpp::engine
