// mmcv.image's geometric functions and the Pillow resampler.
#include "mmcpp/cv/image/geometric.h"

#include <gtest/gtest.h>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/pillow_resize.h"

namespace mmcpp::mmcv {
namespace {

cv::Mat ramp(int h, int w, int channels = 3) {
  cv::Mat m(h, w, CV_8UC(channels));
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < channels; ++c)
        m.ptr<uchar>(y)[x * channels + c] = (y * 7 + x * 3 + c * 50) % 256;
    }
  }
  return m;
}

std::string kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  return "";
}

TEST(Geometric, PyRoundIsBankers) {
  EXPECT_EQ(py_round(0.5), 0);
  EXPECT_EQ(py_round(1.5), 2);
  EXPECT_EQ(py_round(2.5), 2);
  EXPECT_EQ(py_round(-0.5), 0);
  EXPECT_EQ(py_round(2.6), 3);
}

TEST(Geometric, RescaleSize) {
  double f = 0;
  // (w, h) = (451, 300) into (256, 200): min(256/451, 200/300).
  const Size2 s = rescale_size({451, 300}, Size2{256, 200}, &f);
  EXPECT_DOUBLE_EQ(f, 256.0 / 451.0);
  EXPECT_EQ(s.w, 256);
  EXPECT_EQ(s.h, 170);
  EXPECT_EQ(kind_of([] { rescale_size({10, 10}, -1.0); }), "ValueError");
  const Size2 half = rescale_size({5, 3}, 0.5);
  EXPECT_EQ(half.w, 3);  // int(2.5 + 0.5)
  EXPECT_EQ(half.h, 2);
}

TEST(Geometric, CropIsAViewAndClips) {
  cv::Mat img = ramp(10, 12);
  cv::Mat c = imcrop(img, 2, 3, 5, 7);
  EXPECT_EQ(c.cols, 4);
  EXPECT_EQ(c.rows, 5);
  EXPECT_EQ(c.data, img.ptr<uchar>(3) + 2 * 3);  // no copy
  cv::Mat clipped = imcrop(img, -4, -2, 100, 100);
  EXPECT_EQ(clipped.size(), img.size());
  // Fractional boxes truncate like numpy's astype(int32).
  cv::Mat f = imcrop(img, 1.9, 0.2, 4.99, 3.7);
  EXPECT_EQ(f.cols, 4);
  EXPECT_EQ(f.rows, 4);
}

TEST(Geometric, PadModes) {
  cv::Mat img = ramp(2, 3, 1);
  cv::Mat p = impad(img, Padding{1, 0, 2, 1}, PadVal::number(9), "constant");
  EXPECT_EQ(p.cols, 6);
  EXPECT_EQ(p.rows, 3);
  EXPECT_EQ(p.at<uchar>(0, 0), 9);
  EXPECT_EQ(p.at<uchar>(0, 1), img.at<uchar>(0, 0));
  cv::Mat e = impad(img, Padding{2, 0, 0, 0}, PadVal(), "edge");
  EXPECT_EQ(e.at<uchar>(0, 0), img.at<uchar>(0, 0));
  cv::Mat r = impad(img, Padding{1, 0, 0, 0}, PadVal(), "reflect");
  EXPECT_EQ(r.at<uchar>(0, 0), img.at<uchar>(0, 1));  // no edge repeat
  cv::Mat s = impad(img, Padding{1, 0, 0, 0}, PadVal(), "symmetric");
  EXPECT_EQ(s.at<uchar>(0, 0), img.at<uchar>(0, 0));  // edge repeated
  EXPECT_EQ(kind_of([&] { impad(img, Padding{1, 1, 1, 1}, PadVal(), "wrap"); }), "ValueError");
  // cv2 turns a number into Scalar(v, 0, 0, 0): only channel 0 gets it.
  cv::Mat c3 = impad(ramp(2, 2), Padding{0, 0, 1, 0}, PadVal::number(7));
  EXPECT_EQ(c3.at<cv::Vec3b>(0, 2), cv::Vec3b(7, 0, 0));
  cv::Mat t3 = impad(ramp(2, 2), Padding{0, 0, 1, 0}, PadVal::tuple({1, 2, 3}));
  EXPECT_EQ(t3.at<cv::Vec3b>(0, 2), cv::Vec3b(1, 2, 3));
  cv::Mat m = impad_to_multiple(ramp(5, 9), 4);
  EXPECT_EQ(m.rows, 8);
  EXPECT_EQ(m.cols, 12);
}

