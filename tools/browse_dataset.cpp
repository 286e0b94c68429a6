// `mmcpp browse-dataset CONFIG [--phase train|val|test] [--output-dir D]
//   [--mode original|transformed|concat|pipeline] [--show-number N]
//   [--rescale-factor F] [--channel-order BGR|RGB] [--cfg-options k=v ...]`:
// MMPretrain's tools/visualization/browse_dataset.py, writing PNG files.
//
// Each sample's data info goes through the dataset's pipeline one transform at a
// time, keeping every intermediate image (InspectCompose in the Python tool).
// The PNG of each mode:
//   original     the first image (as loaded, or the dataset's own array);
//                scaled by --rescale-factor (bilinear) when given;
//   transformed  the pipeline's last image, pixel for pixel (no canvas, no text:
//                it doubles as a way to check transforms);
//   concat       original and transformed side by side, top-aligned;
//   pipeline     every intermediate image side by side.
// Unlike the Python tool (matplotlib figures with titles), images are written
// as they are. Files are named after the sample's img_path (<stem>.png), else
// <index>.png. Random transforms draw as the loader would in epoch 0 with the
// config's randomness.seed (0 when unset).
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/data/base_dataset.h"
#include "mmcpp/registry/plugins.h"
#include "mmcpp/registry/registry.h"
#include "mmcpp/registry/root.h"
#include "tools/subcommand.h"

