#include "mmcpp/pretrain/visualization/visualizer.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/geometric.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/cv/visualization/opencv_text_painter.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/visualization/png.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

// A matplotlib colour: a few names, or an RGB tuple (0..1 floats or 0..255 ints).
visualization::Rgb rgb_color(const Value& v) {
  // MMPretrain's text_cfg goes to matplotlib: names, or RGB tuples of 0..1 floats
  // or 0..255 ints.
  if (v.is_sequence() && v.items().size() >= 3 &&
      std::all_of(v.items().begin(), v.items().end(),
                  [](const Value& x) { return x.is_float(); })) {
    auto c = [&](int i) {
      return static_cast<std::uint8_t>(std::lround(
          std::clamp(v.items()[static_cast<std::size_t>(i)].as_number(), 0.0, 1.0) * 255));
    };
    return {c(0), c(1), c(2)};
  }
  return visualization::color_val(v);
}

std::string class_label(const std::vector<std::string>& classes, std::int64_t i) {
  if (classes.empty()) return "";
  if (i < 0 || i >= static_cast<std::int64_t>(classes.size()))
    throw Error("IndexError", "list index out of range (class " + std::to_string(i) + " of " +
                                  std::to_string(classes.size()) + " classes)");
  return " (" + classes[static_cast<std::size_t>(i)] + ")";
}

std::vector<std::int64_t> tolist(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kCPU).to(torch::kLong).reshape({-1}).contiguous();
  return {c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()};
}

}  // namespace

double get_adaptive_scale(std::int64_t height, std::int64_t width, double min_scale,
                          double max_scale) {
  const double scale = static_cast<double>(std::min(height, width)) / 224.0;
  return std::min(std::max(scale, min_scale), max_scale);
}

ClsDrawOptions ClsDrawOptions::from_kwargs(const Value& kwargs, const std::string& who) {
  ClsDrawOptions o;
  if (kwargs.is_none()) return o;
  if (!kwargs.is_dict()) throw Error("TypeError", who + ": draw arguments must be a dict");
  for (const auto& [k, v] : kwargs.as_dict().entries()) {
    const std::string key = k.str();
    if (key == "classes") {
      if (v.is_none()) continue;
      if (!v.is_sequence()) throw Error("TypeError", who + ": classes must be a list of str");
      for (const Value& c : v.items()) o.classes.push_back(c.str());
    } else if (key == "draw_gt") {
      o.draw_gt = v.truthy();
    } else if (key == "draw_pred") {
      o.draw_pred = v.truthy();
    } else if (key == "draw_score") {
      o.draw_score = v.truthy();
    } else if (key == "resize") {
      if (!v.is_none()) o.resize = v.as_int();
    } else if (key == "rescale_factor") {
      if (!v.is_none()) o.rescale_factor = v.as_number();
    } else if (key == "text_cfg") {
      o.text_cfg = v;
    } else if (key == "show") {
      o.show = v.truthy();
    } else if (key == "wait_time") {
      o.wait_time = v.as_number();
    } else if (key == "out_file") {
      if (!v.is_none()) o.out_file = v.str();
    } else if (key == "name") {
      o.name = v.str();
    } else if (key == "step") {
      o.step = v.as_int();
    } else {
      throw Error("TypeError", who + ": visualize_cls() got an unexpected keyword argument '" +
                                   key +
                                   "'. Known arguments: classes, draw_gt, draw_pred, draw_score, "
                                   "resize, rescale_factor, text_cfg, show, wait_time, out_file, "
                                   "name, step");
    }
  }
  return o;
}

UniversalVisualizer::UniversalVisualizer(std::string name, std::optional<std::string> save_dir)
    : Visualizer(std::move(name), std::move(save_dir)) {
  set_text_painter(std::make_shared<mmcv::OpenCVTextPainter>());
}

void UniversalVisualizer::add_datasample(const std::string& name, const at::Tensor& image,
                                         const data::DataSample* data_sample, bool draw_gt,
                                         bool draw_pred, bool show, double wait_time,
                                         std::int64_t step) {
  if (data_sample == nullptr)
    throw Error("ValueError", "UniversalVisualizer.add_datasample needs a data sample");
  ClsDrawOptions o;
  o.name = name;
  o.draw_gt = draw_gt;
  o.draw_pred = draw_pred;
  o.show = show;
  o.wait_time = wait_time;
  o.step = step;
  visualize_cls(image, *data_sample, o);
}

std::shared_ptr<UniversalVisualizer> UniversalVisualizer::from_config(registry::BuildArgs& args) {
  auto v = std::make_shared<UniversalVisualizer>();
  configure(*v, args);
  return v;
}

