// ReduceLR (MMagic): plateau detection on the value ReduceLRSchedulerHook
// publishes. The expected sequences are worked out by hand from MMagic's rules
// (better: value < best * (1 - threshold) for mode 'min', rel; after more than
// `patience` bad steps multiply by factor, clip at min_lr, skip when the change
// is <= eps, then `cooldown` steps count no bad value); MMagic's class gives the
// same sequences.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/editing/engine/hooks/reduce_lr_scheduler_hook.h"
#include "mmcpp/editing/engine/schedulers/reduce_lr_scheduler.h"
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
  Fixture(const std::string& lr, int groups) {
    w = torch::zeros({2, 2}, torch::requires_grad());
    b = torch::zeros({2}, torch::requires_grad());
    Value cfg = parse("dict(type='SGD', lr=" + lr + ", momentum=0.9)");
    std::shared_ptr<torch::optim::Optimizer> opt;
    if (groups == 1) {
      opt = registry::OPTIMIZERS().build(cfg, Value(), {{"params", std::any(std::vector{w})}});
    } else {
      std::vector<ParamGroupSpec> specs = {{{w}, Value()}, {{b}, Value()}};
      opt = registry::OPTIMIZERS().build(cfg, Value(), {{"params", std::any(specs)}});
    }
    ow = std::make_shared<OptimWrapper>(opt, 1, Value());
  }
  std::shared_ptr<ReduceLR> build(const std::string& cfg) {
    registry::ScopeGuard scope("mmagic");
    return std::dynamic_pointer_cast<ReduceLR>(engine::build_param_scheduler(parse(cfg), *ow, 0));
  }
  torch::Tensor w, b;
  std::shared_ptr<OptimWrapper> ow;
};

TEST(ReduceLR, MinRelWithPatienceCooldownAndMinLr) {
  Fixture f("0.1", 2);
  auto s = f.build("dict(type='ReduceLR', patience=1, factor=0.5, cooldown=1, min_lr=0.03)");
  ASSERT_TRUE(s);
  const std::vector<double> values = {1.0,  0.9,  0.95, 0.95, 0.95, 0.8,
                                      0.85, 0.85, 0.85, 0.85, 0.85, 0.85};
  // lr after each step and num_bad_epochs:
  //  1.0, 0.9 improve; 0.95 bad (1); 0.95 bad (2 > 1): lr 0.05, cooldown;
  //  0.95 bad but cooling down (0); 0.8 improves; 0.85 bad, bad: lr 0.025 -> min_lr 0.03;
  //  cooldown; bad; bad again: 0.015 clipped to 0.03 (unchanged).
  const std::vector<double> lr = {0.1,  0.1,  0.1,  0.05, 0.05, 0.05,
                                  0.05, 0.03, 0.03, 0.03, 0.03, 0.03};
  const std::vector<std::int64_t> bad = {0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0};
  EXPECT_DOUBLE_EQ(f.ow->get_value(0, "lr"), 0.1);  // construction step keeps the lr
  for (std::size_t i = 0; i < values.size(); ++i) {
    s->update_value(values[i]);
    s->step();
    for (std::size_t g = 0; g < 3; ++g)
      EXPECT_DOUBLE_EQ(f.ow->get_value(g, "lr"), lr[i]) << "step " << i + 1 << " group " << g;
    EXPECT_EQ(s->num_bad_epochs(), bad[i]) << "step " << i + 1;
  }
  EXPECT_DOUBLE_EQ(s->best(), 0.8);
}

TEST(ReduceLR, MaxAbsBeginAndEps) {
  Fixture f("1e-7", 1);
  auto s = f.build(
      "dict(type='ReduceLR', mode='max', threshold_mode='abs', threshold=0.05, patience=0, "
      "factor=0.1, begin=1, eps=1e-9)");
  // Step 1 is the scheduler's first (begin=1): no comparison. Then 0.52 improves
  // on -inf, 0.6 > 0.52 + 0.05 improves, 0.6 is bad: 1e-8; 0.7 improves; 0.6
  // bad: 1e-9; 0.6 bad: 1e-10 would change the lr by 9e-10 <= eps: kept.
  const std::vector<double> values = {0.5, 0.52, 0.6, 0.6, 0.7, 0.6, 0.6};
  const std::vector<double> lr = {1e-7, 1e-7, 1e-7, 1e-8, 1e-8, 1e-9, 1e-9};
  for (std::size_t i = 0; i < values.size(); ++i) {
    s->update_value(values[i]);
    s->step();
    EXPECT_NEAR(f.ow->get_value(0, "lr"), lr[i], 1e-22) << "step " << i + 1;
  }
  EXPECT_DOUBLE_EQ(s->best(), 0.7);
}

