// LocalVisBackend (mmengine/visualization/vis_backend.py): JSON-lines scalars,
// the config copy and PNG images under work_dir/<timestamp>/vis_data.
#include "mmcpp/visualization/local_vis_backend.h"

#include <cmath>
#include <cstdio>
#include <optional>

#include "mmcpp/config/dump.h"
#include "mmcpp/config/value.h"
#include "mmcpp/core/error.h"
#include "mmcpp/registry/root.h"
#include "mmcpp/visualization/png.h"

namespace mmcpp::visualization {
namespace {

bool has_extension(const std::string& file, const std::string& ext) {
  // MMEngine: file.split('.')[-1] == ext
  auto dot = file.rfind('.');
  std::string last = dot == std::string::npos ? file : file.substr(dot + 1);
  return last == ext;
}

}  // namespace

std::string json_number(double v) { return config::json_float_text(v); }

std::string json_string(const std::string& s) { return config::json_quote(s); }

const std::string& VisBackend::require_save_dir() const {
  if (!save_dir_ || save_dir_->empty())
    throw Error("RuntimeError", type_name() +
                                    " has no save_dir: give the backend or the "
                                    "Visualizer a `save_dir`");
  return *save_dir_;
}

LocalVisBackend::LocalVisBackend(std::optional<std::string> save_dir, std::string img_save_dir,
                                 std::string config_save_file, std::string scalar_save_file)
    : VisBackend(std::move(save_dir)),
      img_save_dir_(std::move(img_save_dir)),
      config_save_file_(std::move(config_save_file)),
      scalar_save_file_(std::move(scalar_save_file)) {
  if (!has_extension(config_save_file_, "py")) {
    throw Error("AssertionError", "LocalVisBackend: config_save_file must end with .py, got '" +
                                      config_save_file_ + "'");
  }
  if (!has_extension(scalar_save_file_, "json")) {
    throw Error("AssertionError", "LocalVisBackend: scalar_save_file must end with .json, got '" +
                                      scalar_save_file_ + "'");
  }
}

std::shared_ptr<LocalVisBackend> LocalVisBackend::from_config(registry::BuildArgs& args) {
  std::optional<std::string> save_dir = args.get_opt_str("save_dir");
  return std::make_shared<LocalVisBackend>(save_dir, args.get_str("img_save_dir", "vis_image"),
                                           args.get_str("config_save_file", "config.py"),
                                           args.get_str("scalar_save_file", "scalars.json"));
}

void LocalVisBackend::add_config(const std::string& pretty_text) {
  const std::string& dir = require_save_dir();
  env().make_dirs(dir);  // created on first use, as MMEngine's _init_env
  env().write_file_atomic(path_join(dir, config_save_file_), pretty_text);
}

void LocalVisBackend::add_image(const std::string& name, const at::Tensor& image,
                                std::int64_t step) {
  const std::string dir = path_join(require_save_dir(), img_save_dir_);
  // cv2.imwrite of the RGB image converted to BGR: a PNG of the RGB pixels.
  std::string png = encode_png(image);
  env().make_dirs(dir);
  env().write_file_atomic(path_join(dir, name + "_" + std::to_string(step) + ".png"), png);
}

void LocalVisBackend::dump_line(const std::string& line, const std::string& path) {
  env().make_dirs(path_dirname(path));
  env().append_file(path, line);
}

void LocalVisBackend::add_scalar(const std::string& name, double value, std::int64_t step) {
  const std::string& dir = require_save_dir();
  dump_line("{" + json_string(name) + ": " + json_number(value) +
                ", \"step\": " + std::to_string(step) + "}\n",
            path_join(dir, scalar_save_file_));
}

void LocalVisBackend::add_scalars(const ScalarTags& tags, std::int64_t step,
                                  const IntTags& int_tags, const std::string& file_path) {
  const std::string& dir = require_save_dir();
  // json.dumps of the dict: ", " and ": " separators; `step` via setdefault.
  std::string line = "{";
  bool has_step = false;
  auto add = [&line](const std::string& key, const std::string& value) {
    if (line.size() > 1) line += ", ";
    line += json_string(key) + ": " + value;
  };
  for (const auto& [k, v] : tags) {
    has_step |= k == "step";
    add(k, json_number(v));
  }
  for (const auto& [k, v] : int_tags) {
    has_step |= k == "step";
    add(k, std::to_string(v));
  }
  if (!has_step) add("step", std::to_string(step));
  line += "}\n";

  std::string scalar_path = path_join(dir, scalar_save_file_);
  if (!file_path.empty()) {
    if (!has_extension(file_path, "json")) {
      throw Error("AssertionError",
                  "LocalVisBackend: file_path must end with .json, got '" + file_path + "'");
    }
    std::string path = file_path[0] == '/' ? file_path : path_join(dir, file_path);
    if (path == scalar_path) {
      throw Error("AssertionError",
                  "``file_path`` and ``scalar_save_file`` have the same name, please set "
                  "``file_path`` to another value");
    }
    dump_line(line, path);
  }
  dump_line(line, scalar_path);
}

MMCPP_REGISTER(registry::VISBACKENDS, LocalVisBackend,
               "dict(type='LocalVisBackend', save_dir='vis_data')");

}  // namespace mmcpp::visualization
