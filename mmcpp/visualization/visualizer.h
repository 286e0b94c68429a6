// Visualizer (mmengine/visualization/visualizer.py): the runner's one visualizer,
// which forwards scalars, images and the config to its vis backends.
//
//   visualizer = dict(type='Visualizer',            # or MMPretrain's UniversalVisualizer
//                     vis_backends=[dict(type='LocalVisBackend'),
//                                   dict(type='TensorboardVisBackend')],
//                     save_dir=None, name='visualizer')
//
// Each backend gets `save_dir`/vis_data unless its own config sets save_dir;
// Runner.build_visualizer defaults `name` to the experiment name and `save_dir`
// to work_dir/<timestamp>. Without a `visualizer` in the config, a Visualizer
// with one LocalVisBackend.
//
// Drawing (matplotlib in MMEngine) works on the image given to set_image, a uint8
// RGB tensor: draw_bboxes draws with tensor operations, draw_texts through the
// Visualizer's TextPainter (the engine has no font: mmcpp_cv's OpenCVTextPainter,
// which task visualizers such as UniversalVisualizer install), get_image returns
// the result. add_datasample is the task visualizers' entry point (MMEngine's base
// draws nothing).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/data/data_sample.h"
#include "mmcpp/registry/build_args.h"
#include "mmcpp/visualization/drawing.h"
#include "mmcpp/visualization/vis_backend.h"

namespace mmcpp::visualization {

class Visualizer {
 public:
  // `save_dir`: the backends' default directory is save_dir/vis_data.
  explicit Visualizer(std::string name = "visualizer",
                      std::optional<std::string> save_dir = std::nullopt);
  virtual ~Visualizer() = default;
  Visualizer(const Visualizer&) = delete;
  Visualizer& operator=(const Visualizer&) = delete;

  static std::shared_ptr<Visualizer> from_config(registry::BuildArgs& args);

  // Adds a backend under `name` (default: its class name). RuntimeError for a
  // duplicate name. A backend without save_dir gets save_dir/vis_data; one that
  // still has none is skipped with a warning, as MMEngine does.
  void add_backend(std::shared_ptr<VisBackend> backend, const std::string& name = "");
  std::shared_ptr<VisBackend> get_backend(const std::string& name) const;
  const std::vector<std::pair<std::string, std::shared_ptr<VisBackend>>>& backends() const {
    return backends_;
  }
  const std::string& name() const { return name_; }
  // save_dir/vis_data, or nullopt.
  const std::optional<std::string>& vis_save_dir() const { return vis_save_dir_; }

  void set_env(Env& env);
  void set_logger(Logger* logger) { logger_ = logger; }
  void set_dataset_meta(const config::Value& meta) { dataset_meta_ = meta; }
  const config::Value& dataset_meta() const { return dataset_meta_; }

  // Forwarded to every backend.
  void add_config(const std::string& pretty_text);
  void add_image(const std::string& name, const at::Tensor& image, std::int64_t step = 0);
  void add_scalar(const std::string& name, double value, std::int64_t step = 0);
  void add_scalars(const ScalarTags& tags, std::int64_t step = 0, const IntTags& int_tags = {},
                   const std::string& file_path = "");
  void close();

  // ---- drawing ----
  // `image`: (H, W, 3) RGB, (H, W, 1) or (H, W) (drawn in colour), any dtype
  // (cast to uint8 as numpy's astype('uint8')); copied to the CPU.
  void set_image(const at::Tensor& image);
  // The drawn (H, W, 3) uint8 RGB image (a copy). AssertionError before set_image.
  at::Tensor get_image() const;
  std::int64_t width() const { return width_; }
  std::int64_t height() const { return height_; }
  // MMEngine's default font size: max(sqrt(H * W) // 90, 10) points.
  double default_font_size() const { return default_font_size_; }
  void set_text_painter(std::shared_ptr<TextPainter> painter) { painter_ = std::move(painter); }
  const std::shared_ptr<TextPainter>& text_painter() const { return painter_; }

  // `texts` at `positions` ((N, 2) or (2,) x, y). AssertionError for a positions
  // shape or option list length that does not fit; warns when a position is
  // outside the image; NotImplementedError without a TextPainter.
  Visualizer& draw_texts(const std::vector<std::string>& texts, const at::Tensor& positions,
                         const TextOptions& options = {});
  // `bboxes`: (N, 4) or (4,) x1, y1, x2, y2 with x1 <= x2, y1 <= y2 (AssertionError
  // otherwise). Faces (when given) and edges are blended with `alpha`.
  Visualizer& draw_bboxes(const at::Tensor& bboxes, const BoxOptions& options = {});
  // Segments from (x_datas[i][0], y_datas[i][0]) to (x_datas[i][1], y_datas[i][1]);
  // (N, 2) or (2,) each.
  Visualizer& draw_lines(const at::Tensor& x_datas, const at::Tensor& y_datas,
                         const LineOptions& options = {});
  // Circles at `center` ((N, 2) or (2,)) with `radius` ((N,) or a scalar).
  Visualizer& draw_circles(const at::Tensor& center, const at::Tensor& radius,
                           const CircleOptions& options = {});
  // Dots at `positions` ((N, 2) or (2,)).
  Visualizer& draw_points(const at::Tensor& positions, const PointOptions& options = {});
  // A task visualizer draws `data_sample` on `image` and stores it as `name` at
  // `step` (MMEngine's add_datasample; this base draws nothing). `show` (a window)
  // is NotImplementedError in those that draw.
  virtual void add_datasample(const std::string& name, const at::Tensor& image,
                              const data::DataSample* data_sample = nullptr, bool draw_gt = true,
                              bool draw_pred = true, bool show = false, double wait_time = 0,
                              std::int64_t step = 0);
  // NotImplementedError: mmcpp opens no window.
  void show(const std::string& win_name = "image") const;

 protected:
  // Reads Visualizer's arguments (name, image, vis_backends, save_dir,
  // fig_save_cfg, fig_show_cfg) into `v`: subclasses' from_config use it.
  static void configure(Visualizer& v, registry::BuildArgs& args);
  void warn(const std::string& message) const;

 private:
  std::string name_;
  std::optional<std::string> vis_save_dir_;
  std::vector<std::pair<std::string, std::shared_ptr<VisBackend>>> backends_;
  config::Value dataset_meta_;
  Logger* logger_ = nullptr;
  at::Tensor image_;  // (H, W, 3) uint8 RGB, contiguous, CPU
  std::int64_t width_ = 0, height_ = 0;
  double default_font_size_ = 10;
  std::shared_ptr<TextPainter> painter_;
};

// Runner.build_visualizer: `cfg` is the config's `visualizer` (None for the
// default); `name` and `save_dir` are set when the dict lacks them. TypeError
// for anything but a dict or None.
std::shared_ptr<Visualizer> build_visualizer(const config::Value& cfg, const std::string& name,
                                             const std::string& save_dir, Env& env,
                                             Logger* logger = nullptr);

}  // namespace mmcpp::visualization
