// simulate_schedule (vis-scheduler's simulation): the values every iteration
// sees, for the usual warm-up + cosine recipe, an iteration-based loop, momentum
// on Adam's betas and weight decay, against the closed forms of the schedules.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/schedulers/schedule_simulation.h"

namespace mmcpp::engine {
namespace {

using config::Value;

constexpr double kPi = 3.141592653589793;

Value parse(const std::string& text) {
  return config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy();
}

TEST(ScheduleSimulation, WarmupThenCosineByEpoch) {
  // 1 warm-up epoch converted to iterations, then cosine over epochs 1..5.
  Value ow = parse("dict(optimizer=dict(type='SGD', lr=0.5, momentum=0.9, weight_decay=1e-4))");
  Value ps = parse(
      "[dict(type='LinearLR', start_factor=0.25, by_epoch=True, begin=0, end=1, "
      "convert_to_iter_based=True), dict(type='CosineAnnealingLR', T_max=4, eta_min=0.01, "
      "by_epoch=True, begin=1, end=5)]");
  SimulatedSchedule s =
      simulate_schedule(ow, ps, parse("dict(by_epoch=True, max_epochs=5)"), 4, "lr");
  EXPECT_TRUE(s.by_epoch);
  EXPECT_EQ(s.parameter, "lr");
  EXPECT_EQ(s.iters_per_epoch, 4);
  EXPECT_EQ(s.max_epochs, 5);
  EXPECT_EQ(s.num_iters, 20);
  ASSERT_EQ(s.groups.size(), 1u);
  ASSERT_EQ(s.groups[0].size(), 20u);
  for (int i = 0; i < 20; ++i) {
    double expected;
    if (i < 4) {
      // LinearLR over 4 iterations (total_iters = 3): factor 0.25 -> 1.
      expected = 0.5 * (0.25 + (1 - 0.25) * i / 3.0);
    } else {
      const int epoch = i / 4;  // the cosine steps after epochs 1, 2, 3 (T_cur = epoch - 1)
      expected = 0.01 + (0.5 - 0.01) * (1 + std::cos(kPi * (epoch - 1) / 4)) / 2;
    }
    EXPECT_NEAR(s.groups[0][i], expected, 1e-12 * expected) << "iteration " << i;
  }
}

TEST(ScheduleSimulation, IterBasedLoopMomentumAndWeightDecay) {
  // IterBasedTrainLoop: the schedulers' default end is max_iters (by_epoch=False)
  // or max_epochs = 1.
  Value ow = parse(
      "dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), "
      "weight_decay=0.05))");
  Value ps = parse(
      "[dict(type='PolyMomentum', eta_min=0.8, power=1.0, by_epoch=False), "
      "dict(type='StepParamScheduler', param_name='weight_decay', step_size=3, gamma=0.5, "
      "by_epoch=False)]");
  Value train = parse("dict(type='IterBasedTrainLoop', max_iters=10)");
  SimulatedSchedule m = simulate_schedule(ow, ps, train, 7, "momentum");
  EXPECT_FALSE(m.by_epoch);
  EXPECT_EQ(m.max_epochs, 1);
  EXPECT_EQ(m.num_iters, 10);
  ASSERT_EQ(m.groups.size(), 1u);
  for (int i = 0; i < 10; ++i) {
    // PolyMomentum, power 1, total_iters = end - begin - 1 = 9: linear to 0.8.
    double expected = 0.8 + (0.9 - 0.8) * (1 - i / 9.0);
    EXPECT_NEAR(m.groups[0][i], expected, 1e-12) << i;
  }
  SimulatedSchedule wd = simulate_schedule(ow, ps, train, 7, "wd");
  EXPECT_EQ(wd.parameter, "weight_decay");
  for (int i = 0; i < 10; ++i)
    EXPECT_NEAR(wd.groups[0][i], 0.05 * std::pow(0.5, i / 3), 1e-15) << i;
  // Without schedulers the values stay.
  SimulatedSchedule flat = simulate_schedule(ow, Value(), train, 7, "lr");
  for (double v : flat.groups[0]) EXPECT_EQ(v, 1e-3);
}

TEST(ScheduleSimulation, EpochSchedulersStepAfterEachEpoch) {
  Value ow = parse("dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))");
  SimulatedSchedule s =
      simulate_schedule(ow, parse("dict(type='MultiStepLR', milestones=[1, 3], gamma=0.1)"),
                        parse("dict(type='EpochBasedTrainLoop', max_epochs=4)"), 3, "lr");
  ASSERT_EQ(s.groups[0].size(), 12u);
  const std::vector<double> per_epoch = {0.1, 0.01, 0.01, 0.001};
  for (int i = 0; i < 12; ++i) EXPECT_NEAR(s.groups[0][i], per_epoch[i / 3], 1e-15) << i;
}

TEST(ScheduleSimulation, ValidationMetricsDriveReduceOnPlateau) {
  Value ow = parse("dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))");
  std::vector<evaluation::Metrics> metrics = {{{"loss", 1.0}}, {{"loss", 1.0}}, {{"loss", 1.0}}};
  SimulatedSchedule s = simulate_schedule(
      ow, parse("dict(type='ReduceOnPlateauLR', monitor='loss', patience=0, factor=0.5)"),
      parse("dict(by_epoch=True, max_epochs=4)"), 2, "lr", metrics);
  // Validation 1 sets best; 2 and 3 are bad (patience 0): halve after epochs 2 and 3.
  const std::vector<double> per_epoch = {0.1, 0.1, 0.05, 0.025};
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(s.groups[0][i], per_epoch[i / 2], 1e-15) << i;
}

TEST(ScheduleSimulation, Errors) {
  Value ow = parse("dict(optimizer=dict(type='SGD', lr=0.1))");
  auto kind_of = [](auto fn) -> std::string {
    try {
      fn();
    } catch (const Error& e) {
      return e.kind();
    }
    return "no error";
  };
  EXPECT_EQ(kind_of([&] { simulate_schedule(ow, Value(), parse("dict(max_epochs=2)"), 2, "lr"); }),
            "ValueError");  // neither by_epoch nor type: 'please set `train_cfg`.'
  EXPECT_EQ(kind_of([&] { simulate_schedule(ow, Value(), parse("dict(by_epoch=True)"), 2, "lr"); }),
            "KeyError");
  EXPECT_EQ(kind_of([&] {
              simulate_schedule(ow, Value(), parse("dict(by_epoch=True, max_epochs=2)"), 0, "lr");
            }),
            "ValueError");  // dataset smaller than one batch
  EXPECT_EQ(kind_of([&] {
              simulate_schedule(ow, Value(), parse("dict(by_epoch=True, max_epochs=2)"), 2, "eps");
            }),
            "ValueError");
  EXPECT_TRUE(train_cfg_by_epoch(parse("dict(type='EpochBasedTrainLoop', max_epochs=1)")));
  EXPECT_FALSE(train_cfg_by_epoch(parse("dict(by_epoch=False, max_iters=1)")));
}

}  // namespace
}  // namespace mmcpp::engine
