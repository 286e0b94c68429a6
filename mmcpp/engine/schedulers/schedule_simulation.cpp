#include "mmcpp/engine/schedulers/schedule_simulation.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>

#include <algorithm>
#include <memory>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/hooks/param_scheduler_hook.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"

namespace mmcpp::engine {

using config::Value;

namespace {

const Value* find_key(const Value& dict, const char* key) {
  return dict.is_dict() ? dict.as_dict().find(key) : nullptr;
}

std::int64_t require_count(const Value& train_cfg, const char* key) {
  const Value* v = find_key(train_cfg, key);
  if (!v || !v->is_int())
    throw Error("KeyError", std::string("train_cfg needs an integer `") + key + "`, got " +
                                (v ? v->repr() : std::string("no such key")));
  return v->as_int();
}

// vis_scheduler.py's SimpleModel: parameters conv.weight and conv.bias.
struct SimpleModel : torch::nn::Module {
  SimpleModel() { register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 1, 1))); }
};

double group_value(OptimWrapper& ow, std::size_t g, const std::string& parameter) {
  if (parameter != "momentum") return ow.get_value(g, parameter);
  if (ow.has_value(g, "momentum")) return ow.get_value(g, "momentum");
  if (ow.has_value(g, "betas0")) return ow.get_value(g, "betas0");
  return 0.0;
}

}  // namespace

bool train_cfg_by_epoch(const Value& train_cfg) {
  if (const Value* b = find_key(train_cfg, "by_epoch")) return b->truthy();
  if (const Value* t = find_key(train_cfg, "type"))
    return t->is_str() && t->str() == "EpochBasedTrainLoop";
  throw Error("ValueError", "please set `train_cfg`.");
}

SimulatedSchedule simulate_schedule(const Value& optim_wrapper, const Value& param_scheduler,
                                    const Value& train_cfg, std::int64_t iters_per_epoch,
                                    const std::string& parameter,
                                    const std::vector<evaluation::Metrics>& val_metrics) {
  SimulatedSchedule out;
  if (parameter == "lr" || parameter == "momentum")
    out.parameter = parameter;
  else if (parameter == "wd" || parameter == "weight_decay")
    out.parameter = "weight_decay";
  else
    throw Error("ValueError",
                "parameter must be 'lr', 'momentum' or 'wd', got '" + parameter + "'");
  out.by_epoch = train_cfg_by_epoch(train_cfg);
  out.iters_per_epoch = iters_per_epoch;
  std::int64_t max_iters = 0;
  if (out.by_epoch) {
    out.max_epochs = require_count(train_cfg, "max_epochs");
    if (iters_per_epoch <= 0)
      throw Error("ValueError",
                  "an epoch-based schedule needs at least one iteration per epoch (dataset size "
                  ">= total batch size), got " +
                      std::to_string(iters_per_epoch));
    max_iters = out.max_epochs * iters_per_epoch;
  } else {
    out.max_epochs = 1;  // IterBasedTrainLoop, for the schedulers' default end
    max_iters = require_count(train_cfg, "max_iters");
  }
  out.num_iters = max_iters;

  SimpleModel model;
  std::shared_ptr<OptimWrapper> ow = build_optim_wrapper(model, optim_wrapper);
  std::vector<std::shared_ptr<ParamScheduler>> schedulers;
  if (!param_scheduler.is_none())
    schedulers =
        build_param_schedulers(param_scheduler, *ow, iters_per_epoch, out.max_epochs, max_iters);
  out.groups.assign(ow->num_groups(), {});
  for (auto& g : out.groups)
    g.reserve(static_cast<std::size_t>(std::max<std::int64_t>(max_iters, 0)));

  auto record = [&] {
    for (std::size_t g = 0; g < out.groups.size(); ++g)
      out.groups[g].push_back(group_value(*ow, g, out.parameter));
  };
  if (!out.by_epoch) {
    for (std::int64_t i = 0; i < max_iters; ++i) {
      record();
      ParamSchedulerHook::step_iter_based(schedulers);
    }
    return out;
  }
  for (std::int64_t epoch = 0; epoch < out.max_epochs; ++epoch) {
    for (std::int64_t i = 0; i < iters_per_epoch; ++i) {
      record();
      ParamSchedulerHook::step_iter_based(schedulers);
    }
    ParamSchedulerHook::step_epoch_based(schedulers);
    if (static_cast<std::size_t>(epoch) < val_metrics.size())
      ParamSchedulerHook::step_with_metrics(schedulers,
                                            val_metrics[static_cast<std::size_t>(epoch)]);
  }
  return out;
}

}  // namespace mmcpp::engine
