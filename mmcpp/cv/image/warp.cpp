#include "mmcpp/cv/image/warp.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

#include "mmcpp/core/error.h"

namespace mmcpp::mmcv {

namespace {

int cv2_border_mode(const std::string& mode) {
  static const std::map<std::string, int> modes = {
      {"constant", cv::BORDER_CONSTANT},       {"replicate", cv::BORDER_REPLICATE},
      {"reflect", cv::BORDER_REFLECT},         {"wrap", cv::BORDER_WRAP},
      {"reflect_101", cv::BORDER_REFLECT_101}, {"transparent", cv::BORDER_TRANSPARENT},
      {"isolated", cv::BORDER_ISOLATED}};
  auto it = modes.find(mode);
  if (it == modes.end()) throw Error("KeyError", "'" + mode + "': unknown border_mode");
  return it->second;
}

// cv2's conversion of a Python number or tuple to a Scalar.
cv::Scalar cv2_scalar(const FillValue& v, const char* fn) {
  if (v.values.size() > 4) {
    throw Error("TypeError", std::string(fn) + ": a border value has at most 4 elements");
  }
  cv::Scalar s(0, 0, 0, 0);
  for (std::size_t i = 0; i < v.values.size(); ++i) s[static_cast<int>(i)] = v.values[i];
  return s;
}

// imshear/imtranslate: an int becomes one value per channel; a tuple must have
// one per channel; cv2 gets the first three.
cv::Scalar per_channel_border(const cv::Mat& img, const FillValue& v, const char* fn) {
  const int channels = img.channels();
  std::vector<double> values;
  if (!v.sequence) {
    if (!v.integer) {
      throw Error("ValueError", std::string("Invalid type <class 'float'> for `border_value`") +
                                    (std::string(fn) == "imtranslate" ? "." : ""));
    }
    values.assign(static_cast<std::size_t>(channels), v.values.at(0));
  } else {
    if (static_cast<int>(v.values.size()) != channels) {
      throw Error("AssertionError",
                  "Expected the num of elements in tuple equals the channelsof input image. "
                  "Found " +
                      std::to_string(v.values.size()) + " vs " + std::to_string(channels));
    }
    values = v.values;
  }
  values.resize(std::min<std::size_t>(values.size(), 3));
  return cv2_scalar(FillValue::tuple(values), fn);
}

void check_direction(const std::string& direction) {
  if (direction != "horizontal" && direction != "vertical") {
    throw Error("AssertionError", "Invalid direction: " + direction);
  }
}

cv::Mat warp(const cv::Mat& img, const cv::Mat& matrix, cv::Size size, int flags, int border_mode,
             const cv::Scalar& border) {
  cv::Mat out;
  cv::warpAffine(img, out, matrix, size, flags, border_mode, border);
  return out;
}

}  // namespace

cv::Mat imrotate(const cv::Mat& img, double angle, std::optional<cv::Point2d> center, double scale,
                 const FillValue& border_value, const std::string& interpolation, bool auto_bound,
                 const std::string& border_mode) {
  if (center && auto_bound) throw Error("ValueError", "`auto_bound` conflicts with `center`");
  int h = img.rows, w = img.cols;
  const cv::Point2d c = center ? *center : cv::Point2d((w - 1) * 0.5, (h - 1) * 0.5);
  // cv2.getRotationMatrix2D takes the centre as Point2f, as here.
  cv::Mat matrix = cv::getRotationMatrix2D(
      cv::Point2f(static_cast<float>(c.x), static_cast<float>(c.y)), -angle, scale);
  if (auto_bound) {
    const double cos = std::abs(matrix.at<double>(0, 0));
    const double sin = std::abs(matrix.at<double>(0, 1));
    const double new_w = h * sin + w * cos;
    const double new_h = h * cos + w * sin;
    matrix.at<double>(0, 2) += (new_w - w) * 0.5;
    matrix.at<double>(1, 2) += (new_h - h) * 0.5;
    w = static_cast<int>(std::nearbyint(new_w));
    h = static_cast<int>(std::nearbyint(new_h));
  }
  return warp(img, matrix, cv::Size(w, h), cv2_interp_code(interpolation),
              cv2_border_mode(border_mode), cv2_scalar(border_value, "imrotate"));
}

cv::Mat imshear(const cv::Mat& img, double magnitude, const std::string& direction,
                const FillValue& border_value, const std::string& interpolation) {
  check_direction(direction);
  const cv::Scalar border = per_channel_border(img, border_value, "imshear");
  const double m = static_cast<float>(magnitude);  // np.float32 matrix
  cv::Mat matrix = direction == "horizontal" ? (cv::Mat_<double>(2, 3) << 1, m, 0, 0, 1, 0)
                                             : (cv::Mat_<double>(2, 3) << 1, 0, 0, m, 1, 0);
  return warp(img, matrix, img.size(), cv2_interp_code(interpolation), cv::BORDER_CONSTANT, border);
}

cv::Mat imtranslate(const cv::Mat& img, double offset, const std::string& direction,
                    const FillValue& border_value, const std::string& interpolation) {
  check_direction(direction);
  const cv::Scalar border = per_channel_border(img, border_value, "imtranslate");
  const double o = static_cast<float>(offset);  // np.float32 matrix
  cv::Mat matrix = direction == "horizontal" ? (cv::Mat_<double>(2, 3) << 1, 0, o, 0, 1, 0)
                                             : (cv::Mat_<double>(2, 3) << 1, 0, 0, 0, 1, o);
  return warp(img, matrix, img.size(), cv2_interp_code(interpolation), cv::BORDER_CONSTANT, border);
}

cv::Mat cutout(const cv::Mat& img, int cut_h, int cut_w, const FillValue& pad_val, double y0,
               double x0) {
  if (img.depth() != CV_8U) throw Error("TypeError", "cutout: expected a uint8 image");
  const int channels = img.channels();
  std::vector<double> fill;
  if (!pad_val.sequence) {
    fill.assign(static_cast<std::size_t>(channels), pad_val.values.at(0));
  } else if (static_cast<int>(pad_val.values.size()) != channels) {
    throw Error("AssertionError",
                "Expected the num of elements in tuple equals the channelsof input image. "
                "Found " +
                    std::to_string(pad_val.values.size()) + " vs " + std::to_string(channels));
  } else {
    fill = pad_val.values;
  }
  const int img_h = img.rows, img_w = img.cols;
  const int y1 = static_cast<int>(std::max(0.0, y0 - cut_h / 2.));
  const int x1 = static_cast<int>(std::max(0.0, x0 - cut_w / 2.));
  const int y2 = std::min(img_h, y1 + cut_h);
  const int x2 = std::min(img_w, x1 + cut_w);
  cv::Mat out = img.clone();
  if (y2 > y1 && x2 > x1) {
    cv::Scalar s;
    // np.array(pad_val, dtype=uint8): truncated, wrapped modulo 256.
    for (int c = 0; c < std::min(channels, 4); ++c) {
      s[c] = static_cast<double>(
          static_cast<std::uint8_t>(static_cast<std::int64_t>(fill[static_cast<std::size_t>(c)])));
    }
    if (channels > 4) throw Error("ValueError", "cutout: at most 4 channels are supported");
    out(cv::Rect(x1, y1, x2 - x1, y2 - y1)).setTo(s);
  }
  return out;
}

}  // namespace mmcpp::mmcv
