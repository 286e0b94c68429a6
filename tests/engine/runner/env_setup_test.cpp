// The Runner's environment keys (env_cfg, runner_type, log_level, randomness):
// read and acted on as MMEngine does, or refused with an error naming the key,
// always before the work_dir exists; and the intra-op thread policy
// (engine/runner/thread_policy.h).
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/threads.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/env_setup.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/engine/runner/thread_policy.h"
#include "mmcpp/io/py_object.h"
#include "mmcpp/pretrain/utils/opencv_threads.h"

namespace mmcpp::engine {
namespace {

namespace fs = std::filesystem;
using config::Config;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Restores the process-wide settings a Runner changes.
struct SavedProcessState {
  int threads = at::get_num_threads();
  bool benchmark = at::globalContext().benchmarkCuDNN();
  int opencv = pretrain::opencv_num_threads();
  ~SavedProcessState() {
    set_intra_op_threads(threads);
    at::globalContext().setBenchmarkCuDNN(benchmark);
    pretrain::set_opencv_num_threads(opencv);
  }
};

class RunnerEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("MMCPP_PLUGIN_PATH", MMCPP_PLUGIN_DIR, 1);
    root_ = fs::temp_directory_path() /
            ("mmcpp_runner_env_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  // The seed example's model alone, plus `extra` config lines.
  Config config(const std::string& extra) {
    return Config::fromstring(
        "custom_imports = dict(imports=['libseed_example.so'], allow_failed_imports=False)\n"
        "model = dict(type='MyAwesomeModel', layers=2)\n"
        "work_dir = '" +
            work_dir() + "'\n" + extra,
        ".py");
  }
  std::string work_dir() const { return (root_ / "wd").string(); }

  // Kind and message of the error building a Runner from `extra`, and whether the
  // work_dir existed afterwards.
  struct Refusal {
    std::string kind = "none", message;
    bool work_dir_created = false;
  };
  Refusal refusal(const std::string& extra) {
    Refusal r;
    try {
      Runner::from_cfg(config(extra));
    } catch (const Error& e) {
      r.kind = e.kind();
      r.message = e.what();
    }
    r.work_dir_created = fs::exists(work_dir());
    return r;
  }

  std::string log_text() {
    for (const auto& e : fs::recursive_directory_iterator(work_dir()))
      if (e.path().extension() == ".log") return read(e.path());
    return "";
  }

  fs::path root_;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(RunnerEnvTest, KeysMMEngineRejectsFailBeforeTheWorkDirExists) {
  struct Case {
    const char* extra;
    const char* kind;
    const char* names;  // part of the message
  } cases[] = {
      {"runner_type = 'FlexibleRunner'\n", "NotImplementedError", "runner_type='FlexibleRunner'"},
      {"runner_type = 3\n", "TypeError", "runner_type"},
      {"log_level = 'VERBOSE'\n", "KeyError", "VERBOSE"},
      {"log_level = [1]\n", "TypeError", "log_level"},
      {"env_cfg = dict(mp_cfg=dict(mp_start_method='thread'))\n", "ValueError",
       "env_cfg.mp_cfg.mp_start_method"},
      {"env_cfg = dict(mp_cfg=dict(opencv_threads=0))\n", "TypeError",
       "env_cfg.mp_cfg.opencv_threads"},
      {"env_cfg = dict(mp_cfg=dict(opencv_num_threads='all'))\n", "TypeError",
       "env_cfg.mp_cfg.opencv_num_threads"},
      {"env_cfg = 'cuda'\n", "TypeError", "env_cfg must be a dict"},
      {"env_cfg = dict(intra_op_threads=0)\n", "ValueError", "env_cfg.intra_op_threads"},
      {"env_cfg = dict(intra_op_threads='many')\n", "TypeError", "env_cfg.intra_op_threads"},
      {"randomness = dict(seed=1, deterministc=True)\n", "TypeError", "randomness.deterministc"},
      // Runner's all-or-none groups are config errors too.
      {"train_cfg = dict(max_epochs=1)\n", "ValueError", "train_dataloader"},
  };
  for (const auto& c : cases) {
    Refusal r = refusal(c.extra);
    EXPECT_EQ(r.kind, c.kind) << c.extra << r.message;
    EXPECT_TRUE(contains(r.message, c.names)) << c.extra << r.message;
    EXPECT_FALSE(r.work_dir_created) << c.extra;
    fs::remove_all(work_dir());
  }
  // What MMEngine accepts.
  SavedProcessState restore;
  for (const char* ok :
       {"runner_type = 'Runner'\n", "log_level = 'DEBUG'\n", "log_level = 30\n", "log_level = 25\n",
        "env_cfg = dict(mp_cfg=dict(mp_start_method='spawn'))\n",
        "env_cfg = dict(dist_cfg=dict(backend='gloo'), resource_limit=1024)\n",
        "randomness = dict(seed=3, deterministic=False, diff_rank_seed=False)\n"}) {
    EXPECT_NO_THROW(Runner::from_cfg(config(ok))) << ok;
    fs::remove_all(work_dir());
  }
}

TEST(RunnerEnv, MMPretrainsDefaultRuntimeIsAcceptedAsIs) {
  // configs/_base_/default_runtime.py is MMPretrain's: every key it sets is read.
  RunnerEnv env = read_runner_env(
      Config::fromfile(std::string(MMCPP_SOURCE_DIR) + "/configs/_base_/default_runtime.py"));
  EXPECT_TRUE(env.warnings.empty());
  EXPECT_FALSE(env.cudnn_benchmark);
  EXPECT_EQ(env.mp_start_method, "fork");
  EXPECT_EQ(env.opencv_num_threads, 0);
  EXPECT_EQ(env.log_level, LogLevel::Info);
  EXPECT_FALSE(env.intra_op_threads.has_value());
  // And what a user may set instead.
  RunnerEnv set = read_runner_env(Config::fromstring(
      "env_cfg = dict(cudnn_benchmark=True, mp_cfg=dict(mp_start_method='spawn', "
      "opencv_num_threads=2), intra_op_threads=4)\nlog_level = 'ERROR'\n",
      ".py"));
  EXPECT_TRUE(set.cudnn_benchmark);
  EXPECT_EQ(set.mp_start_method, "spawn");
  EXPECT_EQ(set.opencv_num_threads, 2);
  EXPECT_EQ(set.intra_op_threads, std::optional<int>(4));
  EXPECT_EQ(set.log_level, LogLevel::Error);
}

TEST_F(RunnerEnvTest, CudnnBenchmarkIsSetAndDeterministicTurnsItOff) {
  SavedProcessState restore;
  at::globalContext().setBenchmarkCuDNN(false);
  Runner::from_cfg(config("env_cfg = dict(cudnn_benchmark=True)\n"));
  EXPECT_TRUE(at::globalContext().benchmarkCuDNN());
  fs::remove_all(work_dir());
  // set_randomness(deterministic=True) runs after setup_env, as in MMEngine.
  Runner::from_cfg(
      config("env_cfg = dict(cudnn_benchmark=True)\n"
             "randomness = dict(seed=0, deterministic=True)\n"));
  EXPECT_FALSE(at::globalContext().benchmarkCuDNN());
  EXPECT_TRUE(at::globalContext().deterministicCuDNN());
  at::globalContext().setDeterministicAlgorithms(false, false);
  at::globalContext().setDeterministicCuDNN(false);
}

TEST_F(RunnerEnvTest, OpencvThreadsFollowMpCfgWithMMEnginesDefaultOfZero) {
  SavedProcessState restore;
  pretrain::set_opencv_num_threads(5);
  Runner::from_cfg(config("env_cfg = dict(mp_cfg=dict(opencv_num_threads=3))\n"));
  EXPECT_EQ(pretrain::opencv_num_threads(), 3);
  fs::remove_all(work_dir());
  // set_multi_processing(opencv_num_threads=0): cv::setNumThreads(0), which makes
  // OpenCV serial; with Debian's TBB backend getNumThreads() still reports the old
  // arena size afterwards, so a second setter of the same name sees what is passed.
  auto passed = std::make_shared<std::vector<int>>();  // the setter outlives the test
  add_library_threads("opencv", [passed](int n) { passed->push_back(n); });
  Runner::from_cfg(config(""));
  EXPECT_EQ(*passed, std::vector<int>{0});
}

TEST_F(RunnerEnvTest, ResourceLimitRaisesTheOpenFileSoftLimit) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  if (before.rlim_max != RLIM_INFINITY && before.rlim_cur >= before.rlim_max)
    GTEST_SKIP() << "the soft limit is already the hard limit";
  rlimit lowered = before;
  lowered.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  Runner::from_cfg(config("env_cfg = dict(resource_limit=300)\n"));
  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, 300u);
  setrlimit(RLIMIT_NOFILE, &before);
}

TEST_F(RunnerEnvTest, KeysMMEngineIgnoresAreWarnedAboutAndTheRestIsLogged) {
  SavedProcessState restore;
  // MMEngine's own 15-minute tutorial puts `backend` at the top of env_cfg.
  Runner::from_cfg(
      config("env_cfg = dict(cudnn_benchmark=False, backend='nccl', "
             "mp_cfg=dict(mp_start_method='fork'))\n"));
  std::string log = log_text();
  EXPECT_TRUE(contains(log, "WARNING - env_cfg.backend is not a setting MMEngine reads")) << log;
  EXPECT_TRUE(contains(log, "did you mean env_cfg.dist_cfg.backend?")) << log;
  EXPECT_TRUE(contains(log, "mp_start_method 'fork' is not used")) << log;
  EXPECT_TRUE(contains(log, "intra-op threads:")) << log;
}

TEST_F(RunnerEnvTest, LogLevelFiltersTheLog) {
  SavedProcessState restore;
  Runner::from_cfg(config("log_level = 'WARNING'\nenv_cfg = dict(backend='nccl')\n"));
  std::string log = log_text();
  EXPECT_FALSE(contains(log, " - INFO - ")) << log;
  EXPECT_TRUE(contains(log, " - WARNING - ")) << log;
}

// ---- the intra-op thread policy ----

TEST(IntraOpThreadPolicy, CountsMatrixProductAndConvolutionFlops) {
  torch::NoGradGuard no_grad_outside;
  {
    torch::AutoGradMode grad(true);
    torch::nn::Linear fc(64, 32);
    torch::Tensor x = torch::rand({16, 64}, torch::requires_grad());
    IntraOpThreadPolicy::FlopCounter counter;
    fc->forward(x).sum().backward();
    // forward addmm, then grad-input and grad-weight products: 3 * 2*16*64*32.
    EXPECT_DOUBLE_EQ(counter.flops(), 3 * 65536.0);
  }
  {
    torch::AutoGradMode grad(true);
    torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 8, 3).padding(1).stride(2));
    torch::Tensor x = torch::rand({2, 3, 10, 10});
    IntraOpThreadPolicy::FlopCounter counter;
    torch::Tensor y = conv->forward(x);
    // 2 * N * outputs (8 x 5 x 5) * (3 * 3 * 3) multiply-adds.
    EXPECT_DOUBLE_EQ(counter.flops(), 2.0 * 2 * 25 * 8 * 27);
    y.sum().backward();  // input needs no gradient: the weight's only
    EXPECT_DOUBLE_EQ(counter.flops(), 2 * 2.0 * 2 * 25 * 8 * 27);
  }
  // Nothing is counted once the counter is gone.
  torch::Tensor a = torch::rand({8, 8});
  IntraOpThreadPolicy::FlopCounter outer;
  { IntraOpThreadPolicy::FlopCounter inner; }
  a.mm(a);
  EXPECT_DOUBLE_EQ(outer.flops(), 2.0 * 8 * 8 * 8);
}

