#include "mmcpp/cv/image/ycbcr.h"

#include <cmath>
#include <string>

#include "mmcpp/core/error.h"

namespace mmcpp::mmcv {

namespace {

// Rows: output channel (Y, Cb, Cr); columns: input channel in BGR order.
constexpr double kBgrWeights[3][3] = {
    {24.966, 128.553, 65.481}, {112.0, -74.203, -37.797}, {-18.214, -93.786, 112.0}};
constexpr double kOffsets[3] = {16.0, 128.0, 128.0};

cv::Mat convert(const cv::Mat& img, bool y_only, bool input_is_bgr) {
  if (img.channels() != 3)
    throw Error("ValueError", "ycbcr conversion needs a 3-channel image, got " +
                                  std::to_string(img.channels()) + " channels");
  const int depth = img.depth();
  if (depth != CV_8U && depth != CV_32F)
    throw Error("TypeError",
                "The img type should be np.float32 or np.uint8, but got a Mat of depth " +
                    std::to_string(depth));
  const int out_channels = y_only ? 1 : 3;
  cv::Mat out(img.rows, img.cols, CV_MAKETYPE(depth, out_channels));
  for (int r = 0; r < img.rows; ++r) {
    for (int c = 0; c < img.cols; ++c) {
      float px[3];
      if (depth == CV_8U) {
        const cv::Vec3b& p = img.at<cv::Vec3b>(r, c);
        for (int k = 0; k < 3; ++k) px[k] = static_cast<float>(p[k]) / 255.0f;
      } else {
        const cv::Vec3f& p = img.at<cv::Vec3f>(r, c);
        for (int k = 0; k < 3; ++k) px[k] = p[k];
      }
      for (int o = 0; o < out_channels; ++o) {
        // Summed in the input's channel order, as numpy's dot does.
        const double* w = kBgrWeights[o];
        double v = input_is_bgr
                       ? static_cast<double>(px[0]) * w[0] + static_cast<double>(px[1]) * w[1] +
                             static_cast<double>(px[2]) * w[2]
                       : static_cast<double>(px[0]) * w[2] + static_cast<double>(px[1]) * w[1] +
                             static_cast<double>(px[2]) * w[0];
        v += kOffsets[o];
        if (depth == CV_8U) {
          double rounded = std::nearbyint(v);  // round half to even (default mode)
          out.ptr<std::uint8_t>(r)[c * out_channels + o] = static_cast<std::uint8_t>(rounded);
        } else {
          out.ptr<float>(r)[c * out_channels + o] = static_cast<float>(v / 255.0);
        }
      }
    }
  }
  return out;
}

}  // namespace

cv::Mat bgr2ycbcr(const cv::Mat& img, bool y_only) { return convert(img, y_only, true); }
cv::Mat rgb2ycbcr(const cv::Mat& img, bool y_only) { return convert(img, y_only, false); }

}  // namespace mmcpp::mmcv