TEST(ReduceLR, StepWithoutAPublishedValueIsMmagicsKeyError) {
  Fixture f("0.1", 1);
  auto s = f.build("dict(type='ReduceLR')");
  try {
    s->step();  // stepped by a plain ParamSchedulerHook: nothing in the 'reduce_lr' hub
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "KeyError");
    EXPECT_NE(std::string(e.what()).find("ReduceLRSchedulerHook"), std::string::npos);
  }
}

TEST(ReduceLR, StateDictAndErrors) {
  Fixture f("0.1", 1);
  auto s = f.build("dict(type='ReduceLR', patience=3)");
  s->update_value(2.0);
  s->step();
  Value state = s->state_dict();
  std::vector<std::string> keys;
  for (const auto& [k, v] : state.as_dict().entries()) keys.push_back(k.str());
  // MMagic's __dict__ order, without its 'message_hub' object.
  const std::vector<std::string> expected = {
      "param_name",  "begin",          "end",          "by_epoch",
      "base_values", "last_step",      "_global_step", "verbose",
      "_last_value", "mode",           "factor",       "patience",
      "threshold",   "threshold_mode", "cooldown",     "cooldown_counter",
      "best",        "num_bad_epochs", "mode_worse",   "min_lr",
      "eps",         "last_epoch"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(state.as_dict().find("best")->as_number(), 2.0);
  EXPECT_TRUE(std::isinf(state.as_dict().find("mode_worse")->as_number()));
  Fixture g("0.1", 1);
  auto s2 = g.build("dict(type='ReduceLR', patience=3)");
  s2->load_state_dict(state);
  EXPECT_EQ(s2->best(), 2.0);
  EXPECT_EQ(s2->global_step(), 1);

  auto expect_error = [](const std::string& cfg, const std::string& kind, const std::string& part) {
    Fixture h("0.1", 1);
    try {
      h.build(cfg);
      ADD_FAILURE() << "no error for " << cfg;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), kind) << e.what();
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expect_error("dict(type='ReduceLR', mode='ysli')", "ValueError", "instead got {mode}");
  expect_error("dict(type='ReduceLR', threshold_mode='ysli')", "ValueError", "instead got ysli");
  expect_error("dict(type='ReduceLR', factor=1.5)", "ValueError", "Factor should be");
  expect_error("dict(type='ReduceLR', factor=-0.5)", "ValueError", "Factor should be");
  expect_error("dict(type='ReduceLR', param_name='lr')", "TypeError", "param_name");
  expect_error("dict(type='ReduceLR', begin=3, end=2)", "ValueError", "end should be larger");
}

TEST(ReduceLRSchedulerHook, PublishesTheMeanToEveryReduceLR) {
  Fixture f("0.1", 1);
  auto a = f.build("dict(type='ReduceLR', patience=0)");
  auto b = f.build("dict(type='ReduceLR', patience=0, mode='max')");
  std::vector<std::shared_ptr<engine::ParamScheduler>> schedulers = {a, b};
  registry::ScopeGuard scope("mmagic");
  auto hook = registry::HOOKS().build(parse("dict(type='ReduceLRSchedulerHook', interval=2)"));
  auto* h = dynamic_cast<ReduceLRSchedulerHook*>(hook.get());
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->priority(), 70);  // ParamSchedulerHook's LOW
  h->add_value(1.0);
  h->add_value(4.0);
  h->publish(schedulers);
  EXPECT_EQ(a->value().value_or(-1), 2.5);
  EXPECT_EQ(b->value().value_or(-1), 2.5);
  // The sum restarts after each publication.
  h->add_value(1.0);
  h->publish(schedulers);
  EXPECT_EQ(a->value().value_or(-1), 1.0);
  // Nothing added since: MMagic divides by a zero count.
  try {
    h->publish(schedulers);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ZeroDivisionError");
  }
}

}  // namespace
}  // namespace mmcpp::editing
