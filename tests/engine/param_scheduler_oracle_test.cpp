// Replays /oracle/schedulers: lr / momentum / weight_decay of every param group
// before every training iteration, recorded from MMEngine's Runner. We simulate
// the Runner: the Runner's default `end`, build with epoch_length, iteration-based
// schedulers stepped after each iteration, epoch-based ones after each epoch,
// ReduceOnPlateau* after each validation with the recorded metrics.
//
// Most cases get their two param groups from paramwise_cfg custom_keys (one group
// per parameter of the toy model), built by build_optim_wrapper as the Runner does.
#include <gtest/gtest.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/root.h"
#include "tests/support/oracle.h"

namespace mmcpp::engine {
namespace {

using config::Value;
using json = nlohmann::ordered_json;

std::vector<Value> scheduler_cfgs(const Value& v) {
  if (v.is_sequence()) return v.items();
  return {v};
}

// The oracle's toy model: two bias-free Linear layers, `backbone` (2 -> 2) and
// `head` (2 -> 1).
struct ToyModel : torch::nn::Module {
  ToyModel() {
    register_module("backbone", torch::nn::Linear(torch::nn::LinearOptions(2, 2).bias(false)));
    register_module("head", torch::nn::Linear(torch::nn::LinearOptions(2, 1).bias(false)));
  }
};

// The OptimWrapper the Runner builds for the toy model: build_optim_wrapper, so
// the two-group cases get their groups from the real paramwise constructor.
std::shared_ptr<OptimWrapper> make_wrapper(const Value& ow_cfg, std::vector<torch::Tensor>& keep) {
  ToyModel model;
  keep = model.parameters();
  return build_optim_wrapper(model, ow_cfg);
}

std::string close(double expected, double actual) {
  if (std::abs(actual - expected) <= 1e-12 * std::abs(expected)) return "";
  char buf[128];
  std::snprintf(buf, sizeof(buf), "expected %.17g got %.17g", expected, actual);
  return buf;
}

// Returns "" or the first difference.
std::string run_case(const json& c, int* checked) {
  Value ow_cfg = testing::decode_oracle_value(c["optim_wrapper"]);
  std::vector<torch::Tensor> params;
  auto ow = make_wrapper(ow_cfg, params);
  std::int64_t epoch_length = c["epoch_length"].get<std::int64_t>();
  const json& train = c["train_cfg"];
  bool epoch_loop = train["by_epoch"].get<bool>();
  std::int64_t max_epochs = epoch_loop ? train["max_epochs"].get<std::int64_t>() : 1;
  std::int64_t max_iters =
      epoch_loop ? max_epochs * epoch_length : train["max_iters"].get<std::int64_t>();
  auto schedulers = build_param_schedulers(testing::decode_oracle_value(c["param_scheduler"]), *ow,
                                           epoch_length, max_epochs, max_iters);
  // The built schedulers (converted / defaulted) as the Runner built them.
  const json& built = c["built_schedulers"];
  if (built.size() != schedulers.size()) return "number of schedulers differs";
  for (std::size_t i = 0; i < built.size(); ++i) {
    const auto& s = *schedulers[i];
    if (s.param_name() != built[i]["param_name"].get<std::string>() ||
        s.begin() != built[i]["begin"].get<std::int64_t>() ||
        s.end() != built[i]["end"].get<std::int64_t>() ||
        s.by_epoch() != built[i]["by_epoch"].get<bool>())
      return "built scheduler " + std::to_string(i) + " differs: " + built[i].dump();
  }
  std::int64_t num_iters = c["num_iters"].get<std::int64_t>();
  if (num_iters != max_iters) return "num_iters " + std::to_string(num_iters);
  const json& values = c["values"];
  bool sgd_momentum = ow->defaults_have("momentum");
  auto record = [&](std::int64_t iter) -> std::string {
    for (const char* key : {"lr", "momentum", "weight_decay"}) {
      const json& groups = values[key];
      if (groups.size() != ow->num_groups()) return std::string(key) + ": group count differs";
      for (std::size_t g = 0; g < groups.size(); ++g) {
        const json& e = groups[g][iter];
        if (e.is_null()) continue;
        std::string name = key;
        if (name == "momentum") name = sgd_momentum ? "momentum" : "betas0";
        std::string diff = close(e.get<double>(), ow->get_value(g, name));
        ++*checked;
        if (!diff.empty())
          return std::string(key) + " group " + std::to_string(g) + " iter " +
                 std::to_string(iter) + ": " + diff;
      }
    }
    return "";
  };
  // A training step like the toy model's (values do not depend on it).
  auto train_step = [&]() {
    torch::Tensor loss = (params[0].sum() + params[1].sum()).pow(2);
    ow->update_params(loss);
  };
  std::int64_t iter = 0;
  for (std::int64_t epoch = 0; epoch < max_epochs; ++epoch) {
    std::int64_t iters_this_epoch = epoch_loop ? epoch_length : max_iters;
    for (std::int64_t i = 0; i < iters_this_epoch; ++i, ++iter) {
      if (std::string d = record(iter); !d.empty()) return d;
      train_step();
      for (auto& s : schedulers)
        if (!s->by_epoch()) s->step();
    }
    if (!epoch_loop) continue;
    for (auto& s : schedulers)
      if (s->by_epoch()) s->step();
    // Validation after every epoch (val_interval=1): ReduceOnPlateau* get its metrics.
    if (c.contains("val_metrics")) {
      std::map<std::string, double> metrics;
      for (const auto& [k, v] : c["val_metrics"][epoch].items()) metrics[k] = v.get<double>();
      for (auto& s : schedulers)
        if (s->by_epoch() && s->need_val_args()) s->step_with_metrics(metrics);
    }
  }
  return "";
}

TEST(ParamSchedulerOracle, RunnerTrajectories) {
  const std::vector<std::string> files = testing::json_files(testing::oracle_dir("schedulers"));
  int matched = 0, skipped = 0, checked = 0;
  for (const auto& f : files) {
    json c = testing::read_json_file(f);
    std::string name = c["case"].get<std::string>();
    std::string missing;
    for (const auto& s : scheduler_cfgs(testing::decode_oracle_value(c["param_scheduler"]))) {
      std::string type = s.as_dict().find("type")->as_str();
      if (!registry::PARAM_SCHEDULERS().get(type)) missing += (missing.empty() ? "" : ", ") + type;
    }
    if (!missing.empty()) {
      ADD_FAILURE() << name << ": scheduler type not registered: " << missing;
      ++skipped;
      continue;
    }
    std::string diff;
    try {
      diff = run_case(c, &checked);
    } catch (const std::exception& e) {
      diff = std::string("exception: ") + e.what();
    }
    EXPECT_EQ(diff, "") << name;
    ++matched;
  }
  std::cout << "[ INFO ] scheduler oracle: " << matched << " cases replayed, " << skipped
            << " skipped, " << checked << " values checked\n";
  // At least one case, and none skipped.
  EXPECT_GT(matched, 0);
  EXPECT_EQ(skipped, 0);
}

}  // namespace
}  // namespace mmcpp::engine
