// LinearLrInterval (MMagic): after its first step the lr of every group is
//   start_factor + (end_factor - start_factor) * ((progress - begin) // interval)
//                                               / ((end - begin) // interval)
// with progress = the iteration (or epoch) just finished, i.e. global step - 1.
// Expected values below are that formula; the sequences agree with MMagic's own
// class run step by step with the message hub's 'iter' set as the Runner sets it.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/editing/engine/schedulers/linear_lr_scheduler_with_interval.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/registry.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::editing {
namespace {

using config::Value;
using engine::OptimWrapper;
using engine::ParamGroupSpec;

Value parse(const std::string& text) {
  return config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy();
}

struct Fixture {
  Fixture(double lr, int groups) {
    w = torch::zeros({2, 2}, torch::requires_grad());
    b = torch::zeros({2}, torch::requires_grad());
    Value cfg = parse("dict(type='SGD', lr=" + std::to_string(lr) + ", momentum=0.9)");
    std::shared_ptr<torch::optim::Optimizer> opt;
    if (groups == 1) {
      opt = registry::OPTIMIZERS().build(cfg, Value(), {{"params", std::any(std::vector{w})}});
    } else {
      std::vector<ParamGroupSpec> specs = {{{w}, Value()}, {{b}, Value()}};
      opt = registry::OPTIMIZERS().build(cfg, Value(), {{"params", std::any(specs)}});
    }
    ow = std::make_shared<OptimWrapper>(opt, 1, Value());
  }
  std::shared_ptr<engine::ParamScheduler> build(const std::string& cfg,
                                                std::int64_t epoch_length = 0) {
    registry::ScopeGuard scope("mmagic");
    return engine::build_param_scheduler(parse(cfg), *ow, epoch_length);
  }
  torch::Tensor w, b;
  std::shared_ptr<OptimWrapper> ow;
};

TEST(LinearLrInterval, SetsTheLrToTheInterpolatedFactorItself) {
  // MMagic's unit test setting, with lr 0.5: the lr becomes 1.0 - k / 10, not
  // 0.5 * (1.0 - k / 10): the factor is the value.
  Fixture f(0.5, 1);
  auto s = f.build(
      "dict(type='LinearLrInterval', interval=1, by_epoch=False, start_factor=1.0, "
      "end_factor=0, begin=0, end=10)");
  EXPECT_DOUBLE_EQ(f.ow->get_value(0, "lr"), 0.5);  // first step: lr * start_factor
  for (int k = 0; k < 12; ++k) {
    s->step();
    const int progress = std::min(k, 8);  // no update from global step 10 (= end) on
    EXPECT_NEAR(f.ow->get_value(0, "lr"), 1.0 - progress / 10.0, 1e-15) << "k=" << k;
  }
}

TEST(LinearLrInterval, CycleGanStyleDecayEveryIntervalIterations) {
  // begin=10, end=30, interval=4: constant before begin, one step at lr *
  // start_factor (MMagic's quirk), then start_factor decayed in 5 stairs.
  Fixture f(0.1, 2);
  auto s = f.build(
      "dict(type='LinearLrInterval', interval=4, by_epoch=False, start_factor=0.0002, "
      "end_factor=0, begin=10, end=30)");
  ASSERT_EQ(f.ow->num_groups(), 3u);  // two groups + base_param_settings
  for (int g = 1; g <= 34; ++g) {
    s->step();
    double expected;
    if (g < 10) {
      expected = 0.1;
    } else if (g == 10) {
      expected = 0.1 * 0.0002;
    } else {
      const int progress = std::min(g, 29) - 1;
      expected = 0.0002 + (0.0 - 0.0002) * ((progress - 10) / 4) / 5.0;
    }
    for (std::size_t i = 0; i < 3; ++i)
      EXPECT_NEAR(f.ow->get_value(i, "lr"), expected, 1e-18) << "global step " << g;
  }
  // Values MMagic itself gives at global steps 10, 11, 15, 27.
  Fixture h(0.1, 1);
  auto s2 = h.build(
      "dict(type='LinearLrInterval', interval=4, by_epoch=False, start_factor=0.0002, "
      "end_factor=0, begin=10, end=30)");
  std::vector<double> lr = {h.ow->get_value(0, "lr")};
  for (int g = 1; g <= 27; ++g) {
    s2->step();
    lr.push_back(h.ow->get_value(0, "lr"));
  }
  EXPECT_EQ(lr[10], 2e-05);
  EXPECT_EQ(lr[11], 0.0002);
  EXPECT_EQ(lr[15], 0.00016);
  EXPECT_EQ(lr[27], 3.9999999999999996e-05);
}

TEST(LinearLrInterval, ConvertToIterBasedKeepsTheInterval) {
  Fixture f(0.4, 1);
  auto s = f.build(
      "dict(type='LinearLrInterval', interval=2, start_factor=0.5, end_factor=0.1, begin=1, "
      "end=5, by_epoch=True, convert_to_iter_based=True)",
      3);
  EXPECT_EQ(s->begin(), 3);
  EXPECT_EQ(s->end(), 15);
  EXPECT_FALSE(s->by_epoch());
  Value state = s->state_dict();
  EXPECT_EQ(state.as_dict().find("interval")->as_int(), 2);
  EXPECT_EQ(state.as_dict().find("total_iters")->as_int(), 11);
  for (int g = 1; g <= 17; ++g) {
    s->step();
    double expected;
    if (g < 3) {
      expected = 0.4;
    } else if (g == 3) {
      expected = 0.2;
    } else {
      const int progress = std::min(g, 14) - 1;
      expected = 0.5 + (0.1 - 0.5) * ((progress - 3) / 2) / 6.0;
    }
    EXPECT_NEAR(f.ow->get_value(0, "lr"), expected, 1e-15) << "global step " << g;
  }
}

TEST(LinearLrInterval, StateDictOrderAndErrors) {
  Fixture f(0.1, 1);
  auto s = f.build("dict(type='LinearLrInterval', interval=3, end=10, by_epoch=False)");
  std::vector<std::string> keys;
  const Value state = s->state_dict();
  for (const auto& [k, v] : state.as_dict().entries()) keys.push_back(k.str());
  const std::vector<std::string> expected = {
      "interval", "start_factor", "end_factor", "total_iters",  "param_name", "begin",      "end",
      "by_epoch", "base_values",  "last_step",  "_global_step", "verbose",    "_last_value"};
  EXPECT_EQ(keys, expected);

  auto expect_error = [](const std::string& cfg, const std::string& kind) {
    Fixture h(0.1, 1);
    try {
      auto s = h.build(cfg);
      for (int i = 0; i < 3; ++i) s->step();
      ADD_FAILURE() << "no error for " << cfg;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), kind) << e.what();
    }
  };
  expect_error("dict(type='LinearLrInterval', start_factor=1.5)", "ValueError");
  expect_error("dict(type='LinearLrInterval', end_factor=-0.1)", "ValueError");
  // (end - begin) // interval == 0: MMagic divides by zero on its second step.
  expect_error("dict(type='LinearLrInterval', interval=20, end=10, by_epoch=False)",
               "ZeroDivisionError");
  expect_error("dict(type='LinearLrInterval', interval=0, end=10, by_epoch=False)",
               "ZeroDivisionError");
  expect_error("dict(type='LinearLrInterval', param_name='momentum')", "TypeError");
}

}  // namespace
}  // namespace mmcpp::editing
