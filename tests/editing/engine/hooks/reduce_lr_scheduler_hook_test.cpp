// ReduceLRSchedulerHook + ReduceLR through the Runner, as MMagic's CAIN / FLAVR
// configs use them (default_scope 'mmagic', the hook in default_hooks with
// val_metric): every validation's metric reaches ReduceLR, which steps only
// after validations. Runs the seed example (plugins) for three short epochs and
// replays MMagic's rule on the recorded validation accuracies.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/editing/engine/hooks/reduce_lr_scheduler_hook.h"
#include "mmcpp/editing/engine/schedulers/reduce_lr_scheduler.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {
namespace {

namespace fs = std::filesystem;
using config::Config;
using config::Value;

TEST(ReduceLRSchedulerHook, FeedsValidationMetricsToReduceLRInTheRunner) {
  setenv("MMCPP_PLUGIN_PATH", MMCPP_PLUGIN_DIR, 1);
  registry::ScopeGuard scope_restore(registry::DefaultScope::current());
  const fs::path wd = fs::temp_directory_path() / ("mmcpp_reduce_lr_" + std::to_string(::getpid()));
  fs::remove_all(wd);
  Config cfg =
      Config::fromfile(std::string(MMCPP_SOURCE_DIR) + "/configs/seed_example/example_config.py");
  cfg.merge_from_dict(config::parse_cfg_options(
      {"work_dir=" + wd.string(), "default_scope=mmagic", "train_cfg.max_epochs=3",
       "train_cfg.val_begin=1", "train_dataloader.dataset.size=640",
       "val_dataloader.dataset.size=200", "train_dataloader.num_workers=0",
       "val_dataloader.num_workers=0"}));
  auto parse = [](const std::string& text) {
    return Config::fromstring("x = " + text, ".py").get("x")->deep_copy();
  };
  cfg.dict().as_dict().set(Value("param_scheduler"),
                           parse("dict(type='ReduceLR', mode='max', factor=0.5, patience=0)"));
  cfg.merge_from_dict(
      config::parse_cfg_options({"default_hooks.param_scheduler.type=ReduceLRSchedulerHook",
                                 "default_hooks.param_scheduler.val_metric=accuracy",
                                 "default_hooks.param_scheduler.by_epoch=True"}));

  auto runner = engine::Runner::from_cfg(cfg);
  runner->train();

  auto& hub = runner->message_hub();
  const std::vector<double> accs = hub.get_scalar("val/accuracy").values();
  ASSERT_EQ(accs.size(), 3u);
  ASSERT_EQ(runner->param_schedulers().size(), 1u);
  auto* reduce = dynamic_cast<ReduceLR*>(runner->param_schedulers()[0].get());
  ASSERT_NE(reduce, nullptr);
  // Stepped once at construction and once per validation, never after a train epoch.
  EXPECT_EQ(reduce->global_step(), 3);
  EXPECT_EQ(reduce->value().value_or(-1), accs.back());
  // MMagic's rule on the published values (mode max, rel threshold 1e-4, patience
  // 0). The Runner gave ReduceLR end = max_epochs = 3: the third step (global
  // step 3) is outside [begin, end), so the last validation changes nothing.
  double best = -INFINITY, lr = 0.001;
  for (double a : {accs[0], accs[1]}) {
    if (a > best * (1 + 1e-4)) {
      best = a;
    } else if (lr - lr * 0.5 > 1e-8) {
      lr *= 0.5;
    }
  }
  EXPECT_NEAR(runner->optim_wrapper().get_value(0, "lr"), lr, 1e-18);
  EXPECT_EQ(reduce->best(), best);
  runner.reset();
  fs::remove_all(wd);
}

}  // namespace
}  // namespace mmcpp::editing
