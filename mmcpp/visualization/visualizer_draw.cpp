// Visualizer's drawing methods (mmengine/visualization/visualizer.py: set_image,
// get_image, draw_texts, draw_bboxes, add_datasample, show) on a uint8 RGB tensor.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/visualization/visualizer.h"

namespace mmcpp::visualization {

namespace {

// MMEngine's check_type_and_length + value2list: one value or one per item.
template <typename T>
const T& pick(const std::vector<T>& values, std::size_t i, std::size_t n, const char* name) {
  if (values.size() != 1 && values.size() != n)
    throw Error("AssertionError",
                std::string("The length of ") + name + " (" + std::to_string(values.size()) +
                    ") should be 1 or equal to the number of items (" + std::to_string(n) + ")");
  return values.size() == 1 ? values[0] : values[i];
}

at::Tensor rows_of(const at::Tensor& t, std::int64_t width, const char* name) {
  at::Tensor x = t.detach().to(torch::kCPU).to(torch::kDouble);
  if (x.dim() == 1) x = x.unsqueeze(0);
  if (x.dim() != 2 || x.size(1) != width)
    throw Error("AssertionError", std::string("The shape of `") + name + "` should be (N, " +
                                      std::to_string(width) + "), but got " + c10::str(t.sizes()));
  return x.contiguous();
}

// Blends `color` into image[y0:y1, x0:x1] with `alpha` (clipped to the image).
void blend(at::Tensor& image, std::int64_t x0, std::int64_t y0, std::int64_t x1, std::int64_t y1,
           const Rgb& color, double alpha) {
  x0 = std::max<std::int64_t>(x0, 0);
  y0 = std::max<std::int64_t>(y0, 0);
  x1 = std::min<std::int64_t>(x1, image.size(1));
  y1 = std::min<std::int64_t>(y1, image.size(0));
  if (x0 >= x1 || y0 >= y1) return;
  using torch::indexing::Slice;
  at::Tensor roi = image.index({Slice(y0, y1), Slice(x0, x1)});
  at::Tensor c = torch::tensor({double(color.r), double(color.g), double(color.b)}, torch::kDouble);
  at::Tensor mixed = roi.to(torch::kDouble) * (1.0 - alpha) + c * alpha;
  roi.copy_(mixed.round().clamp(0, 255).to(torch::kByte));
}

}  // namespace

void Visualizer::set_image(const at::Tensor& image) {
  if (!image.defined()) throw Error("AssertionError", "set_image: the image is None");
  at::Tensor img = image.detach().to(torch::kCPU);
  if (img.dim() == 2) img = img.unsqueeze(2);
  if (img.dim() != 3 || (img.size(2) != 1 && img.size(2) != 3))
    throw Error("ValueError", "set_image: expected an (H, W, 3), (H, W, 1) or (H, W) image, got " +
                                  std::string(c10::str(image.sizes())));
  if (img.scalar_type() != torch::kByte) {
    // numpy's astype('uint8'): floats truncate, integers wrap.
    img = img.is_floating_point() ? img.trunc().to(torch::kLong) : img.to(torch::kLong);
    img = img.remainder(256).to(torch::kByte);
  }
  if (img.size(2) == 1) img = img.expand({-1, -1, 3});
  image_ = img.contiguous().clone();
  height_ = image_.size(0);
  width_ = image_.size(1);
  default_font_size_ =
      std::max(std::floor(std::sqrt(static_cast<double>(height_ * width_)) / 90.0), 10.0);
}

at::Tensor Visualizer::get_image() const {
  if (!image_.defined()) throw Error("AssertionError", "Please set image using `set_image`");
  return image_.clone();
}

Visualizer& Visualizer::draw_texts(const std::vector<std::string>& texts,
                                   const at::Tensor& positions, const TextOptions& o) {
  if (!image_.defined()) throw Error("AssertionError", "Please set image using `set_image`");
  const std::size_t n = texts.size();
  at::Tensor pos = rows_of(positions, 2, "positions");
  if (static_cast<std::size_t>(pos.size(0)) != n)
    throw Error("AssertionError", "`positions` should have the shape of (" + std::to_string(n) +
                                      ", 2), but got " + c10::str(positions.sizes()));
  if (!painter_)
    throw Error("NotImplementedError",
                "Visualizer.draw_texts needs a TextPainter (the engine has no font): "
                "set_text_painter(std::make_shared<mmcv::OpenCVTextPainter>()), or use a task "
                "visualizer such as UniversalVisualizer");
  bool outside = false;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = pos[static_cast<std::int64_t>(i)][0].item<double>();
    const double y = pos[static_cast<std::int64_t>(i)][1].item<double>();
    outside = outside || x < 0 || y < 0 || x > width_ || y > height_;
  }
  if (outside) warn("Warning: The text is out of bounds, the drawn text may not be in the image");
  const std::vector<double> default_size{default_font_size_};
  const std::vector<double>& sizes = o.font_sizes.empty() ? default_size : o.font_sizes;
  const std::vector<std::optional<TextBox>> no_box{std::nullopt};
  const auto& boxes = o.bboxes.empty() ? no_box : o.bboxes;
  for (std::size_t i = 0; i < n; ++i) {
    const auto row = static_cast<std::int64_t>(i);
    const double size_pt = pick(sizes, i, n, "font_sizes");
    const std::string& va = pick(o.vertical_alignments, i, n, "vertical_alignments");
    const std::string& ha = pick(o.horizontal_alignments, i, n, "horizontal_alignments");
    if (va != "top" && va != "center" && va != "bottom" && va != "baseline")
      throw Error("ValueError",
                  "vertical alignment must be top, center, bottom or baseline, got " + va);
    if (ha != "left" && ha != "center" && ha != "right")
      throw Error("ValueError", "horizontal alignment must be left, center or right, got " + ha);
    painter_->draw_text(image_, texts[i], pos[row][0].item<double>(), pos[row][1].item<double>(),
                        size_pt * 100.0 / 72.0, pick(o.colors, i, n, "colors"), va, ha,
                        pick(boxes, i, n, "bboxes"));
  }
  return *this;
}

