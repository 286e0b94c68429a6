// PreciseBNHook: after an epoch, every BN layer's running statistics are the
// mean of the per-batch statistics of the epoch's first num_samples / batch
// images, computed with the trained weights; momentums are restored.
#include "mmcpp/pretrain/engine/hooks/precise_bn_hook.h"

#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>
#include <map>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/data/dataloader.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::pretrain {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<engine::Runner> runner_for(const std::string& work_dir, bool with_hook) {
  config::Config cfg =
      config::Config::fromfile(std::string(MMCPP_SOURCE_DIR) +
                               "/configs/resnet/resnet18-cifar-w16_1xb128-4e_fashion-mnist.py");
  std::vector<std::string> opts = {"work_dir=" + work_dir,
                                   "train_dataloader.dataset.indices=64",
                                   "train_dataloader.batch_size=16",
                                   "train_dataloader.num_workers=0",
                                   "train_cfg.max_epochs=1",
                                   "train_cfg.val_interval=100",
                                   "param_scheduler=[]",
                                   "default_hooks.checkpoint.interval=100",
                                   "default_hooks.checkpoint.save_last=False",
                                   "log_level=WARNING"};
  cfg.merge_from_dict(config::parse_cfg_options(opts));
  if (with_hook)
    cfg.merge_from_dict(
        {{"custom_hooks",
          *config::Config::fromstring("h = [dict(type='PreciseBNHook', num_samples=32, interval=1, "
                                      "priority='ABOVE_NORMAL')]\n",
                                      ".py")
               .get("h")}});
  auto r = engine::Runner::from_cfg(cfg);
  r->logger().set_console(false);
  return r;
}

std::map<std::string, torch::Tensor> running_stats(engine::Runner& r) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& b : r.model().named_buffers(true))
    if (b.key().find("running_") != std::string::npos) out[b.key()] = b.value().clone();
  return out;
}

TEST(PreciseBNHook, RunningStatsAreTheMeanOfTheFirstBatchesStatistics) {
  const fs::path tmp = fs::temp_directory_path() / "mmcpp_precise_bn_test";
  fs::remove_all(tmp);
  auto runner = runner_for((tmp / "with").string(), true);
  runner->train();
  auto after = running_stats(*runner);
  ASSERT_GT(after.size(), 4u);

  // Independently: momentum 1 in every BN, the epoch's batches 0 and 1
  // (32 samples / batch 16) through the trained weights, their stats averaged.
  engine::BaseModel& model = runner->model();
  model.train();
  std::map<std::string, torch::Tensor> expected;
  std::vector<double> saved;
  for (const auto& m : model.modules(true))
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get())) {
      saved.push_back(bn->options.momentum().value());
      bn->options.momentum(1.0);
    }
  ASSERT_FALSE(saved.empty());
  EXPECT_DOUBLE_EQ(saved.front(), 0.1);  // the hook restored the momentum
  {
    torch::NoGradGuard g;
    for (std::size_t k = 0; k < 2; ++k) {
      data::DataBatch b = runner->train_dataloader()->batch(0, k);
      model.forward(model.data_preprocessor().forward(b, false), engine::ForwardMode::Tensor);
      for (const auto& [name, v] : running_stats(*runner))
        expected[name] = k == 0 ? v / 2.0 : expected[name] + v / 2.0;
    }
  }
  for (const auto& [name, v] : after) {
    if (name.find("num_batches") != std::string::npos) continue;
    SCOPED_TRACE(name);
    EXPECT_TRUE(torch::allclose(v, expected.at(name), 1e-5, 1e-6));
  }

  // Without the hook the running averages differ.
  auto plain = runner_for((tmp / "without").string(), false);
  plain->train();
  auto without = running_stats(*plain);
  bool differs = false;
  for (const auto& [name, v] : without)
    if (name.find("running_mean") != std::string::npos && !torch::allclose(v, after.at(name)))
      differs = true;
  EXPECT_TRUE(differs);
  fs::remove_all(tmp);
}

TEST(PreciseBNHook, BadArgumentsAreValueErrors) {
  EXPECT_THROW(PreciseBNHook(PreciseBNHook::Options{0, 1}), Error);
  EXPECT_THROW(PreciseBNHook(PreciseBNHook::Options{8192, 0}), Error);
  registry::ScopeGuard scope("mmpretrain");
  auto hook = registry::HOOKS().build(
      *config::Config::fromstring("h = dict(type='PreciseBNHook', num_samples=16)\n", ".py")
           .get("h"));
  ASSERT_NE(hook, nullptr);
  EXPECT_EQ(hook->name(), "PreciseBNHook");
}

}  // namespace
}  // namespace mmcpp::pretrain
