// simulate_schedule against /oracle/schedulers: trajectories recorded from
// MMEngine's Runner. Each case's optim_wrapper, param_scheduler, train_cfg and
// epoch_length describe the same schedule the simulation runs; the simulation's
// model has one param group, so `paramwise_cfg` (which gives the oracle's toy
// model its second group) is dropped and group 0 (the one with the optimizer's
// defaults) is compared. Scheduler formulas are per group, so group 0's values do
// not depend on the other groups. Arguments that hold one value per group
// (OneCycleLR eta_max=[...], ReduceOnPlateau min_value=[...]) keep group 0's value.
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

// The schedulers with per-group list arguments cut to group 0's entry (a
// one-element list: the simulation has one param group).
Value group_zero(const Value& schedulers) {
  Value copy = schedulers.deep_copy();
  std::vector<Value*> list;
  if (copy.is_sequence())
    for (auto& s : copy.items()) list.push_back(&s);
  else
    list.push_back(&copy);
  for (Value* s : list)
    for (auto& [k, v] : s->as_dict().entries())
      if (v.is_sequence() && !v.items().empty() && (k.str() == "eta_max" || k.str() == "min_value"))
        v = Value::list({v.items()[0]});
  return copy;
}

TEST(ScheduleSimulationOracle, GroupZeroOfEveryRunnerTrajectory) {
  const std::vector<std::string> files = testing::json_files(testing::oracle_dir("schedulers"));
  int cases = 0, checked = 0;
  for (const auto& f : files) {
    json c = testing::read_json_file(f);
    const std::string name = c["case"].get<std::string>();
    const Value schedulers = group_zero(testing::decode_oracle_value(c["param_scheduler"]));
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
  std::cout << "[ INFO ] schedule simulation oracle: " << cases << " cases, " << checked
            << " values checked\n";
  // At least one case; none is skipped.
  EXPECT_GT(cases, 0);
}

}  // namespace
}  // namespace mmcpp::engine
