#include "mmcpp/cv/visualization/opencv_text_painter.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/mat_tensor.h"

namespace mmcpp::mmcv {

void OpenCVTextPainter::draw_text(at::Tensor& image, const std::string& text, double x, double y,
                                  double size_px, const visualization::Rgb& color,
                                  const std::string& valign, const std::string& halign,
                                  const std::optional<visualization::TextBox>& box) const {
  if (image.dim() != 3 || image.size(2) != 3 || image.scalar_type() != torch::kByte ||
      !image.is_contiguous() || !image.device().is_cpu())
    throw Error("ValueError", "OpenCVTextPainter: expected a contiguous CPU uint8 (H, W, 3) image");
  if (size_px <= 0 || text.empty()) return;
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (true) {
    std::size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  cv::Mat mat = as_mat(image);              // aliases the tensor: drawn in place
  const int face = cv::FONT_HERSHEY_PLAIN;  // the simplest Hershey face, ~monospace
  const double font_scale = std::max(0.1, size_px / 12.0);
  const int thickness = std::max(1, static_cast<int>(std::lround(size_px / 14.0)));
  int baseline = 0;
  const cv::Size probe = cv::getTextSize("Mg", face, font_scale, thickness, &baseline);
  // matplotlib spaces lines 1.2 font sizes apart.
  const int line_h = std::max(probe.height + 1, static_cast<int>(std::lround(size_px * 1.2)));
  int width = 0;
  for (const auto& l : lines)
    width = std::max(width, cv::getTextSize(l, face, font_scale, thickness, &baseline).width);
  const int height = line_h * static_cast<int>(lines.size());
  // The text block's top-left corner from the anchor and alignments.
  double left = x, top = y;
  if (halign == "center") left -= width / 2.0;
  if (halign == "right") left -= width;
  if (valign == "center") top -= height / 2.0;
  if (valign == "bottom") top -= height;
  if (valign == "baseline") top -= height - (line_h - probe.height) / 2.0;
  const int x0 = static_cast<int>(std::lround(left)), y0 = static_cast<int>(std::lround(top));
  if (box) {
    const int pad = std::max(1, static_cast<int>(std::lround(size_px * box->pad)));
    cv::Rect rect(x0 - pad, y0 - pad, width + 2 * pad, height + 2 * pad);
    rect &= cv::Rect(0, 0, mat.cols, mat.rows);
    if (rect.area() > 0) {
      cv::Mat roi = mat(rect);
      cv::Mat fill(roi.size(), roi.type(),
                   cv::Scalar(box->facecolor.r, box->facecolor.g, box->facecolor.b));
      cv::addWeighted(roi, 1.0 - box->alpha, fill, box->alpha, 0.0, roi);
      if (box->edgecolor)
        cv::rectangle(mat, rect,
                      cv::Scalar(box->edgecolor->r, box->edgecolor->g, box->edgecolor->b), 1);
    }
  }
  const cv::Scalar ink(color.r, color.g, color.b);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const int dx =
        halign == "left" ? 0
        : halign == "right"
            ? width - cv::getTextSize(lines[i], face, font_scale, thickness, &baseline).width
            : (width - cv::getTextSize(lines[i], face, font_scale, thickness, &baseline).width) / 2;
    cv::Point org(x0 + dx,
                  y0 + line_h * static_cast<int>(i) + probe.height + (line_h - probe.height) / 2);
    cv::putText(mat, lines[i], org, face, font_scale, ink, thickness, cv::LINE_AA);
  }
}

}  // namespace mmcpp::mmcv
