// ConcatImageVisualizer (mmagic/visualization/concat_visualizer.py): the
// images of a prediction side by side in one PNG, e.g. GT | input | output of
// super-resolution (default_runtime: fn_key='gt_path',
// img_keys=['gt_img', 'input', 'pred_img'], bgr2rgb=True).
//
// add_datasample(sample, step): the keys are looked up in the sample's fields
// and metainfo, then its output's (output wins). File name: the basename of
// sample[fn_key] up to its first '.'. Each image: CHW -> HWC (a (T, C, H, W)
// sequence stacked vertically), 1 channel -> 3, BGR -> RGB with bgr2rgb,
// non-uint8 scaled by pixel_range[key] = (min, max) if given, then clipped to
// [0, 255], rounded (half to even) and cast; shorter images padded at the
// bottom with 127; concatenated horizontally. Each backend then writes it: the
// LocalVisBackend as <save_dir>/vis_data/<img_save_dir>/<name>_<step>.png
// (RGB -> BGR first, as MMEngine's add_image; img_save_dir 'vis_image').
// Without save_dir nothing is written. Missing keys are skipped.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/data/data_sample.h"
#include "mmcpp/registry/build_args.h"
#include "mmcpp/visualization/visualizer.h"

namespace mmcpp::editing {

struct ConcatImageVisualizerOptions {
  std::string fn_key;
  std::vector<std::string> img_keys;
  std::map<std::string, std::pair<double, double>> pixel_range;
  bool bgr2rgb = false;
  std::string name = "visualizer";
  // img_save_dir of each LocalVisBackend (MMEngine's default 'vis_image').
  std::vector<std::string> local_backends = {"vis_image"};
  std::string
      save_dir;  // Visualizer save_dir (the runner's log_dir); backends use save_dir/vis_data
};

class ConcatImageVisualizer : public visualization::Visualizer {
 public:
  explicit ConcatImageVisualizer(ConcatImageVisualizerOptions o);
  // Example: dict(type='ConcatImageVisualizer', fn_key='gt_path', img_keys=['gt_img', 'input',
  // 'pred_img'], bgr2rgb=True)
  static std::shared_ptr<ConcatImageVisualizer> from_config(registry::BuildArgs& args);

  // Writes the strip; returns the files written.
  std::vector<std::string> add_datasample(const data::DataSamplePtr& sample, std::int64_t step = 0);
  // The strip itself: (H, W, 3) uint8 RGB (when bgr2rgb turned BGR inputs to RGB).
  torch::Tensor concat_images(const data::DataSamplePtr& sample, std::string* file_name) const;

  const ConcatImageVisualizerOptions& options() const { return o_; }

 private:
  ConcatImageVisualizerOptions o_;
};

}  // namespace mmcpp::editing