torch::Tensor UniversalVisualizer::visualize_cls(const torch::Tensor& image,
                                                 const data::DataSample& sample,
                                                 const ClsDrawOptions& o) {
  if (o.show)
    throw Error("NotImplementedError",
                "UniversalVisualizer: show=True needs a display window, which mmcpp does not "
                "open; save the drawings with out_dir / --show-dir instead");
  std::vector<std::string> classes = o.classes;
  if (classes.empty() && dataset_meta().is_dict()) {
    if (const Value* c = dataset_meta().as_dict().find("classes"); c && c->is_sequence())
      for (const Value& name : c->items()) classes.push_back(name.str());
  }
  torch::Tensor img = image.detach().to(torch::kCPU);
  if (img.dim() == 2) img = img.unsqueeze(2);
  if (img.dim() != 3 || img.scalar_type() != torch::kByte)
    throw Error("ValueError", "visualize_cls: expected a uint8 (H, W, C) image, got shape " +
                                  std::string(c10::str(image.sizes())));
  // Gray images are drawn in colour (matplotlib cannot show (H, W, 1) arrays).
  if (img.size(2) == 1) img = img.expand({-1, -1, 3});
  if (img.size(2) != 3)
    throw Error("ValueError",
                "visualize_cls: expected 1 or 3 channels, got " + std::to_string(img.size(2)));
  cv::Mat mat = mmcv::as_mat(img.contiguous()).clone();
  if (o.resize) {
    const long long h = mat.rows, w = mat.cols, r = *o.resize;
    mat = w < h ? mmcv::imresize(mat, {r, r * h / w}) : mmcv::imresize(mat, {r * w / h, r});
  } else if (o.rescale_factor) {
    mat = mmcv::imrescale(mat, *o.rescale_factor, "bilinear", "cv2");
  }

  std::vector<std::string> texts;
  if (o.draw_gt && sample.has("gt_label")) {
    std::vector<std::int64_t> idx = tolist(sample.get("gt_label"));
    const std::string prefix = "Ground truth: ";
    std::string text = prefix;
    for (std::size_t i = 0; i < idx.size(); ++i)
      text += (i ? "\n" + std::string(prefix.size(), ' ') : "") + std::to_string(idx[i]) +
              class_label(classes, idx[i]);
    texts.push_back(text);
  }
  if (o.draw_pred && sample.has("pred_label")) {
    std::vector<std::int64_t> idx = tolist(sample.get("pred_label"));
    const bool scores = o.draw_score && sample.has("pred_score");
    torch::Tensor score = scores
                              ? sample.get("pred_score").detach().to(torch::kCPU).to(torch::kDouble)
                              : torch::Tensor();
    const std::string prefix = "Prediction: ";
    std::string text = prefix;
    for (std::size_t i = 0; i < idx.size(); ++i) {
      std::string label = std::to_string(idx[i]);
      if (scores) {
        if (idx[i] < 0 || idx[i] >= score.size(0))
          throw Error("IndexError", "index " + std::to_string(idx[i]) +
                                        " is out of bounds for pred_score of size " +
                                        std::to_string(score.size(0)));
        char buf[64];
        std::snprintf(buf, sizeof buf, ", %.2f", score[idx[i]].item<double>());
        label += buf;
      }
      text +=
          (i ? "\n" + std::string(prefix.size(), ' ') : "") + label + class_label(classes, idx[i]);
    }
    texts.push_back(text);
  }

  // MMPretrain: text of int(scale * 7) points at (5, 5) * scale, white, in a black
  // box of alpha 0.5 (pad 0.3, round corners, here square), family monospace.
  const double scale = get_adaptive_scale(mat.rows, mat.cols);
  visualization::TextOptions text;
  text.font_sizes = {static_cast<double>(static_cast<int>(scale * 7))};
  text.colors = {visualization::Rgb{255, 255, 255}};
  visualization::TextBox box;
  box.facecolor = {0, 0, 0};
  box.alpha = 0.5;
  if (o.text_cfg.is_dict()) {
    for (const auto& [k, v] : o.text_cfg.as_dict().entries()) {
      const std::string key = k.str();
      if (key == "size" || key == "fontsize")
        text.font_sizes = {v.as_number()};
      else if (key == "color" || key == "c")
        text.colors = {rgb_color(v)};
      else if (key == "bbox")
        box = visualization::TextBox::from_dict(v);
      else if (key == "verticalalignment" || key == "va")
        text.vertical_alignments = {v.str()};
      else if (key == "horizontalalignment" || key == "ha")
        text.horizontal_alignments = {v.str()};
      else if (key != "family")
        throw Error("TypeError", "visualize_cls: text_cfg key '" + key +
                                     "' is not supported (size, color, family, bbox, "
                                     "verticalalignment, horizontalalignment)");
    }
  }
  text.bboxes = {box};
  set_image(mmcv::as_tensor(mat, /*keep_channel_axis=*/true));
  std::string joined;
  for (const std::string& t : texts) joined += (joined.empty() ? "" : "\n") + t;
  if (!joined.empty() && text.font_sizes[0] > 0)
    draw_texts({joined}, torch::tensor({scale * 5, scale * 5}, torch::kDouble), text);
  torch::Tensor drawn = get_image();
  if (o.out_file) {
    // mmcv.imwrite(drawn_img[..., ::-1], out_file): the same pixels as the backends store.
    std::string dir = path_dirname(*o.out_file);
    if (!dir.empty()) Env::system().make_dirs(dir);
    Env::system().write_file_atomic(*o.out_file, visualization::encode_png(drawn));
  } else {
    add_image(o.name, drawn, o.step);
  }
  return drawn;
}

MMCPP_REGISTER(VISUALIZERS, UniversalVisualizer,
               "dict(type='UniversalVisualizer', vis_backends=[dict(type='LocalVisBackend')], "
               "save_dir='work_dir')");

}  // namespace mmcpp::pretrain
