// What the Visualizer's drawing methods take (mmengine/visualization/visualizer.py
// draws with matplotlib; here the image is a uint8 RGB tensor drawn on directly):
// colours, text and box styles, and the TextPainter that renders text.
//
// The engine draws boxes itself (tensor operations); text needs a font, which the
// engine does not carry: a TextPainter renders it (mmcpp_cv's OpenCVTextPainter,
// which UniversalVisualizer installs). Font sizes are matplotlib points at the
// Visualizer's 100 dpi (1 pt = 100/72 px), line widths pixels.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "mmcpp/config/value.h"

namespace mmcpp::visualization {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
};

// A matplotlib colour as MMEngine accepts it: a name ('g', 'green', 'white', 'red',
// ... the base and common CSS names) or an (R, G, B) tuple of 0..255 ints (MMEngine's
// color_val_matplotlib divides them by 255). ValueError for an unknown name,
// TypeError for anything else.
Rgb color_val(const config::Value& color);
Rgb color_val(const std::string& name);

// matplotlib's text bbox dict (FancyBboxPatch): facecolor, alpha, pad (in font
// sizes; matplotlib's default 0.3) and an optional edge.
struct TextBox {
  Rgb facecolor{255, 255, 255};
  double alpha = 1.0;
  double pad = 0.3;
  std::optional<Rgb> edgecolor;

  // From a bbox dict: facecolor/fc, alpha, pad, edgecolor/ec ('none' for none),
  // boxstyle (accepted; corners are square here). TypeError names other keys.
  static TextBox from_dict(const config::Value& bbox);
};

// draw_texts' per-text arguments: each list holds one value (for every text) or
// one per text (MMEngine's value2list / check_type_and_length).
struct TextOptions {
  std::vector<double> font_sizes;                       // points; empty: the Visualizer's default
  std::vector<Rgb> colors{Rgb{0, 128, 0}};              // 'g'
  std::vector<std::string> vertical_alignments{"top"};  // top, center, bottom, baseline
  std::vector<std::string> horizontal_alignments{"left"};  // left, center, right
  std::vector<std::optional<TextBox>> bboxes;              // empty: no box
};

// draw_bboxes' arguments (lists as in TextOptions).
struct BoxOptions {
  std::vector<Rgb> edge_colors{Rgb{0, 128, 0}};               // 'g'
  std::vector<double> line_widths{2};                         // pixels
  std::vector<std::optional<Rgb>> face_colors{std::nullopt};  // 'none'
  double alpha = 0.8;
};

// draw_lines' arguments (lists as in TextOptions; MMEngine's line_styles other
// than '-' are not drawn here).
struct LineOptions {
  std::vector<Rgb> colors{Rgb{0, 128, 0}};  // 'g'
  std::vector<double> line_widths{2};       // pixels
};

// draw_circles' arguments.
struct CircleOptions {
  std::vector<Rgb> edge_colors{Rgb{0, 128, 0}};               // 'g'
  std::vector<double> line_widths{2};                         // pixels
  std::vector<std::optional<Rgb>> face_colors{std::nullopt};  // 'none'
  double alpha = 0.8;
};

// draw_points' arguments: filled discs; `sizes` are matplotlib scatter sizes
// (points squared; empty: matplotlib's default 36).
struct PointOptions {
  std::vector<Rgb> colors{Rgb{0, 128, 0}};  // 'g'
  std::vector<double> sizes;
};

// Renders text on an image. `image`: a CPU uint8 (H, W, 3) RGB tensor, changed in
// place. The text (several lines at '\n') is anchored at (x, y) by the
// alignments; `size_px` is the font size in pixels; `box` is drawn behind it.
class TextPainter {
 public:
  virtual ~TextPainter() = default;
  virtual void draw_text(at::Tensor& image, const std::string& text, double x, double y,
                         double size_px, const Rgb& color, const std::string& vertical_alignment,
                         const std::string& horizontal_alignment,
                         const std::optional<TextBox>& box) const = 0;
};

}  // namespace mmcpp::visualization