TEST(IntraOpThreadPolicy, ThreadsGrowWithTheWorkUpToTheCores) {
  EXPECT_EQ(IntraOpThreadPolicy::threads_for(0, 16), 1);
  EXPECT_EQ(IntraOpThreadPolicy::threads_for(0.08e9, 16), 1);  // LeNet-5, batch 32
  EXPECT_EQ(IntraOpThreadPolicy::threads_for(3.5e9, 16), 3);
  EXPECT_EQ(IntraOpThreadPolicy::threads_for(400e9, 16), 16);  // ResNet-50, batch 32
  EXPECT_EQ(IntraOpThreadPolicy::threads_for(400e9, 2), 2);
}

TEST_F(RunnerEnvTest, AutoPolicyMeasuresTheFirstIterationAndSavesTheCount) {
  if (user_set_num_threads()) GTEST_SKIP() << "OMP_NUM_THREADS is set: it wins";
  SavedProcessState restore;
  Config cfg =
      Config::fromfile(std::string(MMCPP_SOURCE_DIR) + "/configs/seed_example/example_config.py");
  cfg.merge_from_dict(config::parse_cfg_options(
      {"work_dir=" + work_dir(), "train_cfg.max_epochs=1", "train_dataloader.dataset.size=256",
       "val_dataloader.dataset.size=64", "custom_hooks=[]"}));
  set_intra_op_threads(1);
  auto runner = Runner::from_cfg(cfg);
  EXPECT_EQ(at::get_num_threads(), available_cores());  // until the first iteration is measured
  runner->train();
  // The seed's MLP does a few MFLOP per iteration: one thread.
  EXPECT_EQ(at::get_num_threads(), 1);
  std::string log = log_text();
  EXPECT_TRUE(contains(log, "intra-op threads: 1 (auto: ")) << log;
  io::PyObject ckpt = read_checkpoint(work_dir() + "/epoch_1.pth");
  ASSERT_NE(ckpt.get("meta").find("intra_op_threads"), nullptr);
  EXPECT_EQ(ckpt.get("meta").get("intra_op_threads").as_int(), 1);

  // A checkpoint's count is taken over on resume (as the interrupted run had it).
  IntraOpThreadPolicy policy(std::nullopt, 2);
  policy.start();
  io::PyObject fake = io::PyObject::dict();
  io::PyObject meta = io::PyObject::dict();
  meta.as_dict().set("intra_op_threads", io::PyObject::from_int(2));
  fake.as_dict().set("meta", meta);
  policy.after_load_checkpoint(*runner, fake);
  EXPECT_TRUE(policy.decided());
  EXPECT_EQ(policy.threads(), 2);
  EXPECT_EQ(at::get_num_threads(), 2);
}

