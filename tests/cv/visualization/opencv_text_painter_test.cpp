// OpenCVTextPainter: ink near the anchor as the alignments place it, the box
// blended behind the text with its alpha, nothing drawn elsewhere.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/visualization/opencv_text_painter.h"
#include "mmcpp/visualization/visualizer.h"

namespace mmcpp::mmcv {
namespace {

using torch::indexing::Slice;

// Columns [x0, x1) of the rows [y0, y1) that hold any non-zero pixel.
bool inked(const at::Tensor& img, int y0, int y1, int x0, int x1) {
  return img.index({Slice(y0, y1), Slice(x0, x1)}).sum().item<std::int64_t>() > 0;
}

TEST(OpenCVTextPainterTest, AnchorsAlignmentsAndBox) {
  OpenCVTextPainter painter;
  const visualization::Rgb white{255, 255, 255};
  at::Tensor img = torch::zeros({100, 200, 3}, torch::kByte);
  painter.draw_text(img, "Hello\nworld", 10, 20, 14, white, "top", "left", std::nullopt);
  EXPECT_TRUE(inked(img, 20, 60, 10, 80));
  EXPECT_FALSE(inked(img, 0, 18, 0, 200));  // nothing above the anchor
  EXPECT_FALSE(inked(img, 0, 100, 0, 9));   // nothing left of it
  EXPECT_TRUE(inked(img, 38, 60, 10, 80));  // the second line below the first
  // Right-aligned at x = 190: ink ends at the anchor.
  at::Tensor right = torch::zeros({100, 200, 3}, torch::kByte);
  painter.draw_text(right, "abc", 190, 50, 14, white, "bottom", "right", std::nullopt);
  EXPECT_TRUE(inked(right, 30, 51, 150, 191));
  EXPECT_FALSE(inked(right, 0, 100, 192, 200));
  EXPECT_FALSE(inked(right, 52, 100, 0, 200));  // nothing below a bottom anchor
  // A black box of alpha 0.5 on a gray image darkens around the text.
  at::Tensor gray = torch::full({100, 200, 3}, 200, torch::kByte);
  visualization::TextBox box;
  box.facecolor = {0, 0, 0};
  box.alpha = 0.5;
  painter.draw_text(gray, "x", 50, 50, 20, {255, 0, 0}, "top", "left", box);
  EXPECT_EQ(gray[49][49][1].item<int>(), 100);  // inside the pad
  EXPECT_EQ(gray[10][10][1].item<int>(), 200);
  at::Tensor floats = torch::zeros({4, 4, 3}, torch::kFloat);
  EXPECT_THROW(painter.draw_text(floats, "x", 0, 0, 10, white, "top", "left", std::nullopt), Error);
}

TEST(OpenCVTextPainterTest, ThroughTheVisualizer) {
  visualization::Visualizer v;
  v.set_text_painter(std::make_shared<OpenCVTextPainter>());
  v.set_image(torch::zeros({64, 64}, torch::kByte));
  v.draw_texts({"7"}, torch::tensor({5, 5}), {});
  at::Tensor img = v.get_image();
  EXPECT_TRUE(inked(img, 5, 30, 5, 30));
  EXPECT_EQ(img.select(2, 0).sum().item<std::int64_t>(), 0);  // green ('g') only
}

}  // namespace
}  // namespace mmcpp::mmcv
