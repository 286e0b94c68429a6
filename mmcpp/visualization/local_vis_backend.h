// LocalVisBackend (mmengine/visualization/vis_backend.py): writes scalars as JSON
// lines to work_dir/<timestamp>/vis_data/scalars.json and the config copy to
// vis_data/config.py.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/core/env.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::visualization {

class VisBackend {
 public:
  virtual ~VisBackend() = default;
  // `save_dir` is work_dir/<timestamp>/vis_data; called once before use.
  virtual void init(const std::string& save_dir, Env& env) = 0;
  virtual void add_config(const std::string& pretty_text) = 0;
  // One JSON line: the tags then "step".
  virtual void add_scalars(
      const std::vector<std::pair<std::string, double>>& tags, std::int64_t step,
      const std::vector<std::pair<std::string, std::int64_t>>& int_tags = {}) = 0;
};

class LocalVisBackend : public VisBackend {
 public:
  LocalVisBackend(std::string img_save_dir = "vis_image",
                  std::string config_save_file = "config.py",
                  std::string scalar_save_file = "scalars.json");
  static std::shared_ptr<LocalVisBackend> from_config(registry::BuildArgs& args);
  void init(const std::string& save_dir, Env& env) override;
  void add_config(const std::string& pretty_text) override;
  void add_scalars(const std::vector<std::pair<std::string, double>>& tags, std::int64_t step,
                   const std::vector<std::pair<std::string, std::int64_t>>& int_tags = {}) override;
  const std::string& save_dir() const { return save_dir_; }
  // Also write every scalars line to this file (LoggerHook's vis_data/<timestamp>.json).
  void add_mirror_file(const std::string& path) { mirrors_.push_back(path); }

 private:
  std::string img_save_dir_, config_save_file_, scalar_save_file_, save_dir_;
  std::vector<std::string> mirrors_;
  Env* env_ = nullptr;
};

// A float as JSON (Python json.dumps style: repr digits, NaN/Infinity).
std::string json_number(double v);
// A str as JSON (Python json.dumps with ensure_ascii=True: "\u00e9").
std::string json_string(const std::string& s);

}  // namespace mmcpp::visualization
