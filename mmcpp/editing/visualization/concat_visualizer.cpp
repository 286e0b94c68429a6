#include "mmcpp/editing/visualization/concat_visualizer.h"

#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <regex>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/structures/data_sample.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

using config::Value;

ConcatImageVisualizer::ConcatImageVisualizer(ConcatImageVisualizerOptions o)
    // MMEngine's backends write under save_dir/vis_data.
    : visualization::Visualizer(
          o.name, o.save_dir.empty() ? std::nullopt : std::optional<std::string>(o.save_dir)),
      o_(std::move(o)) {}

std::shared_ptr<ConcatImageVisualizer> ConcatImageVisualizer::from_config(
    registry::BuildArgs& args) {
  ConcatImageVisualizerOptions o;
  o.fn_key = args.require_str("fn_key");
  Value keys = args.require("img_keys");
  if (keys.is_str()) {
    o.img_keys = {keys.as_str()};
  } else if (keys.is_sequence()) {
    for (const auto& k : keys.items()) o.img_keys.push_back(k.str());
  } else {
    throw Error("TypeError",
                "ConcatImageVisualizer: img_keys must be a list of str, got " + keys.repr());
  }
  Value pr = args.value("pixel_range");
  if (pr.is_dict()) {
    for (const auto& [k, v] : pr.as_dict().entries()) {
      if (!v.is_sequence() || v.items().size() != 2)
        throw Error("ValueError", "ConcatImageVisualizer: pixel_range['" + k.str() +
                                      "'] must be (min, max), got " + v.repr());
      o.pixel_range[k.str()] = {v.items()[0].as_number(), v.items()[1].as_number()};
    }
  } else if (!pr.is_none()) {
    throw Error("TypeError", "ConcatImageVisualizer: pixel_range must be a dict, got " + pr.repr());
  }
  o.bgr2rgb = args.get_bool("bgr2rgb", false);
  o.name = args.get_str("name", "visualizer");
  Value backends = args.value("vis_backends");
  o.local_backends.clear();
  if (!backends.is_none()) {
    std::vector<Value> list;
    if (backends.is_dict())
      list.push_back(backends);
    else if (backends.is_sequence())
      list = backends.items();
    else
      throw Error("TypeError",
                  "vis_backends must be a dict or a list of dicts, got " + backends.repr());
    for (const auto& b : list) {
      const Value* t = b.is_dict() ? b.as_dict().find("type") : nullptr;
      if (!t || !t->is_str() || t->as_str() != "LocalVisBackend")
        throw Error("NotImplementedError",
                    "ConcatImageVisualizer: vis backend " + b.repr() +
                        " is not supported by mmcpp yet (only LocalVisBackend writes images)");
      const Value* dir = b.as_dict().find("img_save_dir");
      o.local_backends.push_back(dir && dir->is_str() ? dir->as_str() : "vis_image");
      for (const auto& [k, v] : b.as_dict().entries()) {
        const std::string key = k.str();
        if (key != "type" && key != "img_save_dir" && key != "save_dir" &&
            key != "config_save_file" && key != "scalar_save_file")
          throw Error("TypeError",
                      "LocalVisBackend got an unexpected keyword argument '" + key + "'");
      }
    }
  }
  Value save_dir = args.value("save_dir");
  if (save_dir.is_str()) o.save_dir = save_dir.as_str();
  // MMEngine's Visualizer arguments that change nothing here.
  args.value("image");
  args.value("fig_save_cfg");
  args.value("fig_show_cfg");
  auto v = std::make_shared<ConcatImageVisualizer>(std::move(o));
  // The Visualizer's own arguments (name, save_dir, vis_backends): the backends
  // also take the run's scalars and config when the runner uses this visualizer.
  configure(*v, args);
  return v;
}

