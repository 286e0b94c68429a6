#include "mmcpp/editing/engine/hooks/visualization_hook.h"

#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

using config::Value;

BasicVisualizationHook::BasicVisualizationHook(std::map<std::string, std::int64_t> interval_by_mode,
                                               std::int64_t default_interval, bool on_train,
                                               bool on_val, bool on_test)
    : interval_by_mode_(std::move(interval_by_mode)),
      default_interval_(default_interval),
      on_train_(on_train),
      on_val_(on_val),
      on_test_(on_test) {
  priority_ = engine::NORMAL;
}

std::shared_ptr<BasicVisualizationHook> BasicVisualizationHook::from_config(
    registry::BuildArgs& args) {
  Value interval = args.value_or("interval", Value::dict(false));
  std::map<std::string, std::int64_t> by_mode;
  std::int64_t dflt = 1;
  if (interval.is_int() && !interval.is_bool()) {
    dflt = interval.as_int();
    for (const char* m : {"train", "val", "test"}) by_mode[m] = dflt;
  } else if (interval.is_dict()) {
    for (const auto& [k, v] : interval.as_dict().entries()) by_mode[k.str()] = v.as_int();
  } else {
    throw Error("TypeError", "BasicVisualizationHook: interval must be an int or a dict, got " +
                                 interval.repr());
  }
  return std::make_shared<BasicVisualizationHook>(by_mode, dflt, args.get_bool("on_train", false),
                                                  args.get_bool("on_val", true),
                                                  args.get_bool("on_test", true));
}

std::vector<std::string> BasicVisualizationHook::stages() const {
  return {"before_run", "after_val_iter", "after_test_iter"};
}

void BasicVisualizationHook::before_run(engine::Runner& runner) {
  // The runner's visualizer (Runner.build_visualizer: name and save_dir default
  // to the run's), as MMEngine's hooks use Visualizer.get_current_instance().
  const Value* cfg = runner.cfg().get("visualizer");
  if (!cfg || cfg->is_none()) {
    runner.logger().warning(
        "BasicVisualizationHook: the config has no `visualizer`; nothing will be drawn");
    return;
  }
  visualizer_ = std::dynamic_pointer_cast<ConcatImageVisualizer>(runner.visualizer_ptr());
  if (!visualizer_)
    throw Error("NotImplementedError",
                "BasicVisualizationHook draws with MMagic's "
                "ConcatImageVisualizer; visualizer " +
                    cfg->repr() + " is not supported by mmcpp yet");
}

void BasicVisualizationHook::after_iter(engine::Runner& runner, std::int64_t batch_idx,
                                        const data::DataSamples& outputs, const std::string& mode) {
  if ((mode == "train" && !on_train_) || (mode == "val" && !on_val_) ||
      (mode == "test" && !on_test_))
    return;
  if (!visualizer_) return;
  auto it = interval_by_mode_.find(mode);
  const std::int64_t interval = it != interval_by_mode_.end() ? it->second : 1;
  if (!every_n_inner_iters(batch_idx, interval)) return;
  for (const auto& sample : outputs) visualizer_->add_datasample(sample, runner.iter());
}

void BasicVisualizationHook::after_val_iter(engine::Runner& runner, std::int64_t batch_idx,
                                            const data::DataBatch*,
                                            const data::DataSamples& outputs) {
  after_iter(runner, batch_idx, outputs, "val");
}

void BasicVisualizationHook::after_test_iter(engine::Runner& runner, std::int64_t batch_idx,
                                             const data::DataBatch*,
                                             const data::DataSamples& outputs) {
  after_iter(runner, batch_idx, outputs, "test");
}

MMCPP_REGISTER(HOOKS, BasicVisualizationHook, "dict(type='BasicVisualizationHook', interval=1)");

}  // namespace mmcpp::editing
