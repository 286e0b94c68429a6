// train_cfg.dynamic_intervals: the validation interval switches at the
// milestones by MMEngine's rule, which looks one step ahead
// (_decide_current_val_interval bisects epoch + 1, resp. iter + 1, after the
// counter moved on): with val_interval=3 and dynamic_intervals=[(3, 1)] over 5
// epochs, MMEngine validates after epochs 2, 3, 4 and 5.
#include <gtest/gtest.h>

#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"
#include "tests/support/seed_run.h"

namespace mmcpp::engine {
namespace {

// Records the train loop's epoch (or iteration) at every validation.
class RecordValidationsHook : public Hook {
 public:
  static std::shared_ptr<RecordValidationsHook> from_config(registry::BuildArgs&) {
    return std::make_shared<RecordValidationsHook>();
  }
  std::string name() const override { return "RecordValidationsHook"; }
  std::vector<std::string> stages() const override { return {"after_val_epoch"}; }
  void after_val_epoch(Runner& runner, const evaluation::Metrics&) override {
    at.push_back(by_epoch ? runner.epoch() : runner.iter());
  }
  bool by_epoch = true;
  std::vector<std::int64_t> at;
};
MMCPP_REGISTER(registry::HOOKS, RecordValidationsHook, "dict(type='RecordValidationsHook')");

class DynamicIntervals : public testing::SeedRun {
 protected:
  std::vector<std::int64_t> validations(config::Config cfg, bool by_epoch) {
    set(cfg, "custom_hooks", "[dict(type='RecordValidationsHook')]");
    auto runner = Runner::from_cfg(cfg);
    RecordValidationsHook* hook = nullptr;
    for (const auto& h : runner->hooks())
      if (auto* r = dynamic_cast<RecordValidationsHook*>(h.get())) hook = r;
    EXPECT_NE(hook, nullptr);
    if (!hook) return {};
    hook->by_epoch = by_epoch;
    runner->train();
    return hook->at;
  }
};

TEST_F(DynamicIntervals, EpochBasedSwitchesAsMMEngine) {
  config::Config cfg =
      config((root_ / "run").string(),
             {"train_cfg.max_epochs=5", "train_cfg.val_begin=1", "train_cfg.val_interval=3",
              "train_cfg.dynamic_intervals=[(3,1)]", "default_hooks.checkpoint.save_best=None"});
  EXPECT_EQ(validations(cfg, true), (std::vector<std::int64_t>{2, 3, 4, 5}));
}

TEST_F(DynamicIntervals, IterBasedSwitchesAsMMEngine) {
  config::Config cfg = config(
      (root_ / "run").string(),
      {"default_hooks.checkpoint.save_best=None", "default_hooks.checkpoint.by_epoch=False"});
  set(cfg, "train_cfg",
      "dict(by_epoch=False, max_iters=6, val_begin=1, val_interval=4, dynamic_intervals=[(3, 2)])");
  set(cfg, "param_scheduler", "None");
  // After iteration i MMEngine takes the interval of milestone i + 1: 4 until
  // iteration 1, then 2: validations after iterations 2, 4 and 6 (the last).
  EXPECT_EQ(validations(cfg, false), (std::vector<std::int64_t>{2, 4, 6}));
}

}  // namespace
}  // namespace mmcpp::engine
