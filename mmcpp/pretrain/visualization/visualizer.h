// UniversalVisualizer (mmpretrain/visualization/visualizer.py): the Visualizer of
// MMPretrain's configs, with visualize_cls drawing a classification result
// (ground truth, prediction, score, class name) in a text box on the image.
// As MMPretrain: set_image, then the texts in one draw_texts call with a
// half-transparent black box at the top left, sized by get_adaptive_scale
// (rendered by OpenCV rather than matplotlib), then get_image.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "mmcpp/data/data_sample.h"
#include "mmcpp/visualization/visualizer.h"

namespace mmcpp::pretrain {

// visualize_cls's keyword arguments (VisualizationHook passes its extra kwargs).
struct ClsDrawOptions {
  std::vector<std::string> classes;  // empty: dataset_meta['classes'] when set
  bool draw_gt = true;
  bool draw_pred = true;
  bool draw_score = true;
  std::optional<std::int64_t> resize;    // short edge, before drawing
  std::optional<double> rescale_factor;  // when resize is unset
  config::Value text_cfg;                // size / color (name or RGB) of the text
  bool show = false;                     // NotImplementedError: no window here
  double wait_time = 0;
  std::optional<std::string> out_file;  // save there instead of the backends
  std::string name;
  std::int64_t step = 0;

  // Reads the keyword arguments above from `kwargs` (a dict); TypeError names
  // an unknown one.
  static ClsDrawOptions from_kwargs(const config::Value& kwargs, const std::string& who);
};

class UniversalVisualizer : public visualization::Visualizer {
 public:
  // Draws its texts with mmcpp_cv's OpenCVTextPainter.
  explicit UniversalVisualizer(std::string name = "visualizer",
                               std::optional<std::string> save_dir = std::nullopt);
  static std::shared_ptr<UniversalVisualizer> from_config(registry::BuildArgs& args);

  // Visualizer.add_datasample for classification: visualize_cls with these
  // arguments (the sample is required).
  void add_datasample(const std::string& name, const at::Tensor& image,
                      const data::DataSample* data_sample = nullptr, bool draw_gt = true,
                      bool draw_pred = true, bool show = false, double wait_time = 0,
                      std::int64_t step = 0) override;

  // `image`: uint8 (H, W, 3) "RGB" (as MMPretrain, the raw batch image is passed
  // on as is), (H, W, 1) or (H, W). Returns the drawn (H', W', 3) image; saves it
  // to out_file, or adds it to the backends as `name` at `step`.
  torch::Tensor visualize_cls(const torch::Tensor& image, const data::DataSample& sample,
                              const ClsDrawOptions& options = {});
};

// mmpretrain.visualization.utils.get_adaptive_scale: short edge / 224 in [0.3, 3].
double get_adaptive_scale(std::int64_t height, std::int64_t width, double min_scale = 0.3,
                          double max_scale = 3.0);

}  // namespace mmcpp::pretrain