namespace {

// The field `key` of the sample or its output, or a metainfo string.
torch::Tensor find_image(const DataSample& s, const std::string& key) {
  if (has_output_field(s, key)) return output_field(s, key);
  if (s.has(key)) return s.get(key);
  return {};
}

std::string find_string(const DataSample& s, const std::string& key) {
  const Value* v = s.metainfo().as_dict().find(key);
  if (!v) throw Error("KeyError", "'" + key + "': the data sample has no " + key);
  if (v->is_sequence() && !v->items().empty()) return v->items()[0].str();
  return v->str();
}

}  // namespace

torch::Tensor ConcatImageVisualizer::concat_images(const data::DataSamplePtr& sample_in,
                                                   std::string* file_name) const {
  const DataSamplePtr& sample = sample_in;
  std::string fn = find_string(*sample, o_.fn_key);
  // re.split(r' |/|\\', fn)[-1].split('.')[0]
  std::size_t cut = fn.find_last_of(" /\\");
  if (cut != std::string::npos) fn = fn.substr(cut + 1);
  fn = fn.substr(0, fn.find('.'));
  if (file_name) *file_name = fn;

  std::vector<torch::Tensor> images;
  for (const std::string& k : o_.img_keys) {
    torch::Tensor img = find_image(*sample, k);
    if (!img.defined()) continue;  // MMagic warns 'Key "k" not in data_sample or outputs'
    img = img.detach().to(torch::kCPU);
    if (img.dim() == 3)
      img = img.permute({1, 2, 0});
    else if (img.dim() == 4)
      img = img.permute({0, 2, 3, 1});
    if (img.dim() == 4) img = img.reshape({-1, img.size(2), img.size(3)});
    if (img.dim() == 3 && img.size(2) == 1) img = torch::cat({img, img, img}, 2);
    if (img.dim() == 2) img = torch::stack({img, img, img}, 2);
    if (o_.bgr2rgb) img = img.flip({2});
    if (img.scalar_type() != torch::kUInt8) {
      img = img.to(torch::kDouble);
      if (auto it = o_.pixel_range.find(k); it != o_.pixel_range.end()) {
        const auto [lo, hi] = it->second;
        img = (img - lo) / (hi - lo) * 255;
      }
      img = img.clamp(0, 255).round().to(torch::kUInt8);
    }
    images.push_back(img.contiguous());
  }
  if (images.empty())
    throw Error("ValueError", "ConcatImageVisualizer: none of the img_keys is in the data sample");
  std::int64_t max_h = 0;
  for (const auto& im : images) max_h = std::max(max_h, im.size(0));
  for (auto& im : images) {
    if (im.size(0) < max_h) {
      torch::Tensor pad =
          torch::full({max_h - im.size(0), im.size(1), im.size(2)}, 127, im.options());
      im = torch::cat({im, pad}, 0);
    }
  }
  return torch::cat(images, 1).contiguous();
}

std::vector<std::string> ConcatImageVisualizer::add_datasample(const data::DataSamplePtr& sample,
                                                               std::int64_t step) {
  std::string fn;
  torch::Tensor strip = concat_images(sample, &fn);
  std::vector<std::string> written;
  if (!vis_save_dir()) return written;
  const int h = static_cast<int>(strip.size(0)), w = static_cast<int>(strip.size(1));
  cv::Mat rgb(h, w, CV_8UC3, strip.data_ptr<std::uint8_t>());
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<std::uint8_t> png;
  if (!cv::imencode(".png", bgr, png))
    throw Error("RuntimeError", "could not encode the PNG of " + fn);
  for (const std::string& dir_name : o_.local_backends) {
    const std::string dir = path_join(*vis_save_dir(), dir_name);
    Env::system().make_dirs(dir);
    const std::string path = path_join(dir, fn + "_" + std::to_string(step) + ".png");
    Env::system().write_file_atomic(path, std::string(png.begin(), png.end()));
    written.push_back(path);
  }
  return written;
}

MMCPP_REGISTER(VISUALIZERS, ConcatImageVisualizer,
               "dict(type='ConcatImageVisualizer', fn_key='gt_path', img_keys=['gt_img', 'input', "
               "'pred_img'], bgr2rgb=True)");

}  // namespace mmcpp::editing
