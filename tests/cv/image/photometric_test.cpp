// Unit tests of the MMCV photometric / warp functions and the Pillow-compatible
// filters: rules that follow from MMCV's and Pillow's definitions.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/colorspace.h"
#include "mmcpp/cv/image/photometric.h"
#include "mmcpp/cv/image/pillow_filters.h"
#include "mmcpp/cv/image/warp.h"

namespace mmcpp::mmcv {
namespace {

cv::Mat pattern(int h = 24, int w = 32) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      m.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<uchar>((x * 7 + y * 3) % 256), static_cast<uchar>((x * y) % 256),
                    static_cast<uchar>((200 + x - 2 * y) % 256));
    }
  }
  return m;
}

int max_abs_diff(const cv::Mat& a, const cv::Mat& b) {
  return static_cast<int>(cv::norm(a, b, cv::NORM_INF));
}

TEST(Photometric, InvertSolarizePosterize) {
  const cv::Mat img = pattern();
  const cv::Mat inv = iminvert(img);
  const cv::Mat sol = solarize(img, 100);
  const cv::Mat post = posterize(img, 3);
  for (int y = 0; y < img.rows; ++y) {
    for (int x = 0; x < img.cols; ++x) {
      for (int c = 0; c < 3; ++c) {
        const int v = img.at<cv::Vec3b>(y, x)[c];
        EXPECT_EQ(inv.at<cv::Vec3b>(y, x)[c], 255 - v);
        EXPECT_EQ(sol.at<cv::Vec3b>(y, x)[c], v < 100 ? v : 255 - v);
        EXPECT_EQ(post.at<cv::Vec3b>(y, x)[c], v & 0xE0);
      }
    }
  }
  // numpy shifts a uint8 by 8 bits to 0.
  EXPECT_EQ(cv::countNonZero(posterize(img, 0).reshape(1)), 0);
  EXPECT_EQ(max_abs_diff(posterize(img, 8), img), 0);
  EXPECT_THROW(posterize(img, 9), Error);
}

TEST(Photometric, BlendFactorOneIsIdentityAndBrightnessZeroIsBlack) {
  const cv::Mat img = pattern();
  EXPECT_EQ(max_abs_diff(adjust_brightness(img, 1.0), img), 0);
  EXPECT_EQ(max_abs_diff(adjust_contrast(img, 1.0), img), 0);
  EXPECT_EQ(max_abs_diff(adjust_color(img, 1.0), img), 0);
  EXPECT_EQ(max_abs_diff(adjust_sharpness(img, 1.0), img), 0);
  EXPECT_EQ(cv::countNonZero(adjust_brightness(img, 0.0).reshape(1)), 0);
  // Factor 0 of contrast: the rounded mean gray level everywhere.
  const cv::Mat flat = adjust_contrast(img, 0.0);
  const double mean = cv::mean(bgr2gray(img))[0];
  EXPECT_EQ(flat.at<cv::Vec3b>(3, 5)[1], static_cast<int>(std::nearbyint(mean)));
  // Brightness 1.5 clips at 255 and truncates: 170 * 1.5 = 255, 101 * 1.5 = 151.5 -> 151.
  cv::Mat px(1, 2, CV_8UC3, cv::Scalar(101, 170, 0));
  const cv::Mat bright = adjust_brightness(px, 1.5);
  EXPECT_EQ(bright.at<cv::Vec3b>(0, 0)[0], 151);
  EXPECT_EQ(bright.at<cv::Vec3b>(0, 0)[1], 255);
  EXPECT_THROW(adjust_brightness(img, 1.0, "pil"), Error);
}

