// Visualizer's drawing methods (mmengine/visualization/visualizer.py: set_image,
// get_image, draw_texts, draw_bboxes, add_datasample, show) on a uint8 RGB tensor.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>

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

// Pixel-centre coordinate grids of an (H, W) image.
std::pair<at::Tensor, at::Tensor> grids(const at::Tensor& image) {
  at::Tensor ys = torch::arange(image.size(0), torch::kDouble).unsqueeze(1);
  at::Tensor xs = torch::arange(image.size(1), torch::kDouble).unsqueeze(0);
  return {xs, ys};
}

// Blends `color` with `alpha` where `mask` ((H, W) bool) holds.
void blend_mask(at::Tensor& image, const at::Tensor& mask, const Rgb& color, double alpha) {
  if (!mask.any().item<bool>()) return;
  at::Tensor c = torch::tensor({double(color.r), double(color.g), double(color.b)}, torch::kDouble);
  at::Tensor mixed = (image.to(torch::kDouble) * (1.0 - alpha) + c * alpha).round().clamp(0, 255);
  image.copy_(torch::where(mask.unsqueeze(2), mixed.to(torch::kByte), image));
}

void warn_outside(const Visualizer& v, const at::Tensor& xy, const std::string& what,
                  const std::function<void(const std::string&)>& warn) {
  if (xy.numel() == 0) return;
  at::Tensor x = xy.select(1, 0), y = xy.select(1, 1);
  if ((x < 0).any().item<bool>() || (y < 0).any().item<bool>() ||
      (x > static_cast<double>(v.width())).any().item<bool>() ||
      (y > static_cast<double>(v.height())).any().item<bool>())
    warn("Warning: The " + what + " is out of bounds, the drawn " + what +
         " may not be in the image");
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

Visualizer& Visualizer::draw_lines(const at::Tensor& x_datas, const at::Tensor& y_datas,
                                   const LineOptions& o) {
  if (!image_.defined()) throw Error("AssertionError", "Please set image using `set_image`");
  at::Tensor xd = rows_of(x_datas, 2, "x_datas"), yd = rows_of(y_datas, 2, "y_datas");
  if (xd.size(0) != yd.size(0))
    throw Error("AssertionError", "x_datas and y_datas should have the same shape, got " +
                                      std::string(c10::str(x_datas.sizes())) + " and " +
                                      c10::str(y_datas.sizes()));
  const auto n = static_cast<std::size_t>(xd.size(0));
  warn_outside(*this, torch::stack({xd.reshape(-1), yd.reshape(-1)}, 1), "line",
               [this](const std::string& m) { warn(m); });
  auto [xs, ys] = grids(image_);
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = static_cast<std::int64_t>(i);
    const double x0 = xd[r][0].item<double>(), x1 = xd[r][1].item<double>();
    const double y0 = yd[r][0].item<double>(), y1 = yd[r][1].item<double>();
    const double half = pick(o.line_widths, i, n, "line_widths") / 2.0;
    // Distance of each pixel centre to the segment.
    const double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    at::Tensor t = len2 > 0 ? (((xs - x0) * dx + (ys - y0) * dy) / len2).clamp(0, 1)
                            : torch::zeros({1, 1}, torch::kDouble);
    at::Tensor d = (xs - (x0 + t * dx)).pow(2) + (ys - (y0 + t * dy)).pow(2);
    blend_mask(image_, d <= std::max(half, 0.5) * std::max(half, 0.5),
               pick(o.colors, i, n, "colors"), 1.0);
  }
  return *this;
}

Visualizer& Visualizer::draw_circles(const at::Tensor& center, const at::Tensor& radius,
                                     const CircleOptions& o) {
  if (!image_.defined()) throw Error("AssertionError", "Please set image using `set_image`");
  at::Tensor c = rows_of(center, 2, "center");
  at::Tensor r = radius.detach().to(torch::kCPU).to(torch::kDouble).reshape(-1);
  if (r.size(0) != c.size(0))
    throw Error("AssertionError", "The shape of `center` and `radius` should match, got " +
                                      std::string(c10::str(center.sizes())) + " and " +
                                      c10::str(radius.sizes()));
  warn_outside(*this, c, "circle", [this](const std::string& m) { warn(m); });
  const auto n = static_cast<std::size_t>(c.size(0));
  auto [xs, ys] = grids(image_);
  for (std::size_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::int64_t>(i);
    const double cx = c[k][0].item<double>(), cy = c[k][1].item<double>();
    const double rad = r[k].item<double>();
    at::Tensor d = ((xs - cx).pow(2) + (ys - cy).pow(2)).sqrt();
    if (const auto& face = pick(o.face_colors, i, n, "face_colors"))
      blend_mask(image_, d <= rad, *face, o.alpha);
    const double half = pick(o.line_widths, i, n, "line_widths") / 2.0;
    if (half > 0)
      blend_mask(image_, (d - rad).abs() <= std::max(half, 0.5),
                 pick(o.edge_colors, i, n, "edge_colors"), o.alpha);
  }
  return *this;
}

Visualizer& Visualizer::draw_points(const at::Tensor& positions, const PointOptions& o) {
  if (!image_.defined()) throw Error("AssertionError", "Please set image using `set_image`");
  at::Tensor p = rows_of(positions, 2, "positions");
  warn_outside(*this, p, "point", [this](const std::string& m) { warn(m); });
  const auto n = static_cast<std::size_t>(p.size(0));
  const std::vector<double> default_size{36.0};  // rcParams['lines.markersize'] ** 2
  const std::vector<double>& sizes = o.sizes.empty() ? default_size : o.sizes;
  auto [xs, ys] = grids(image_);
  for (std::size_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::int64_t>(i);
    // A marker of `size` points squared has a diameter of sqrt(size) points.
    const double rad = std::sqrt(pick(sizes, i, n, "sizes")) / 2.0 * 100.0 / 72.0;
    at::Tensor d = (xs - p[k][0].item<double>()).pow(2) + (ys - p[k][1].item<double>()).pow(2);
    blend_mask(image_, d <= std::max(rad, 0.5) * std::max(rad, 0.5), pick(o.colors, i, n, "colors"),
               1.0);
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
