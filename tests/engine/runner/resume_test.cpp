// Resume and reproducibility: a run resumed with randomness.seed=None continues
// the interrupted one bit for bit (mid-epoch and at an epoch boundary, with 0
// and 2 loader workers), a mid-epoch resume calls before_train_epoch, the
// random generators travel in the checkpoint, and EMAHook resumes whenever
// Runner::resume runs.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/hooks/ema_hook.h"
#include "mmcpp/engine/model/averaged_model.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/rng_state.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/io/pth_writer.h"
#include "mmcpp/registry/root.h"
#include "tests/support/toy_run.h"

namespace mmcpp::engine {
namespace {

namespace fs = std::filesystem;
using testing::log_of;
using testing::same_weights;
using testing::toy_run_config;

class ResumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (auto& c : name)
      if (c == '/') c = '_';
    root_ = fs::temp_directory_path() / ("mmcpp_resume_" + std::to_string(::getpid()) + "_" + name);
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string dir(const std::string& sub) const { return (root_ / sub).string(); }

  fs::path root_;
};

// ---- randomness.seed=None ----

struct SeedCase {
  int workers;
  bool mid_epoch;  // else at an epoch boundary (a regular epoch checkpoint)
};

class SeedNoneResume : public ResumeTest, public ::testing::WithParamInterface<SeedCase> {};

// The uninterrupted run has seed 1234; the resumed one is started with the
// default seed=None (a fresh random seed) and must take the checkpoint's into
// the sampler order and every sample's random draw (ToyDataset's inputs carry a
// draw from the sample seed), so the final weights are the same bit for bit.
TEST_P(SeedNoneResume, ContinuesTheInterruptedRunBitForBit) {
  const SeedCase c = GetParam();
  const std::string workers = "train_dataloader.num_workers=" + std::to_string(c.workers);
  const std::string full = dir("full"), cut = dir("cut");
  Runner::from_cfg(toy_run_config(full, {"randomness.seed=1234", workers}))->train();

  std::string resume_from;
  if (c.mid_epoch) {
    auto first =
        Runner::from_cfg(toy_run_config(cut, {"randomness.seed=1234", workers},
                                        "custom_hooks = [dict(type='RaiseSignalHook', at=13)]"));
    try {
      first->train();
      FAIL() << "the interrupted run must end with KeyboardInterrupt";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), "KeyboardInterrupt") << e.what();
    }
    first.reset();
    resume_from = cut + "/iter_13.pth";
  } else {
    resume_from = full + "/epoch_1.pth";
  }
  ASSERT_TRUE(fs::exists(resume_from));

  auto resumed =
      Runner::from_cfg(toy_run_config(cut, {workers, "resume=True", "load_from=" + resume_from}));
  resumed->train();
  EXPECT_EQ(resumed->seed(), 1234u);
  EXPECT_EQ(resumed->train_dataloader()->seed(), 1234u);
  EXPECT_EQ(resumed->train_dataloader()->sampler().seed(), 1234u);
  EXPECT_EQ(resumed->iter(), 24);
  EXPECT_TRUE(same_weights(full + "/epoch_3.pth", cut + "/epoch_3.pth"));
}

INSTANTIATE_TEST_SUITE_P(Resume, SeedNoneResume,
                         ::testing::Values(SeedCase{0, true}, SeedCase{0, false}, SeedCase{2, true},
                                           SeedCase{2, false}),
                         [](const ::testing::TestParamInfo<SeedCase>& info) {
                           return std::string(info.param.mid_epoch ? "MidEpoch" : "EpochBoundary") +
                                  "Workers" + std::to_string(info.param.workers);
                         });

// The same for iteration-based training on an InfiniteSampler (one generator
// drawing successive passes), stopped mid-pass at iteration 13 of 20.
class SeedNoneResumeIterBased : public ResumeTest, public ::testing::WithParamInterface<int> {};