TEST_F(RunnerEnvTest, UsersOmpNumThreadsAlwaysWins) {
  SavedProcessState restore;
  const char* had = std::getenv("OMP_NUM_THREADS");
  std::string saved = had ? had : "";
  // LibTorch read OMP_NUM_THREADS at start; the policy must leave the count alone,
  // whatever env_cfg says and whatever the first iteration measures.
  setenv("OMP_NUM_THREADS", "1", 1);
  set_intra_op_threads(1);
  Runner::from_cfg(config("env_cfg = dict(intra_op_threads=3)\n"));
  EXPECT_EQ(at::get_num_threads(), 1);
  EXPECT_TRUE(contains(log_text(), "intra-op threads: 1 (OMP_NUM_THREADS)")) << log_text();
  IntraOpThreadPolicy policy(std::nullopt, 4);
  policy.start();
  EXPECT_TRUE(policy.decided());
  EXPECT_EQ(at::get_num_threads(), 1);
  if (had)
    setenv("OMP_NUM_THREADS", saved.c_str(), 1);
  else
    unsetenv("OMP_NUM_THREADS");
}

TEST_F(RunnerEnvTest, EnvCfgIntraOpThreadsFixesTheCount) {
  if (user_set_num_threads()) GTEST_SKIP() << "OMP_NUM_THREADS is set: it wins";
  SavedProcessState restore;
  Runner::from_cfg(config("env_cfg = dict(intra_op_threads=3)\n"));
  EXPECT_EQ(at::get_num_threads(), 3);
  EXPECT_TRUE(contains(log_text(), "intra-op threads: 3 (env_cfg.intra_op_threads)"));
}

}  // namespace
}  // namespace mmcpp::engine
