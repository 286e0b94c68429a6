#include "mmcpp/pretrain/visualization/visualizer.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/geometric.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/visualization/png.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

// A matplotlib colour: a few names, or an RGB tuple (0..1 floats or 0..255 ints).
cv::Scalar rgb_color(const Value& v) {
  if (v.is_str()) {
    const std::string& n = v.as_str();
    if (n == "white" || n == "w") return {255, 255, 255};
    if (n == "black" || n == "k") return {0, 0, 0};
    if (n == "red" || n == "r") return {255, 0, 0};
    if (n == "green" || n == "g") return {0, 128, 0};
    if (n == "blue" || n == "b") return {0, 0, 255};
    if (n == "yellow" || n == "y") return {255, 255, 0};
    throw Error("ValueError", "text_cfg color '" + n +
                                  "' is not supported (white, black, red, green, blue, yellow or "
                                  "an RGB tuple)");
  }
  if (v.is_sequence() && v.items().size() >= 3) {
    bool unit = std::all_of(v.items().begin(), v.items().end(),
                            [](const Value& x) { return x.is_float(); });
    double f = unit ? 255.0 : 1.0;
    return {v.items()[0].as_number() * f, v.items()[1].as_number() * f,
            v.items()[2].as_number() * f};
  }
  throw Error("TypeError", "text_cfg color must be a name or an RGB tuple, got " + v.repr());
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

  // matplotlib: text of int(scale * 7) points at 100 dpi, at (5, 5) * scale.
  const double scale = get_adaptive_scale(mat.rows, mat.cols);
  double size_pt = static_cast<int>(scale * 7);
  cv::Scalar color(255, 255, 255);
  if (o.text_cfg.is_dict()) {
    for (const auto& [k, v] : o.text_cfg.as_dict().entries()) {
      const std::string key = k.str();
      if (key == "size" || key == "fontsize")
        size_pt = v.as_number();
      else if (key == "color" || key == "c")
        color = rgb_color(v);
      else if (key != "family" && key != "bbox" && key != "verticalalignment" &&
               key != "horizontalalignment")
        throw Error("TypeError", "visualize_cls: text_cfg key '" + key +
                                     "' is not supported (size, color, family, bbox, "
                                     "verticalalignment, horizontalalignment)");
    }
  }
  std::vector<std::string> lines;
  for (const std::string& t : texts) {
    std::size_t start = 0;
    while (true) {
      std::size_t nl = t.find('\n', start);
      lines.push_back(t.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  if (!lines.empty() && size_pt > 0) {
    const double px = size_pt * 100.0 / 72.0;  // font size in pixels
    const int face = cv::FONT_HERSHEY_PLAIN;   // the simplest Hershey face, ~monospace
    const double font_scale = std::max(0.1, px / 12.0);
    const int thickness = std::max(1, static_cast<int>(std::lround(px / 14.0)));
    int baseline = 0;
    const cv::Size probe = cv::getTextSize("Mg", face, font_scale, thickness, &baseline);
    const int line_h = static_cast<int>(std::ceil(probe.height * 1.6)) + 1;
    int width = 0;
    for (const auto& l : lines)
      width = std::max(width, cv::getTextSize(l, face, font_scale, thickness, &baseline).width);
    const int pad = std::max(1, static_cast<int>(std::lround(px * 0.3)));
    const int x0 = static_cast<int>(std::lround(scale * 5)),
              y0 = static_cast<int>(std::lround(scale * 5));
    cv::Rect box(x0, y0, width + 2 * pad, line_h * static_cast<int>(lines.size()) + 2 * pad);
    box &= cv::Rect(0, 0, mat.cols, mat.rows);
    if (box.area() > 0) {
      cv::Mat roi = mat(box);
      cv::Mat black(roi.size(), roi.type(), cv::Scalar::all(0));
      cv::addWeighted(roi, 0.5, black, 0.5, 0.0, roi);  // facecolor black, alpha 0.5
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
      cv::Point org(x0 + pad, y0 + pad + line_h * static_cast<int>(i) + probe.height +
                                  (line_h - probe.height) / 2);
      cv::putText(mat, lines[i], org, face, font_scale, color, thickness, cv::LINE_AA);
    }
  }
  torch::Tensor drawn = mmcv::as_tensor(mat, /*keep_channel_axis=*/true).clone();
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
