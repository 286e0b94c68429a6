// The TextPainter of mmcpp_cv: renders a Visualizer's texts with OpenCV's Hershey
// "plain" face (MMEngine renders with matplotlib's fonts, so glyphs differ; sizes,
// anchors, line spacing and the half-transparent box follow matplotlib's layout).
#pragma once

#include "mmcpp/visualization/drawing.h"

namespace mmcpp::mmcv {

class OpenCVTextPainter : public visualization::TextPainter {
 public:
  void draw_text(at::Tensor& image, const std::string& text, double x, double y, double size_px,
                 const visualization::Rgb& color, const std::string& vertical_alignment,
                 const std::string& horizontal_alignment,
                 const std::optional<visualization::TextBox>& box) const override;
};

}  // namespace mmcpp::mmcv