namespace {

using mmcpp::Error;
using mmcpp::config::Config;
using mmcpp::config::Value;
namespace fs = std::filesystem;

struct BrowseArgs {
  std::string config, output_dir, phase = "train", mode = "transformed", channel_order = "BGR";
  std::int64_t show_number = std::numeric_limits<std::int64_t>::max();
  double show_interval = 2;
  std::optional<double> rescale_factor;
  bool not_show = false;
  std::vector<std::string> cfg_options;
};

struct Stage {
  std::string name;
  cv::Mat img;
};

// A uint8 image fit for PNG: float images (after Normalize) are saturated.
cv::Mat to_png_image(const torch::Tensor& img) {
  torch::Tensor t = img.detach().to(torch::kCPU).contiguous();
  if (t.dim() == 3 && t.size(2) != 1 && t.size(2) != 3 && t.size(2) != 4) {
    throw Error("ValueError", "browse-dataset: cannot write an image with " +
                                  std::to_string(t.size(2)) + " channels as PNG");
  }
  cv::Mat m = mmcpp::mmcv::as_mat(t).clone();
  if (m.depth() != CV_8U) m.convertTo(m, CV_8U);  // saturate_cast, as cv2 would
  return m;
}

// Side by side, top-aligned, on a black canvas; grey images become 3-channel
// when mixed with colour ones.
cv::Mat hconcat_top(const std::vector<cv::Mat>& imgs) {
  int width = 0, height = 0, channels = 1;
  for (const auto& m : imgs) {
    width += m.cols;
    height = std::max(height, m.rows);
    channels = std::max(channels, m.channels());
  }
  cv::Mat canvas(height, width, CV_8UC(channels), cv::Scalar::all(0));
  int x = 0;
  for (cv::Mat m : imgs) {
    if (m.channels() != channels)
      cv::cvtColor(m, m, channels == 4 ? cv::COLOR_GRAY2BGRA : cv::COLOR_GRAY2BGR);
    m.copyTo(canvas(cv::Rect(x, 0, m.cols, m.rows)));
    x += m.cols;
  }
  return canvas;
}

std::string output_name(const mmcpp::data::Results& r, std::size_t index) {
  if (const Value* p = r.info.as_dict().find("img_path"); p && p->is_str()) {
    return fs::path(p->as_str()).stem().string() + ".png";
  }
  return std::to_string(index) + ".png";
}

int browse(const BrowseArgs& a) {
  if (a.output_dir.empty()) {
    throw Error("ValueError",
                "browse-dataset: mmcpp has no display; give --output-dir to write the images");
  }
  if (a.show_number <= 0) throw Error("ValueError", "--show-number must be bigger than 0");
  Config cfg = Config::fromfile(a.config);
  if (!a.cfg_options.empty()) cfg.merge_from_dict(mmcpp::config::parse_cfg_options(a.cfg_options));
  if (const Value* ci = cfg.get("custom_imports")) {
    mmcpp::registry::import_custom_modules(*ci, fs::path(a.config).parent_path().string());
  }
  const Value* scope = cfg.get("default_scope");
  mmcpp::registry::ScopeGuard guard(scope && scope->is_str() ? scope->as_str() : "mmpretrain");

  const std::string loader_key = a.phase + "_dataloader";
  const Value* loader = cfg.get(loader_key);
  if (!loader || !loader->is_dict() || !loader->as_dict().find("dataset")) {
    throw Error("KeyError", "browse-dataset: the config has no " + loader_key + ".dataset");
  }
  auto dataset = mmcpp::registry::DATASETS().build(*loader->as_dict().find("dataset"));
  if (!dataset->has_data_list()) {
    throw Error("TypeError", "browse-dataset: " + dataset->class_name() +
                                 " has no data list and pipeline to inspect");
  }
  std::uint64_t seed = 0;
  if (const Value* r = cfg.get("randomness"); r && r->is_dict()) {
    if (const Value* s = r->as_dict().find("seed"); s && s->is_int()) seed = s->as_int();
  }

  fs::create_directories(a.output_dir);
  const std::size_t n =
      std::min<std::size_t>(static_cast<std::size_t>(a.show_number), dataset->size());
  for (std::size_t i = 0; i < n; ++i) {
    mmcpp::data::Results results = dataset->get_data_info(i);
    mmcpp::Rng rng(mmcpp::data::sample_seed(seed, 0, i));
    std::vector<Stage> stages;
    if (results.has_img()) stages.push_back({"Original", to_png_image(results.img())});
    bool dropped = false;
    if (const auto& pipeline = dataset->pipeline()) {
      for (const auto& t : pipeline->transforms()) {
        const bool packed_before = results.packed.has_value();
        if (!t->transform(results, rng)) {
          dropped = true;
          break;
        }
        // PackInputs returns a new dict in Python: the packed image is not a stage.
        if (!packed_before && results.packed) break;
        if (results.has_img()) stages.push_back({t->repr(), to_png_image(results.img())});
      }
    }
    if (dropped || stages.empty()) {
      std::cerr << "warning: sample " << i
                << (dropped ? " was dropped by the pipeline" : " has no image") << "; skipped\n";
      continue;
    }
    cv::Mat out;
    if (a.mode == "original") {
      out = stages.front().img;
      if (a.rescale_factor) {
        cv::resize(out, out, cv::Size(), *a.rescale_factor, *a.rescale_factor, cv::INTER_LINEAR);
      }
    } else if (a.mode == "transformed") {
      out = stages.back().img;
    } else if (a.mode == "concat") {
      out = hconcat_top({stages.front().img, stages.back().img});
    } else {
      std::vector<cv::Mat> all;
      for (const auto& s : stages) all.push_back(s.img);
      out = hconcat_top(all);
    }
    // PNG files are written from BGR; images whose data is RGB are flipped.
    if (a.channel_order == "RGB" && out.channels() == 3) cv::cvtColor(out, out, cv::COLOR_RGB2BGR);
    const std::string path = (fs::path(a.output_dir) / output_name(results, i)).string();
    if (!cv::imwrite(path, out)) throw Error("OSError", "browse-dataset: cannot write " + path);
  }
  std::cout << "wrote " << n << " image(s) to " << a.output_dir << "\n";
  return 0;
}

mmcpp::tools::RunFn setup_browse_dataset(CLI::App& sub) {
  auto a = std::make_shared<BrowseArgs>();
  sub.description(
      "Write a dataset's images before/after its pipeline as PNG files "
      "(MMPretrain's tools/visualization/browse_dataset.py)");
  sub.add_option("config", a->config, "config file path")->required();
  sub.add_option("-o,--output-dir", a->output_dir, "folder for the PNG files");
  sub.add_flag("--not-show", a->not_show, "accepted; mmcpp never opens a window");
  sub.add_option("-p,--phase", a->phase, "which dataloader's dataset")
      ->check(CLI::IsMember({"train", "val", "test"}));
  sub.add_option("-n,--show-number", a->show_number, "number of images (default: all)");
  sub.add_option("-i,--show-interval", a->show_interval, "accepted; no display");
  sub.add_option("-m,--mode", a->mode, "original, transformed, concat or pipeline")
      ->check(CLI::IsMember({"original", "transformed", "concat", "pipeline"}));
  sub.add_option("-r,--rescale-factor", a->rescale_factor, "(mode original) image rescale factor");
  sub.add_option("-c,--channel-order", a->channel_order, "channel order of the images' data")
      ->check(CLI::IsMember({"BGR", "RGB"}));
  sub.add_option("--cfg-options", a->cfg_options, "override settings in the config: key=value ...")
      ->expected(1, -1);
  return [a] { return browse(*a); };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("browse-dataset", setup_browse_dataset);
