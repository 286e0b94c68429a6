// LocalVisBackend (mmengine/visualization/vis_backend.py): writes scalars as JSON
// lines to <save_dir>/scalars.json (save_dir: work_dir/<timestamp>/vis_data),
// the config copy to <save_dir>/config.py and images to
// <save_dir>/vis_image/<name>_<step>.png.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "mmcpp/registry/build_args.h"
#include "mmcpp/visualization/vis_backend.h"

namespace mmcpp::visualization {

class LocalVisBackend : public VisBackend {
 public:
  // AssertionError unless config_save_file ends with .py and scalar_save_file
  // with .json.
  explicit LocalVisBackend(std::optional<std::string> save_dir = std::nullopt,
                           std::string img_save_dir = "vis_image",
                           std::string config_save_file = "config.py",
                           std::string scalar_save_file = "scalars.json");
  static std::shared_ptr<LocalVisBackend> from_config(registry::BuildArgs& args);

  std::string type_name() const override { return "LocalVisBackend"; }
  void add_config(const std::string& pretty_text) override;
  void add_image(const std::string& name, const at::Tensor& image, std::int64_t step = 0) override;
  void add_scalar(const std::string& name, double value, std::int64_t step = 0) override;
  void add_scalars(const ScalarTags& tags, std::int64_t step = 0, const IntTags& int_tags = {},
                   const std::string& file_path = "") override;

 private:
  void dump_line(const std::string& line, const std::string& path);
  std::string img_save_dir_, config_save_file_, scalar_save_file_;
};

// A float as JSON (Python json.dumps style: repr digits, NaN/Infinity).
std::string json_number(double v);
// A str as JSON (Python json.dumps with ensure_ascii=True: "\u00e9").
std::string json_string(const std::string& s);

}  // namespace mmcpp::visualization
