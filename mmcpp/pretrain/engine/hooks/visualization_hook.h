// VisualizationHook (mmpretrain/engine/hooks/visualization_hook.py): every
// `interval` samples of the validation/test loops, draws the prediction on the
// batch image with the runner's UniversalVisualizer (visualize_cls) and stores
// it through the visualizer's backends (<name>_<step>.png), or in `out_dir`
// when set (`mmcpp test --show-dir`). Disabled unless `enable=True`.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/pretrain/visualization/visualizer.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class VisualizationHook : public engine::Hook {
 public:
  struct Options {
    bool enable = false;
    std::int64_t interval = 5000;
    bool show = false;
    std::optional<std::string> out_dir;
    config::Value draw_kwargs;  // visualize_cls's other keyword arguments
  };
  explicit VisualizationHook(Options options);
  // Example: dict(type='VisualizationHook', enable=False).
  static std::shared_ptr<VisualizationHook> from_config(registry::BuildArgs& args);
  std::string name() const override { return "VisualizationHook"; }
  std::vector<std::string> stages() const override;

  void after_val_iter(engine::Runner& runner, std::int64_t batch_idx, const data::DataBatch* batch,
                      const data::DataSamples& outputs) override;
  void after_test_iter(engine::Runner& runner, std::int64_t batch_idx, const data::DataBatch* batch,
                       const data::DataSamples& outputs) override;

  const Options& options() const { return options_; }

 private:
  void draw_samples(engine::Runner& runner, std::int64_t batch_idx, const data::DataBatch& batch,
                    const data::DataSamples& samples, std::int64_t step);
  Options options_;
  ClsDrawOptions draw_;
};

}  // namespace mmcpp::pretrain
