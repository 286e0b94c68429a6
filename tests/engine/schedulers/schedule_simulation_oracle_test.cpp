// simulate_schedule against /oracle/schedulers: trajectories recorded from
// MMEngine's Runner. Each case's optim_wrapper, param_scheduler, train_cfg and
// epoch_length describe the same schedule the simulation runs; the simulation's
// model has one param group, so `paramwise_cfg` (which gives the oracle's toy
// model its second group) is dropped and group 0 (the one with the optimizer's
// defaults) is compared. Scheduler formulas are per group, so group 0's values do
// not depend on the other groups. Cases whose arguments hold one value per group
// (OneCycleLR eta_max=[...], ReduceOnPlateau min_value=[...]) are skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/schedulers/schedule_simulation.h"
#include "tests/support/oracle.h"

namespace mmcpp::engine {
namespace {

using config::Value;
using json = nlohmann::ordered_json;

bool has_per_group_list(const Value& schedulers) {
  std::vector<Value> list = schedulers.is_sequence() ? schedulers.items() : std::vector{schedulers};
  for (const auto& s : list)
    for (const auto& [k, v] : s.as_dict().entries())
      if ((k.str() == "eta_max" || k.str() == "min_value") && v.is_sequence()) return true;
  return false;
}

TEST(ScheduleSimulationOracle, GroupZeroOfEveryRunnerTrajectory) {
  std::string dir = testing::oracle_dir();
  if (dir.empty()) GTEST_SKIP() << "oracle directory absent (MMCPP_ORACLE_DIR)";
  dir += "/schedulers";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no " << dir;
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  int cases = 0, skipped = 0, checked = 0;
  for (const auto& f : files) {
    json c = testing::read_json_file(f);
    const std::string name = c["case"].get<std::string>();
    Value schedulers = testing::decode_oracle_value(c["param_scheduler"]);
    if (has_per_group_list(schedulers)) {
      std::cout << "[ SKIP ] " << name << ": per-group scheduler arguments\n";
      ++skipped;
      continue;
    }
    Value ow = testing::decode_oracle_value(c["optim_wrapper"]).deep_copy();
    ow.as_dict().erase("paramwise_cfg");
    std::vector<evaluation::Metrics> val_metrics;
    if (c.contains("val_metrics"))
      for (const auto& m : c["val_metrics"]) {
        evaluation::Metrics metrics;
        for (const auto& [k, v] : m.items()) metrics.emplace_back(k, v.get<double>());
        val_metrics.push_back(metrics);
      }
    const Value train_cfg = testing::decode_oracle_value(c["train_cfg"]);
    const std::int64_t epoch_length = c["epoch_length"].get<std::int64_t>();
    ++cases;
    for (const char* key : {"lr", "momentum", "weight_decay"}) {
      const json& expected = c["values"][key][0];
      if (expected.empty() || expected[0].is_null()) continue;
      SimulatedSchedule s;
      try {
        s = simulate_schedule(ow, schedulers, train_cfg, epoch_length, key, val_metrics);
      } catch (const Error& e) {
        ADD_FAILURE() << name << " " << key << ": " << e.what();
        continue;
      }
      EXPECT_EQ(s.num_iters, c["num_iters"].get<std::int64_t>()) << name;
      ASSERT_EQ(s.groups.size(), 1u) << name;
      ASSERT_EQ(s.groups[0].size(), expected.size()) << name << " " << key;
      for (std::size_t i = 0; i < expected.size(); ++i) {
        const double e = expected[i].get<double>();
        ++checked;
        if (std::abs(s.groups[0][i] - e) > 1e-12 * std::abs(e)) {
          ADD_FAILURE() << name << " " << key << " iteration " << i << ": expected " << e << " got "
                        << s.groups[0][i];
          break;
        }
      }
    }
  }
  std::cout << "[ INFO ] schedule simulation oracle: " << cases << " cases, " << skipped
            << " skipped, " << checked << " values checked\n";
  EXPECT_GT(cases, 15);
}

}  // namespace
}  // namespace mmcpp::engine
