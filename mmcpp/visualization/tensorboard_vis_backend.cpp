#include "mmcpp/visualization/tensorboard_vis_backend.h"

#include <unistd.h>

#include <atomic>
#include <chrono>

#include "mmcpp/core/error.h"
#include "mmcpp/registry/root.h"
#include "mmcpp/visualization/png.h"
#include "mmcpp/visualization/tfevents.h"

namespace mmcpp::visualization {
namespace {

double wall_time() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// tensorboard's _global_uid: one number per event file of the process.
int next_uid() {
  static std::atomic<int> uid{0};
  return uid++;
}

std::string host_name() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) return "localhost";
  return host;
}

}  // namespace

TensorboardVisBackend::TensorboardVisBackend(std::optional<std::string> save_dir)
    : VisBackend(std::move(save_dir)) {}

std::shared_ptr<TensorboardVisBackend> TensorboardVisBackend::from_config(
    registry::BuildArgs& args) {
  return std::make_shared<TensorboardVisBackend>(args.get_opt_str("save_dir"));
}

void TensorboardVisBackend::open() {
  if (file_.empty()) {
    // SummaryWriter(save_dir): the directory, then the file-version record.
    const std::string& dir = require_save_dir();
    env().make_dirs(dir);
    const double now = wall_time();
    file_ = path_join(dir, tfevents::event_file_name(now, host_name(), getpid(), next_uid()));
    env().append_file(file_, tfevents::record(tfevents::file_version_event(now)));
  }
}

void TensorboardVisBackend::write(const std::string& event) {
  open();
  env().append_file(file_, tfevents::record(event));
}

void TensorboardVisBackend::add_config(const std::string& pretty_text) {
  open();
  write(tfevents::text_event(wall_time(), 0, "config", pretty_text));
}

void TensorboardVisBackend::add_image(const std::string& name, const at::Tensor& image,
                                      std::int64_t step) {
  at::Tensor img = image.dim() == 2 ? image.unsqueeze(2) : image;
  if (img.dim() != 3)
    throw Error("ValueError", "TensorboardVisBackend.add_image: expected an (H, W, C) image");
  std::string png = encode_png(img);
  open();
  write(tfevents::image_event(wall_time(), step, name, img.size(0), img.size(1), img.size(2), png));
}

void TensorboardVisBackend::add_scalar(const std::string& name, double value, std::int64_t step) {
  open();
  write(tfevents::scalar_event(wall_time(), step, name, static_cast<float>(value)));
}

void TensorboardVisBackend::add_scalars(const ScalarTags& tags, std::int64_t step,
                                        const IntTags& int_tags, const std::string&) {
  for (const auto& [k, v] : tags)
    if (k == "step")
      throw Error("AssertionError", "Please set it directly through the step parameter");
  for (const auto& [k, v] : int_tags)
    if (k == "step")
      throw Error("AssertionError", "Please set it directly through the step parameter");
  for (const auto& [k, v] : tags) add_scalar(k, v, step);
  for (const auto& [k, v] : int_tags) add_scalar(k, static_cast<double>(v), step);
}

MMCPP_REGISTER(registry::VISBACKENDS, TensorboardVisBackend,
               "dict(type='TensorboardVisBackend', save_dir='vis_data')");

}  // namespace mmcpp::visualization
