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
// with one LocalVisBackend. Drawing (matplotlib in MMEngine) is not here:
// task visualizers such as UniversalVisualizer draw with OpenCV.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/registry/build_args.h"
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
};

// Runner.build_visualizer: `cfg` is the config's `visualizer` (None for the
// default); `name` and `save_dir` are set when the dict lacks them. TypeError
// for anything but a dict or None.
std::shared_ptr<Visualizer> build_visualizer(const config::Value& cfg, const std::string& name,
                                             const std::string& save_dir, Env& env,
                                             Logger* logger = nullptr);

}  // namespace mmcpp::visualization
