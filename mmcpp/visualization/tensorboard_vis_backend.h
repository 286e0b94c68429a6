// TensorboardVisBackend (mmengine/visualization/vis_backend.py): scalars,
// images and the config text in a TensorBoard event file
// <save_dir>/events.out.tfevents.<time>.<host>.<pid>.<n>, as
// torch.utils.tensorboard.SummaryWriter(save_dir) writes it (see tfevents.h).
// The file is created on first use; every event is appended at once.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "mmcpp/registry/build_args.h"
#include "mmcpp/visualization/vis_backend.h"

namespace mmcpp::visualization {

class TensorboardVisBackend : public VisBackend {
 public:
  explicit TensorboardVisBackend(std::optional<std::string> save_dir = std::nullopt);
  static std::shared_ptr<TensorboardVisBackend> from_config(registry::BuildArgs& args);

  std::string type_name() const override { return "TensorboardVisBackend"; }
  // SummaryWriter.add_text('config', pretty_text).
  void add_config(const std::string& pretty_text) override;
  // SummaryWriter.add_image(name, image, step, dataformats='HWC'): a PNG.
  void add_image(const std::string& name, const at::Tensor& image, std::int64_t step = 0) override;
  void add_scalar(const std::string& name, double value, std::int64_t step = 0) override;
  // AssertionError when a tag is named "step" (set it through `step`).
  void add_scalars(const ScalarTags& tags, std::int64_t step = 0, const IntTags& int_tags = {},
                   const std::string& file_path = "") override;
  // The event file ("" before the first write).
  const std::string& event_file() const { return file_; }

 private:
  void open();  // the file and its file-version record, on first use
  void write(const std::string& event);
  std::string file_;
};

}  // namespace mmcpp::visualization