TEST(Geometric, Flip) {
  cv::Mat img = ramp(3, 4);
  EXPECT_EQ(imflip(img, "horizontal").at<cv::Vec3b>(0, 0), img.at<cv::Vec3b>(0, 3));
  EXPECT_EQ(imflip(img, "vertical").at<cv::Vec3b>(0, 0), img.at<cv::Vec3b>(2, 0));
  EXPECT_EQ(imflip(img, "diagonal").at<cv::Vec3b>(0, 0), img.at<cv::Vec3b>(2, 3));
  EXPECT_EQ(kind_of([&] { imflip(img, "sideways"); }), "ValueError");
}

TEST(Geometric, ResizeBackendsAndErrors) {
  cv::Mat img = ramp(20, 30);
  EXPECT_EQ(imresize(img, {15, 10}).size(), cv::Size(15, 10));
  EXPECT_EQ(imresize(img, {15, 10}, "bicubic", "pillow").size(), cv::Size(15, 10));
  EXPECT_EQ(kind_of([&] { imresize(img, {15, 10}, "bilinear", "turbo"); }), "ValueError");
  EXPECT_EQ(kind_of([&] { imresize(img, {15, 10}, "cubic"); }), "KeyError");
  EXPECT_EQ(kind_of([&] { imresize(img, {15, 10}, "area", "pillow"); }), "KeyError");
  cv::Mat f;
  img.convertTo(f, CV_32F);
  EXPECT_EQ(kind_of([&] { imresize(f, {15, 10}, "bilinear", "pillow"); }), "AssertionError");
  EXPECT_EQ(imresize(f, {15, 10}).type(), CV_32FC3);
}

// Pillow's 8-bit resampling, computed by hand for a 4 -> 2 pixel row.
TEST(PillowResize, BilinearDownscaleByHand) {
  cv::Mat row = (cv::Mat_<uchar>(1, 4) << 0, 100, 200, 255);
  cv::Mat out = pillow_resize(row, 2, 1, "bilinear");
  // Output 0 is centred at 1.0 with support 2: weights 0.75, 0.75, 0.25 over
  // pixels 0..2 -> (0 * 3 + 100 * 3 + 200) / 7 = 71.4 -> 71.
  EXPECT_EQ(out.at<uchar>(0, 0), 71);
  // Output 1 centred at 3.0: pixels 1..3 with 0.25, 0.75, 0.75 -> 209.3 -> 209.
  EXPECT_EQ(out.at<uchar>(0, 1), 209);
}

TEST(PillowResize, NearestAndIdentity) {
  cv::Mat img = ramp(6, 9);
  cv::Mat same = pillow_resize(img, 9, 6, "lanczos");
  EXPECT_EQ(cv::norm(same, img, cv::NORM_INF), 0.0);
  EXPECT_NE(same.data, img.data);
  cv::Mat n = pillow_resize(img, 3, 2, "nearest");
  // Source pixel floor((x + 0.5) * 3).
  EXPECT_EQ(n.at<cv::Vec3b>(0, 0), img.at<cv::Vec3b>(1, 1));
  EXPECT_EQ(n.at<cv::Vec3b>(1, 2), img.at<cv::Vec3b>(4, 7));
  // A constant image stays constant under every filter (weights sum to one).
  cv::Mat flat(7, 11, CV_8UC3, cv::Scalar(37, 200, 255));
  for (const char* f : {"box", "bilinear", "hamming", "bicubic", "lanczos"}) {
    cv::Mat up = pillow_resize(flat, 23, 5, f);
    EXPECT_EQ(cv::norm(up, cv::Mat(5, 23, CV_8UC3, cv::Scalar(37, 200, 255)), cv::NORM_INF), 0.0)
        << f;
  }
  EXPECT_EQ(kind_of([&] { pillow_resize(ramp(4, 4, 4), 2, 2, "bilinear"); }), "ValueError");
}

}  // namespace
}  // namespace mmcpp::mmcv