Visualizer& Visualizer::draw_bboxes(const at::Tensor& bboxes, const BoxOptions& o) {
  if (!image_.defined()) throw Error("AssertionError", "Please set image using `set_image`");
  at::Tensor b = rows_of(bboxes, 4, "bboxes");
  const std::int64_t n = b.size(0);
  bool outside = false;
  for (std::int64_t i = 0; i < n; ++i) {
    const double x1 = b[i][0].item<double>(), y1 = b[i][1].item<double>(),
                 x2 = b[i][2].item<double>(), y2 = b[i][3].item<double>();
    if (!(x1 <= x2) || !(y1 <= y2))
      throw Error("AssertionError",
                  "draw_bboxes: expected x1 <= x2 and y1 <= y2, got box " + std::to_string(i));
    outside = outside || x1 < 0 || y1 < 0 || x2 > width_ || y2 > height_;
  }
  if (outside) warn("Warning: The bbox is out of bounds, the drawn bbox may not be in the image");
  const auto count = static_cast<std::size_t>(n);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const auto x1 = std::llround(b[i][0].item<double>()), y1 = std::llround(b[i][1].item<double>()),
               x2 = std::llround(b[i][2].item<double>()), y2 = std::llround(b[i][3].item<double>());
    if (const auto& face = pick(o.face_colors, k, count, "face_colors"))
      blend(image_, x1, y1, x2 + 1, y2 + 1, *face, o.alpha);
    const double width = pick(o.line_widths, k, count, "line_widths");
    if (width <= 0) continue;
    // The edge is centred on the box outline, as matplotlib strokes it.
    const auto w = std::max<std::int64_t>(1, std::llround(width));
    const std::int64_t lo = w / 2;
    const Rgb& edge = pick(o.edge_colors, k, count, "edge_colors");
    // Bands of w pixels over the rows y1, y2 and the columns x1, x2; no overlap.
    blend(image_, x1 - lo, y1 - lo, x2 - lo + w, y1 - lo + w, edge, o.alpha);  // top
    if (y2 - lo >= y1 - lo + w)
      blend(image_, x1 - lo, y2 - lo, x2 - lo + w, y2 - lo + w, edge, o.alpha);  // bottom
    blend(image_, x1 - lo, y1 - lo + w, x1 - lo + w, y2 - lo, edge, o.alpha);    // left
    if (x2 - lo >= x1 - lo + w)
      blend(image_, x2 - lo, y1 - lo + w, x2 - lo + w, y2 - lo, edge, o.alpha);  // right
  }
  return *this;
}

void Visualizer::add_datasample(const std::string& /*name*/, const at::Tensor& /*image*/,
                                const data::DataSample* /*data_sample*/, bool /*draw_gt*/,
                                bool /*draw_pred*/, bool /*show*/, double /*wait_time*/,
                                std::int64_t /*step*/) {}

void Visualizer::show(const std::string& win_name) const {
  throw Error("NotImplementedError", "Visualizer.show('" + win_name +
                                         "'): mmcpp opens no window; store the drawing with "
                                         "add_image (the vis backends) or save get_image()");
}

}  // namespace mmcpp::visualization