TEST_P(SeedNoneResumeIterBased, ContinuesTheInterruptedRunBitForBit) {
  const std::vector<std::string> iter_based = {
      "train_cfg._delete_=True",
      "train_cfg.by_epoch=False",
      "train_cfg.max_iters=20",
      "train_cfg.val_interval=10",
      "train_dataloader.sampler.type=InfiniteSampler",
      "train_dataloader.num_workers=" + std::to_string(GetParam()),
      "param_scheduler.by_epoch=False",
      "param_scheduler.milestones=[12]",
      "default_hooks.checkpoint.by_epoch=False",
      "default_hooks.checkpoint.interval=10"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> all = iter_based;
    all.insert(all.end(), more.begin(), more.end());
    return all;
  };
  const std::string full = dir("full"), cut = dir("cut");
  Runner::from_cfg(toy_run_config(full, with({"randomness.seed=99"})))->train();
  auto first = Runner::from_cfg(toy_run_config(
      cut, with({"randomness.seed=99"}), "custom_hooks = [dict(type='RaiseSignalHook', at=13)]"));
  EXPECT_THROW(first->train(), Error);
  first.reset();
  ASSERT_TRUE(fs::exists(cut + "/iter_13.pth"));

  auto resumed = Runner::from_cfg(toy_run_config(cut, with({"resume=True"})));
  resumed->train();
  EXPECT_EQ(resumed->seed(), 99u);
  EXPECT_EQ(resumed->train_dataloader()->sampler().seed(), 99u);
  EXPECT_EQ(resumed->iter(), 20);
  EXPECT_TRUE(same_weights(full + "/iter_20.pth", cut + "/iter_20.pth"));
}

INSTANTIATE_TEST_SUITE_P(Resume, SeedNoneResumeIterBased, ::testing::Values(0, 2),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "Workers" + std::to_string(info.param);
                         });

// A sampler given its own seed keeps it: only seeds taken from the run follow.
TEST_F(ResumeTest, SamplerWithItsOwnSeedKeepsIt) {
  Runner::from_cfg(toy_run_config(dir("a"), {"randomness.seed=5", "train_cfg.max_epochs=1"}))
      ->train();
  auto r = Runner::from_cfg(
      toy_run_config(dir("b"), {"train_dataloader.sampler.seed=77", "train_cfg.max_epochs=2",
                                "resume=True", "load_from=" + dir("a") + "/epoch_1.pth"}));
  r->train();
  EXPECT_EQ(r->train_dataloader()->seed(), 5u);
  EXPECT_EQ(r->train_dataloader()->sampler().seed(), 77u);
}

// ---- before_train_epoch on a mid-epoch resume ----

// Records before_train_epoch calls and the train/time of the first iteration.
class EpochProbeHook : public Hook {
 public:
  static std::vector<std::int64_t> calls;  // runner.iter() at each before_train_epoch
  static std::vector<double> iter_times;
  static std::shared_ptr<EpochProbeHook> from_config(registry::BuildArgs&) {
    return std::make_shared<EpochProbeHook>();
  }
  std::string name() const override { return "EpochProbeHook"; }
  std::vector<std::string> stages() const override {
    return {"before_train_epoch", "after_train_iter"};
  }
  void before_train_epoch(Runner& runner) override { calls.push_back(runner.iter()); }
  void after_train_iter(Runner& runner, std::int64_t, const data::DataBatch*,
                        const NamedTensors&) override {
    iter_times.push_back(runner.message_hub().get_scalar("train/time").current());
  }
};
std::vector<std::int64_t> EpochProbeHook::calls;
std::vector<double> EpochProbeHook::iter_times;
MMCPP_REGISTER(registry::HOOKS, EpochProbeHook, "dict(type='EpochProbeHook')");

// A monotonic clock far from 0 that advances 0.25 s per reading.
class SteadyClockEnv : public Env {
 public:
  double monotonic_seconds() override { return now_ += 0.25; }

 private:
  double now_ = 1.0e6;
};

TEST_F(ResumeTest, MidEpochResumeCallsBeforeTrainEpoch) {
  const std::string wd = dir("run");
  EXPECT_THROW(Runner::from_cfg(
                   toy_run_config(wd, {}, "custom_hooks = [dict(type='RaiseSignalHook', at=13)]"))
                   ->train(),
               Error);
  EpochProbeHook::calls.clear();
  EpochProbeHook::iter_times.clear();
  SteadyClockEnv clock;
  auto r = Runner::from_cfg(
      toy_run_config(wd, {"resume=True"},
                     "custom_hooks = [dict(type='EpochProbeHook', priority='LOWEST')]"),
      clock);
  r->train();
  // Epoch 2 (resumed at its 5th batch) and epoch 3: both announced.
  EXPECT_EQ(EpochProbeHook::calls, (std::vector<std::int64_t>{13, 16}));
  // IterTimerHook started its clock in before_train_epoch: the first resumed
  // iteration takes a few clock readings, not the clock's whole value.
  ASSERT_FALSE(EpochProbeHook::iter_times.empty());
  EXPECT_LT(EpochProbeHook::iter_times.front(), 100.0);
}

