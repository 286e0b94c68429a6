// CosineAnnealingWeightDecay: MMEngine's cosine annealing on weight_decay, with
// groups that start without weight decay kept at 0. Expected values are the
// closed form of the cosine schedule,
//   wd_t = eta_min + (wd_0 - eta_min) * (1 + cos(pi * t / T_max)) / 2,
// which MMPretrain's chainable form follows (also past T_max).
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/pretrain/engine/schedulers/weight_decay_scheduler.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::pretrain {
namespace {

using config::Value;
using engine::OptimWrapper;
using engine::ParamGroupSpec;

constexpr double kPi = 3.141592653589793;

Value parse(const std::string& text) {
  return config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy();
}

// SGD(lr=0.1, momentum=0.9, weight_decay=0.05); with two groups the second
// (say, biases under decay_mult=0) has weight_decay 0, and the wrapper adds
// MMEngine's pseudo group base_param_settings (weight_decay 0.05) as group 2.
struct Fixture {
  explicit Fixture(int groups) {
    w = torch::zeros({2, 2}, torch::requires_grad());
    b = torch::zeros({2}, torch::requires_grad());
    Value cfg = parse("dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.05)");
    std::shared_ptr<torch::optim::Optimizer> opt;
    if (groups == 1) {
      opt = registry::OPTIMIZERS().build(cfg, Value(), {{"params", std::any(std::vector{w})}});
    } else {
      std::vector<ParamGroupSpec> specs = {{{w}, Value()}, {{b}, parse("dict(weight_decay=0.0)")}};
      opt = registry::OPTIMIZERS().build(cfg, Value(), {{"params", std::any(specs)}});
    }
    ow = std::make_shared<OptimWrapper>(opt, 1, Value());
  }
  std::shared_ptr<engine::ParamScheduler> build(const std::string& cfg,
                                                std::int64_t epoch_length = 0) {
    registry::ScopeGuard scope("mmpretrain");
    return engine::build_param_scheduler(parse(cfg), *ow, epoch_length);
  }
  torch::Tensor w, b;
  std::shared_ptr<OptimWrapper> ow;
};

double cosine(double base, double eta_min, double t, double t_max) {
  return eta_min + (base - eta_min) * (1 + std::cos(kPi * t / t_max)) / 2;
}

TEST(CosineAnnealingWeightDecay, RaisesTowardsEtaMinAndKeepsZeroGroupsAtZero) {
  // MMPretrain's SparK recipe: weight decay 0.05 annealed *up* to eta_min=0.2.
  Fixture f(2);
  auto s = f.build("dict(type='CosineAnnealingWeightDecay', eta_min=0.2, T_max=6, by_epoch=False)");
  ASSERT_EQ(f.ow->num_groups(), 3u);
  EXPECT_EQ(s->param_name(), "weight_decay");
  EXPECT_FALSE(s->by_epoch());
  for (int t = 0; t <= 14; ++t) {  // past T_max the cosine goes back down
    if (t > 0) s->step();
    const double expected = cosine(0.05, 0.2, t, 6);
    EXPECT_NEAR(f.ow->get_value(0, "weight_decay"), expected, 1e-12 * expected) << "t=" << t;
    EXPECT_EQ(f.ow->get_value(1, "weight_decay"), 0.0) << "t=" << t;
    EXPECT_NEAR(f.ow->get_value(2, "weight_decay"), expected, 1e-12 * expected) << "t=" << t;
  }
  // Values from MMPretrain 1.2.0 itself for this case (t = 1, 6, 12).
  Fixture g(2);
  auto s2 =
      g.build("dict(type='CosineAnnealingWeightDecay', eta_min=0.2, T_max=6, by_epoch=False)");
  std::vector<double> got;
  for (int t = 0; t <= 12; ++t) {
    if (t > 0) s2->step();
    got.push_back(g.ow->get_value(0, "weight_decay"));
  }
  EXPECT_NEAR(got[1], 0.060048094716167066, 1e-17);
  EXPECT_NEAR(got[6], 0.2, 1e-17);
  EXPECT_NEAR(got[12], 0.04999999999999974, 1e-17);
  // lr is untouched.
  EXPECT_DOUBLE_EQ(g.ow->get_value(0, "lr"), 0.1);
}

TEST(CosineAnnealingWeightDecay, EtaMinRatioBeginEndAndConvertToIterBased) {
  Fixture f(1);
  // Epochs 2..8 with 3 iterations per epoch: iterations 6..24, T_max = end - begin = 18.
  auto s = f.build(
      "dict(type='CosineAnnealingWeightDecay', eta_min_ratio=0.1, begin=2, end=8, "
      "by_epoch=True, convert_to_iter_based=True)",
      3);
  EXPECT_EQ(s->begin(), 6);
  EXPECT_EQ(s->end(), 24);
  EXPECT_FALSE(s->by_epoch());
  EXPECT_EQ(std::dynamic_pointer_cast<CosineAnnealingWeightDecay>(s)->T_max(), 18);
  for (int step = 0; step <= 26; ++step) {
    if (step > 0) s->step();
    double expected = 0.05;
    if (step >= 6) expected = cosine(0.05, 0.005, std::min(step, 23) - 6, 18);
    EXPECT_NEAR(f.ow->get_value(0, "weight_decay"), expected, 1e-12 * expected) << step;
  }
  // A T_max in epochs is converted too.
  Fixture g(1);
  auto s2 = g.build(
      "dict(type='CosineAnnealingWeightDecay', T_max=4, eta_min=0.01, by_epoch=True, "
      "convert_to_iter_based=True)",
      5);
  EXPECT_EQ(std::dynamic_pointer_cast<CosineAnnealingWeightDecay>(s2)->T_max(), 20);
}

TEST(CosineAnnealingWeightDecay, ChainsWithOtherWeightDecaySchedulers) {
  // Recursive form: a warm-up factor applied by another scheduler carries over.
  Fixture f(1);
  auto warm = f.build(
      "dict(type='LinearParamScheduler', param_name='weight_decay', start_factor=0.5, "
      "by_epoch=False, end=3)");
  auto cos =
      f.build("dict(type='CosineAnnealingWeightDecay', eta_min=0.0, T_max=10, by_epoch=False)");
  // After construction both stepped once: 0.05 * 0.5 (cosine's first step keeps it).
  EXPECT_NEAR(f.ow->get_value(0, "weight_decay"), 0.025, 1e-15);
  for (auto& s : {warm, cos}) s->step();
  // Linear: x (1 + 0.5 / (2 * 0.5)) = x 1.5; cosine: x (1 + cos(pi/10)) / 2.
  double expected = 0.025 * 1.5 * (1 + std::cos(kPi / 10)) / 2;
  EXPECT_NEAR(f.ow->get_value(0, "weight_decay"), expected, 1e-15);
}

TEST(CosineAnnealingWeightDecay, StateDictAndErrors) {
  Fixture f(1);
  auto s = f.build("dict(type='CosineAnnealingWeightDecay', eta_min=0.2, T_max=6, by_epoch=False)");
  s->step();
  Value state = s->state_dict();
  const auto& d = state.as_dict();
  std::vector<std::string> keys;
  for (const auto& [k, v] : d.entries()) keys.push_back(k.str());
  const std::vector<std::string> expected = {
      "T_max",    "eta_min",     "eta_min_ratio", "param_name",   "begin",   "end",
      "by_epoch", "base_values", "last_step",     "_global_step", "verbose", "_last_value"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(d.find("param_name")->str(), "weight_decay");
  Fixture g(1);
  auto s2 =
      g.build("dict(type='CosineAnnealingWeightDecay', eta_min=0.2, T_max=6, by_epoch=False)");
  s2->load_state_dict(state);
  EXPECT_EQ(s2->last_step(), s->last_step());
  EXPECT_EQ(s2->global_step(), 1);
  EXPECT_EQ(std::dynamic_pointer_cast<CosineAnnealingWeightDecay>(s2)->T_max(), 6);

  auto expect_error = [&](const std::string& cfg, const std::string& kind) {
    Fixture h(1);
    try {
      h.build(cfg);
      ADD_FAILURE() << "no error for " << cfg;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), kind) << e.what();
    }
  };
  expect_error("dict(type='CosineAnnealingWeightDecay', param_name='lr')", "TypeError");
  expect_error("dict(type='CosineAnnealingWeightDecay', eta_min=0.1, eta_min_ratio=0.1)",
               "AssertionError");
  expect_error("dict(type='CosineAnnealingWeightDecay', begin=5, end=5)", "ValueError");
  expect_error(
      "dict(type='CosineAnnealingWeightDecay', by_epoch=False, convert_to_iter_based=True)",
      "AssertionError");
}

TEST(CosineAnnealingWeightDecay, ResolvesOnlyInTheMmpretrainScope) {
  Fixture f(1);
  EXPECT_NE(PARAM_SCHEDULERS().get("CosineAnnealingWeightDecay"), nullptr);
  registry::ScopeGuard scope("mmengine");
  EXPECT_NO_THROW(engine::build_param_scheduler(
      parse("dict(type='mmpretrain.CosineAnnealingWeightDecay', eta_min=0.1)"), *f.ow, 0));
  // From the MMEngine root a plain name does not reach the child registry.
  Fixture g(1);
  try {
    engine::build_param_scheduler(parse("dict(type='CosineAnnealingWeightDecay')"), *g.ow, 0);
    ADD_FAILURE() << "built from the mmengine scope";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "KeyError") << e.what();
  }
}

}  // namespace
}  // namespace mmcpp::pretrain
