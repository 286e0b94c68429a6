// BaseVisBackend (mmengine/visualization/vis_backend.py): where a Visualizer
// writes scalars, images and the config. Backends touch the disk only when
// first used (MMEngine's force_init_env), under their `save_dir`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "mmcpp/core/env.h"

namespace mmcpp::visualization {

using ScalarTags = std::vector<std::pair<std::string, double>>;
using IntTags = std::vector<std::pair<std::string, std::int64_t>>;

class VisBackend {
 public:
  explicit VisBackend(std::optional<std::string> save_dir) : save_dir_(std::move(save_dir)) {}
  virtual ~VisBackend() = default;
  VisBackend(const VisBackend&) = delete;
  VisBackend& operator=(const VisBackend&) = delete;

  // The class name (the default name of the backend in a Visualizer).
  virtual std::string type_name() const = 0;
  // False for backends that cannot work without a save_dir (MMEngine skips
  // them with a warning when neither they nor the Visualizer have one).
  virtual bool needs_save_dir() const { return true; }
  const std::optional<std::string>& save_dir() const { return save_dir_; }
  void set_save_dir(std::string dir) { save_dir_ = std::move(dir); }
  // The filesystem the backend writes through (tests inject faults).
  void set_env(Env& env) { env_ = &env; }

  // `pretty_text`: the config as Config.pretty_text.
  virtual void add_config(const std::string& /*pretty_text*/) {}
  // `image`: uint8 (H, W, 3) RGB, (H, W, 1) or (H, W).
  virtual void add_image(const std::string& /*name*/, const at::Tensor& /*image*/,
                         std::int64_t /*step*/ = 0) {}
  virtual void add_scalar(const std::string& /*name*/, double /*value*/,
                          std::int64_t /*step*/ = 0) {}
  // `tags` then `int_tags` (written as integers), with `step`. `file_path`
  // (relative to save_dir): a second file LocalVisBackend also writes the line
  // to (LoggerHook's <timestamp>.json); other backends ignore it.
  virtual void add_scalars(const ScalarTags& /*tags*/, std::int64_t /*step*/ = 0,
                           const IntTags& /*int_tags*/ = {},
                           const std::string& /*file_path*/ = "") {}
  virtual void close() {}

 protected:
  Env& env() const { return *env_; }
  // RuntimeError naming the backend when it has no save_dir.
  const std::string& require_save_dir() const;

 private:
  std::optional<std::string> save_dir_;
  Env* env_ = &Env::system();
};

}  // namespace mmcpp::visualization
