#include "mmcpp/cv/image/colorspace.h"

#include <opencv2/imgproc.hpp>

#include <string>

#include "mmcpp/core/error.h"

namespace mmcpp::mmcv {

namespace {

cv::Mat convert(const cv::Mat& img, int code, int channels_in, const char* name) {
  if (img.channels() != channels_in) {
    throw Error("ValueError", std::string(name) + ": expected a " + std::to_string(channels_in) +
                                  "-channel image, got " + std::to_string(img.channels()) +
                                  " channel(s)");
  }
  cv::Mat out;
  cv::cvtColor(img, out, code);
  return out;
}

}  // namespace

cv::Mat bgr2gray(const cv::Mat& img) { return convert(img, cv::COLOR_BGR2GRAY, 3, "bgr2gray"); }
cv::Mat rgb2gray(const cv::Mat& img) { return convert(img, cv::COLOR_RGB2GRAY, 3, "rgb2gray"); }
cv::Mat gray2bgr(const cv::Mat& img) { return convert(img, cv::COLOR_GRAY2BGR, 1, "gray2bgr"); }
cv::Mat gray2rgb(const cv::Mat& img) { return convert(img, cv::COLOR_GRAY2RGB, 1, "gray2rgb"); }
cv::Mat bgr2rgb(const cv::Mat& img) { return convert(img, cv::COLOR_BGR2RGB, 3, "bgr2rgb"); }
cv::Mat rgb2bgr(const cv::Mat& img) { return convert(img, cv::COLOR_RGB2BGR, 3, "rgb2bgr"); }
cv::Mat bgr2hsv(const cv::Mat& img) { return convert(img, cv::COLOR_BGR2HSV, 3, "bgr2hsv"); }
cv::Mat hsv2bgr(const cv::Mat& img) { return convert(img, cv::COLOR_HSV2BGR, 3, "hsv2bgr"); }

}  // namespace mmcpp::mmcv
