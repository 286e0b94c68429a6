// LocalVisBackend (mmengine/visualization/vis_backend.py): JSON-lines scalars and
// the config copy under work_dir/<timestamp>/vis_data.
#include "mmcpp/visualization/local_vis_backend.h"

#include <cmath>
#include <cstdio>
#include <optional>

#include "mmcpp/config/dump.h"
#include "mmcpp/config/value.h"
#include "mmcpp/core/error.h"
#include "mmcpp/registry/root.h"

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

LocalVisBackend::LocalVisBackend(std::string img_save_dir, std::string config_save_file,
                                 std::string scalar_save_file)
    : img_save_dir_(std::move(img_save_dir)),
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
  auto backend = std::make_shared<LocalVisBackend>(
      args.get_str("img_save_dir", "vis_image"), args.get_str("config_save_file", "config.py"),
      args.get_str("scalar_save_file", "scalars.json"));
  // A save_dir in the config wins over the Visualizer's default (vis_data).
  if (save_dir) backend->save_dir_ = *save_dir;
  return backend;
}

void LocalVisBackend::init(const std::string& save_dir, Env& env) {
  if (save_dir_.empty()) save_dir_ = save_dir;
  env_ = &env;
}

void LocalVisBackend::add_config(const std::string& pretty_text) {
  if (env_ == nullptr || save_dir_.empty()) {
    throw Error("RuntimeError", "LocalVisBackend.add_config called before init()");
  }
  env_->make_dirs(save_dir_);  // created on first use, as MMEngine's _init_env
  env_->write_file_atomic(path_join(save_dir_, config_save_file_), pretty_text);
}

void LocalVisBackend::add_scalars(
    const std::vector<std::pair<std::string, double>>& tags, std::int64_t step,
    const std::vector<std::pair<std::string, std::int64_t>>& int_tags) {
  if (env_ == nullptr || save_dir_.empty()) {
    throw Error("RuntimeError", "LocalVisBackend.add_scalars called before init()");
  }
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

  env_->make_dirs(save_dir_);
  std::string scalar_path = path_join(save_dir_, scalar_save_file_);
  for (const std::string& mirror : mirrors_) {
    std::string path = !mirror.empty() && mirror[0] == '/' ? mirror : path_join(save_dir_, mirror);
    if (!has_extension(path, "json")) {
      throw Error("AssertionError",
                  "LocalVisBackend: file_path must end with .json, got '" + mirror + "'");
    }
    if (path == scalar_path) {
      throw Error("AssertionError",
                  "``file_path`` and ``scalar_save_file`` have the same name, please set "
                  "``file_path`` to another value");
    }
    env_->append_file(path, line);
  }
  env_->append_file(scalar_path, line);
}

MMCPP_REGISTER(registry::VISBACKENDS, LocalVisBackend, "dict(type='LocalVisBackend')");

}  // namespace mmcpp::visualization
