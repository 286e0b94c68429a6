// BasicVisualizationHook (mmagic/engine/hooks/visualization_hook.py): hands
// every prediction of a val/test iteration to the visualizer
// (visualizer.add_datasample(sample, step=runner.iter)) every `interval`
// iterations.
//
// BasicVisualizationHook(interval={} (an int, or a dict by mode 'train'/'val'/
// 'test', default 1), on_train=False, on_val=True, on_test=True), priority
// NORMAL. The visualizer is the config's `visualizer` (MMEngine's Runner builds
// it with save_dir = the run's log_dir, so images go to
// <log_dir>/vis_data/vis_image/<name>_<iter>.png); without one, nothing is drawn.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mmcpp/editing/visualization/concat_visualizer.h"
#include "mmcpp/engine/hooks/hook.h"

namespace mmcpp::editing {

class BasicVisualizationHook : public engine::Hook {
 public:
  BasicVisualizationHook(std::map<std::string, std::int64_t> interval_by_mode,
                         std::int64_t default_interval, bool on_train, bool on_val, bool on_test);
  // Example: dict(type='BasicVisualizationHook', interval=1)
  static std::shared_ptr<BasicVisualizationHook> from_config(registry::BuildArgs& args);
  std::string name() const override { return "BasicVisualizationHook"; }
  std::vector<std::string> stages() const override;

  void before_run(engine::Runner& runner) override;
  void after_val_iter(engine::Runner& runner, std::int64_t batch_idx, const data::DataBatch*,
                      const data::DataSamples& outputs) override;
  void after_test_iter(engine::Runner& runner, std::int64_t batch_idx, const data::DataBatch*,
                       const data::DataSamples& outputs) override;

  // The visualizer in use (built from the runner's config in before_run).
  const std::shared_ptr<ConcatImageVisualizer>& visualizer() const { return visualizer_; }

 private:
  void after_iter(engine::Runner& runner, std::int64_t batch_idx, const data::DataSamples& outputs,
                  const std::string& mode);

  std::map<std::string, std::int64_t> interval_by_mode_;
  std::int64_t default_interval_;
  bool on_train_, on_val_, on_test_;
  std::shared_ptr<ConcatImageVisualizer> visualizer_;
};

}  // namespace mmcpp::editing