// ---- generators ----

TEST(RngState, SavedCpuGeneratorContinuesTheStream) {
  torch::manual_seed(3);
  torch::rand({5});
  io::PyObject meta = io::PyObject::dict();
  save_generator_states(meta);
  ASSERT_NE(meta.find("rng_state"), nullptr);
  torch::Tensor expected = torch::rand({7});
  torch::rand({11});
  EXPECT_TRUE(restore_generator_states(meta).empty());
  EXPECT_TRUE(torch::equal(torch::rand({7}), expected));
  // CUDA states are saved exactly when there is CUDA.
  EXPECT_EQ(meta.find("cuda_rng_state") != nullptr, torch::cuda::is_available());
}

// A checkpoint holding CUDA generator states this process cannot restore (more
// devices than it has): the resume says so instead of dropping them silently.
TEST_F(ResumeTest, CudaGeneratorStatesThatCannotBeRestoredAreReported) {
  const std::string a = dir("a");
  Runner::from_cfg(toy_run_config(a, {"train_cfg.max_epochs=1"}))->train();
  io::PyObject ckpt = read_checkpoint(a + "/epoch_1.pth");
  io::PyObject meta = ckpt.get("meta");
  io::PyObject states = io::PyObject::list();
  const int here = static_cast<int>(torch::cuda::device_count());
  io::PyObject current = io::PyObject::dict();
  save_generator_states(current);
  for (int d = 0; d < here; ++d) states.items().push_back(current.get("cuda_rng_state").at(d));
  states.items().push_back(io::PyObject::tensor(torch::zeros({16}, torch::kUInt8)));
  meta.as_dict().set("cuda_rng_state", states);
  ckpt.as_dict().set("meta", meta);
  const std::string edited = dir("edited.pth");
  io::save_pth(ckpt, edited);

  const std::string b = dir("b");
  auto r = Runner::from_cfg(
      toy_run_config(b, {"train_cfg.max_epochs=2", "resume=True", "load_from=" + edited}));
  r->train();
  std::string log = log_of(b);
  EXPECT_NE(log.find("CUDA random generator states of " + std::to_string(here + 1) + " device(s)"),
            std::string::npos)
      << log.substr(0, 4000);
}

// ---- EMAHook ----

// Runner::resume() called from code (the config says resume=False) restores the
// EMA state as a resume: the raw weights into the model, the averaged ones and
// the step count into the EMA model.
TEST_F(ResumeTest, EmaHookResumesWhenResumeIsCalledFromCode) {
  const std::string ema = "custom_hooks = [dict(type='EMAHook', momentum=0.1)]";
  const std::string a = dir("a");
  Runner::from_cfg(toy_run_config(a, {"train_cfg.max_epochs=1"}, ema))->train();
  io::PyObject ckpt = read_checkpoint(a + "/epoch_1.pth");
  // Saved: state_dict = averaged weights, ema_state_dict = raw ones (MMEngine's swap).
  torch::Tensor raw = ckpt.get("ema_state_dict").get("module.fc.weight").as_tensor();
  torch::Tensor averaged = ckpt.get("state_dict").get("fc.weight").as_tensor();
  ASSERT_FALSE(torch::equal(raw, averaged));

  auto r = Runner::from_cfg(toy_run_config(dir("b"), {"train_cfg.max_epochs=1"}, ema));
  r->val();  // builds the EMA model (before_run)
  r->resume(a + "/epoch_1.pth");
  EMAHook* hook = nullptr;
  for (const auto& h : r->hooks())
    if (auto* e = dynamic_cast<EMAHook*>(h.get())) hook = e;
  ASSERT_NE(hook, nullptr);
  torch::Tensor model_w;
  for (const auto& p : r->model().named_parameters())
    if (p.key() == "fc.weight") model_w = p.value().detach().cpu();
  EXPECT_TRUE(torch::equal(model_w, raw));
  std::int64_t steps = -1;
  for (const auto& [k, t] : hook->ema_model().state_dict())
    if (k == "steps") steps = t.item<std::int64_t>();
  EXPECT_EQ(steps, 8);  // one epoch of 8 iterations
}

}  // namespace
}  // namespace mmcpp::engine
