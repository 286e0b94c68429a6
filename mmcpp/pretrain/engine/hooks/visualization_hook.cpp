#include "mmcpp/pretrain/engine/hooks/visualization_hook.h"

#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/loops.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;

VisualizationHook::VisualizationHook(Options options) : options_(std::move(options)) {
  if (options_.interval <= 0)
    throw Error("ValueError", "VisualizationHook: interval must be positive, got " +
                                  std::to_string(options_.interval));
  draw_ = ClsDrawOptions::from_kwargs(options_.draw_kwargs, "VisualizationHook");
  draw_.show = options_.show;
  if (draw_.show)
    throw Error("NotImplementedError",
                "VisualizationHook: show=True (a display window) is not available in mmcpp; "
                "use out_dir (mmcpp test --show-dir DIR) to save the drawings");
}

std::shared_ptr<VisualizationHook> VisualizationHook::from_config(registry::BuildArgs& args) {
  Options o;
  o.enable = args.get_bool("enable", o.enable);
  o.interval = args.get_int("interval", o.interval);
  o.show = args.get_bool("show", o.show);
  o.out_dir = args.get_opt_str("out_dir");
  o.draw_kwargs = args.take_rest();
  return std::make_shared<VisualizationHook>(std::move(o));
}

std::vector<std::string> VisualizationHook::stages() const {
  return {"after_val_iter", "after_test_iter"};
}

void VisualizationHook::draw_samples(engine::Runner& runner, std::int64_t batch_idx,
                                     const data::DataBatch& batch, const data::DataSamples& samples,
                                     std::int64_t step) {
  if (!options_.enable) return;
  auto* visualizer = dynamic_cast<UniversalVisualizer*>(runner.visualizer());
  if (visualizer == nullptr)
    throw Error("AttributeError",
                "VisualizationHook needs the runner's visualizer to be a UniversalVisualizer "
                "(visualize_cls); set visualizer=dict(type='UniversalVisualizer', ...)");
  const auto batch_size = static_cast<std::int64_t>(samples.size());
  const std::int64_t start = batch_size * batch_idx;
  const std::int64_t end = start + batch_size;
  const std::int64_t interval = options_.interval;
  // The first index divisible by the interval, after the start index.
  std::int64_t first = (start + interval - 1) / interval * interval;
  for (std::int64_t id = first; id < end; id += interval) {
    const std::int64_t i = id - start;
    torch::Tensor image;
    if (batch.inputs.defined())
      image = batch.inputs[i];
    else if (i < static_cast<std::int64_t>(batch.input_list.size()))
      image = batch.input_list[static_cast<std::size_t>(i)];
    if (!image.defined() || image.dim() != 3)
      throw Error("ValueError",
                  "VisualizationHook draws images: the batch inputs must be (C, H, W) images, "
                  "got " +
                      (image.defined() ? std::string(c10::str(image.sizes())) : "none"));
    image = image.permute({1, 2, 0}).to(torch::kCPU).to(torch::kByte);
    const data::DataSample& sample = *samples[static_cast<std::size_t>(i)];
    std::string name = std::to_string(id);
    if (const Value* p =
            sample.metainfo().is_dict() ? sample.metainfo().as_dict().find("img_path") : nullptr;
        p && p->is_str())
      name = path_basename(p->as_str());
    ClsDrawOptions o = draw_;
    o.name = name;
    o.step = step;
    if (options_.out_dir)
      o.out_file = path_join(*options_.out_dir, name + "_" + std::to_string(step) + ".png");
    visualizer->visualize_cls(image, sample, o);
  }
}

void VisualizationHook::after_val_iter(engine::Runner& runner, std::int64_t batch_idx,
                                       const data::DataBatch* batch,
                                       const data::DataSamples& outputs) {
  if (!options_.enable || batch == nullptr) return;
  // The epoch for an epoch-based training loop, else the iteration.
  std::int64_t step = runner.iter();
  if (runner.has_train_loop() &&
      dynamic_cast<engine::EpochBasedTrainLoop*>(&runner.train_loop()) != nullptr)
    step = runner.epoch();
  draw_samples(runner, batch_idx, *batch, outputs, step);
}

void VisualizationHook::after_test_iter(engine::Runner& runner, std::int64_t batch_idx,
                                        const data::DataBatch* batch,
                                        const data::DataSamples& outputs) {
  if (!options_.enable || batch == nullptr) return;
  draw_samples(runner, batch_idx, *batch, outputs, 0);
}

MMCPP_REGISTER(HOOKS, VisualizationHook, "dict(type='VisualizationHook', enable=False)");

}  // namespace mmcpp::pretrain