TEST(Photometric, EqualizeAndAutoContrastStretch) {
  // Two levels per channel: auto contrast maps them to 0 and 255.
  cv::Mat img(4, 4, CV_8UC3, cv::Scalar(60, 60, 60));
  img(cv::Rect(0, 0, 2, 4)).setTo(cv::Scalar(100, 100, 100));
  const cv::Mat ac = auto_contrast(img);
  EXPECT_EQ(ac.at<cv::Vec3b>(0, 0)[0], 255);
  EXPECT_EQ(ac.at<cv::Vec3b>(0, 3)[2], 0);
  // A flat channel is left alone.
  cv::Mat flat(3, 3, CV_8UC3, cv::Scalar(7, 8, 9));
  EXPECT_EQ(max_abs_diff(auto_contrast(flat), flat), 0);
  EXPECT_EQ(max_abs_diff(imequalize(flat), flat), 0);
  // Equalize of two equal halves: step = 8 // 255 = 0 -> unchanged; with more
  // pixels the levels spread (PIL.ImageOps.equalize).
  cv::Mat big(32, 32, CV_8UC3, cv::Scalar(10, 10, 10));
  big(cv::Rect(0, 0, 16, 32)).setTo(cv::Scalar(20, 20, 20));
  const cv::Mat eq = imequalize(big);
  // histo: 512 at 10, 512 at 20; step = (1024 - 512) // 255 = 2;
  // lut[v] = (cumsum[v-1] + 1) // 2: lut[10] = 0, lut[20] = 513 // 2 = 256 -> 255.
  EXPECT_EQ(eq.at<cv::Vec3b>(0, 0)[0], 255);
  EXPECT_EQ(eq.at<cv::Vec3b>(0, 31)[0], 0);
}

TEST(Photometric, LightingAddsThePcaOffsetWithoutClipping) {
  cv::Mat img(2, 2, CV_8UC3, cv::Scalar(10, 20, 250));
  const std::vector<double> eigval = {10, 1, 1};
  const std::vector<std::vector<double>> eigvec = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  const cv::Mat out = adjust_lighting(img, eigval, eigvec, {1.0, -30.0, 0.5}, false);
  ASSERT_EQ(out.type(), CV_64FC3);
  EXPECT_DOUBLE_EQ(out.at<cv::Vec3d>(0, 0)[0], 20);
  EXPECT_DOUBLE_EQ(out.at<cv::Vec3d>(0, 0)[1], -10);
  EXPECT_DOUBLE_EQ(out.at<cv::Vec3d>(0, 0)[2], 250.5);
  const cv::Mat wrapped = wrap_to_u8(out);
  EXPECT_EQ(wrapped.at<cv::Vec3b>(1, 1)[1], 246);  // -10 wraps
  EXPECT_EQ(wrapped.at<cv::Vec3b>(1, 1)[2], 250);
  // to_rgb swaps the channels before adding.
  const cv::Mat rgb = adjust_lighting(img, eigval, eigvec, {0, 0, 0}, true);
  EXPECT_DOUBLE_EQ(rgb.at<cv::Vec3d>(0, 0)[0], 250);
}

TEST(Photometric, HueShiftByZeroKeepsGrayAndFullTurnsWrap) {
  cv::Mat gray(2, 3, CV_8UC3, cv::Scalar(90, 90, 90));
  EXPECT_EQ(max_abs_diff(adjust_hue(gray, 0.3, "cv2"), gray), 0);
  EXPECT_EQ(max_abs_diff(adjust_hue(gray, -0.3, "pillow"), gray), 0);
  EXPECT_THROW(adjust_hue(pattern(), 0.6), Error);
}

TEST(PillowFilters, GaussianBoxRadiusFollowsGwosdek) {
  // sigma^2 = 0.75, L = sqrt(10), l = 1, a = 3 * (2 - 2.25) / (6 * (0.75 - 4)).
  EXPECT_NEAR(pillow_gaussian_box_radius(1.5f, 3), 1 + 0.75 / 19.5, 1e-6);
  EXPECT_FLOAT_EQ(pillow_gaussian_box_radius(0.0f, 3), 0.0f);
}

TEST(PillowFilters, GaussianBlurKeepsFlatImagesAndSpreadsAnImpulse) {
  cv::Mat flat(9, 11, CV_8UC3, cv::Scalar(40, 80, 200));
  EXPECT_EQ(max_abs_diff(pillow_gaussian_blur(flat, 2.0), flat), 0);
  EXPECT_EQ(max_abs_diff(pillow_gaussian_blur(pattern(), 0.0), pattern()), 0);
  cv::Mat impulse(15, 15, CV_8UC1, cv::Scalar(0));
  impulse.at<uchar>(7, 7) = 255;
  const cv::Mat b = pillow_gaussian_blur(impulse, 1.0);
  EXPECT_LT(b.at<uchar>(7, 7), 255);
  EXPECT_GT(b.at<uchar>(7, 8), 0);
  EXPECT_EQ(b.at<uchar>(7, 8), b.at<uchar>(7, 6));  // symmetric
  EXPECT_EQ(b.at<uchar>(6, 7), b.at<uchar>(8, 7));
  EXPECT_EQ(b.at<uchar>(0, 0), 0);
  EXPECT_THROW(pillow_gaussian_blur(flat, -1), Error);
}

