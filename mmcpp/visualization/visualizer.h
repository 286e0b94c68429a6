// Visualizer (mmengine/visualization/visualizer.py): the base class of the
// VISUALIZERS registry. Only what every package visualizer shares is here: its
// name, the dataset metainfo the loops hand it, and where its backends write
// (the run's log_dir/vis_data, as Runner.build_visualizer sets save_dir).
// Packages derive their visualizers (MMagic's ConcatImageVisualizer).
#pragma once

#include <string>

#include "mmcpp/config/value.h"

namespace mmcpp::visualization {

class Visualizer {
 public:
  explicit Visualizer(std::string name = "visualizer") : name_(std::move(name)) {}
  virtual ~Visualizer() = default;

  const std::string& name() const { return name_; }
  void set_dataset_meta(const config::Value& meta) { dataset_meta_ = meta; }
  const config::Value& dataset_meta() const { return dataset_meta_; }
  // The folder the backends write under (log_dir/vis_data); "" until set.
  void set_save_dir(const std::string& dir) { save_dir_ = dir; }
  const std::string& save_dir() const { return save_dir_; }

 private:
  std::string name_;
  config::Value dataset_meta_;
  std::string save_dir_;
};

}  // namespace mmcpp::visualization