TEST(PillowFilters, BlendTruncatesAndClips) {
  cv::Mat a(1, 1, CV_8UC1, cv::Scalar(10)), b(1, 1, CV_8UC1, cv::Scalar(15));
  EXPECT_EQ(pillow_blend(a, b, 0.5f).at<uchar>(0, 0), 12);  // 12.5 truncated
  EXPECT_EQ(pillow_blend(a, b, 100.f).at<uchar>(0, 0), 255);
  EXPECT_EQ(pillow_blend(a, b, -10.f).at<uchar>(0, 0), 0);
  // "L" of pure red: 19595 * 255 + 0x8000 >> 16 = 76.
  cv::Mat red(1, 1, CV_8UC3, cv::Scalar(0, 0, 255));
  EXPECT_EQ(pillow_bgr_to_l(red).at<uchar>(0, 0), 76);
}

TEST(Warp, RotateWithAnIntPadValueFillsOnlyTheFirstChannel) {
  cv::Mat img(20, 20, CV_8UC3, cv::Scalar(50, 50, 50));
  const cv::Mat r = imrotate(img, 45, std::nullopt, 1.0, FillValue::number(128, true), "nearest");
  EXPECT_EQ(r.at<cv::Vec3b>(0, 0), cv::Vec3b(128, 0, 0));  // cv2 reads 128 as (128, 0, 0, 0)
  EXPECT_EQ(r.at<cv::Vec3b>(10, 10), cv::Vec3b(50, 50, 50));
  const cv::Mat s = imshear(img, 0.5, "horizontal", FillValue::number(128, true), "nearest");
  EXPECT_EQ(s.at<cv::Vec3b>(19, 0), cv::Vec3b(128, 128, 128));  // imshear repeats an int
  const cv::Mat t = imtranslate(img, 5, "vertical", FillValue::tuple({1, 2, 3}), "nearest");
  EXPECT_EQ(t.at<cv::Vec3b>(2, 4), cv::Vec3b(1, 2, 3));
  EXPECT_EQ(t.at<cv::Vec3b>(5, 4), cv::Vec3b(50, 50, 50));
  EXPECT_THROW(imshear(img, 0.1, "diagonal"), Error);
  EXPECT_THROW(imshear(img, 0.1, "horizontal", FillValue::tuple({1, 2})), Error);
  EXPECT_THROW(imtranslate(img, 1, "horizontal", FillValue::number(1.5, false)), Error);
  EXPECT_THROW(imrotate(img, 1, std::nullopt, 1.0, FillValue::number(0, true), "cubic"), Error);
}

TEST(Warp, CutoutFillsTheRectangleAroundTheCentre) {
  cv::Mat img(10, 12, CV_8UC3, cv::Scalar(1, 1, 1));
  const cv::Mat c = cutout(img, 4, 6, FillValue::tuple({9, 8, 7}), 5.5, 2.2);
  // y1 = int(5.5 - 2) = 3, x1 = int(max(0, 2.2 - 3)) = 0.
  EXPECT_EQ(c.at<cv::Vec3b>(3, 0), cv::Vec3b(9, 8, 7));
  EXPECT_EQ(c.at<cv::Vec3b>(6, 5), cv::Vec3b(9, 8, 7));
  EXPECT_EQ(c.at<cv::Vec3b>(7, 5), cv::Vec3b(1, 1, 1));
  EXPECT_EQ(c.at<cv::Vec3b>(3, 6), cv::Vec3b(1, 1, 1));
  EXPECT_EQ(img.at<cv::Vec3b>(3, 0), cv::Vec3b(1, 1, 1));  // input untouched
  EXPECT_THROW(cutout(img, 2, 2, FillValue::tuple({1, 2}), 1, 1), Error);
}

}  // namespace
}  // namespace mmcpp::mmcv
