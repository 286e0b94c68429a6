#include "mmcpp/cv/image/geometric.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <cstdint>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/pillow_resize.h"

namespace mmcpp::mmcv {

long long py_round(double x) {
  // nearbyint rounds to nearest-even in the default rounding mode, as Python does.
  return static_cast<long long>(std::nearbyint(x));
}

int cv2_interp_code(const std::string& interpolation) {
  if (interpolation == "nearest") return cv::INTER_NEAREST;
  if (interpolation == "bilinear") return cv::INTER_LINEAR;
  if (interpolation == "bicubic") return cv::INTER_CUBIC;
  if (interpolation == "area") return cv::INTER_AREA;
  if (interpolation == "lanczos") return cv::INTER_LANCZOS4;
  throw Error("KeyError", "'" + interpolation +
                              "': unknown cv2 interpolation (known: nearest, bilinear, bicubic, "
                              "area, lanczos)");
}

bool valid_interpolation(const std::string& interpolation, const std::string& backend) {
  if (backend == "pillow") return pillow_filter_known(interpolation);
  return interpolation == "nearest" || interpolation == "bilinear" || interpolation == "bicubic" ||
         interpolation == "area" || interpolation == "lanczos";
}

Size2 scale_size(Size2 size, double scale_w, double scale_h) {
  return {static_cast<long long>(static_cast<double>(size.w) * scale_w + 0.5),
          static_cast<long long>(static_cast<double>(size.h) * scale_h + 0.5)};
}

Size2 rescale_size(Size2 old_size, double scale, double* scale_factor) {
  if (scale <= 0) {
    throw Error("ValueError", "Invalid scale " + std::to_string(scale) + ", must be positive.");
  }
  if (scale_factor) *scale_factor = scale;
  return scale_size(old_size, scale, scale);
}

Size2 rescale_size(Size2 old_size, Size2 max_edges, double* scale_factor) {
  const double long_edge = static_cast<double>(std::max(max_edges.w, max_edges.h));
  const double short_edge = static_cast<double>(std::min(max_edges.w, max_edges.h));
  const double w = static_cast<double>(old_size.w), h = static_cast<double>(old_size.h);
  const double factor = std::min(long_edge / std::max(h, w), short_edge / std::min(h, w));
  if (scale_factor) *scale_factor = factor;
  return scale_size(old_size, factor, factor);
}

cv::Mat imresize(const cv::Mat& img, Size2 size, const std::string& interpolation,
                 const std::string& backend) {
  if (backend != "cv2" && backend != "pillow") {
    throw Error("ValueError", "backend: " + backend +
                                  " is not supported for resize.Supported backends are 'cv2', "
                                  "'pillow'");
  }
  if (size.w <= 0 || size.h <= 0) {
    throw Error("ValueError", "imresize: the target size (w=" + std::to_string(size.w) +
                                  ", h=" + std::to_string(size.h) + ") must be positive");
  }
  if (img.empty()) throw Error("ValueError", "imresize: the image is empty");
  if (backend == "pillow")
    return pillow_resize(img, static_cast<int>(size.w), static_cast<int>(size.h), interpolation);
  cv::Mat out;
  cv::resize(img, out, cv::Size(static_cast<int>(size.w), static_cast<int>(size.h)), 0, 0,
             cv2_interp_code(interpolation));
  return out;
}

cv::Mat imrescale(const cv::Mat& img, double scale, const std::string& interpolation,
                  const std::string& backend, double* scale_factor) {
  const Size2 size = rescale_size({img.cols, img.rows}, scale, scale_factor);
  return imresize(img, size, interpolation, backend);
}

cv::Mat imrescale(const cv::Mat& img, Size2 max_edges, const std::string& interpolation,
                  const std::string& backend, double* scale_factor) {
  const Size2 size = rescale_size({img.cols, img.rows}, max_edges, scale_factor);
  return imresize(img, size, interpolation, backend);
}

cv::Mat imcrop(const cv::Mat& img, double x1, double y1, double x2, double y2, double scale) {
  if (scale != 1.0) {
    // bbox_scaling: grow (or shrink) about the centre.
    const double dw = (x2 - x1 + 1) * (scale - 1) * 0.5, dh = (y2 - y1 + 1) * (scale - 1) * 0.5;
    x1 -= dw, y1 -= dh, x2 += dw, y2 += dh;
  }
  // astype(np.int32) truncates toward zero; bbox_clip clips to [0, size - 1].
  const auto clip = [](double v, int hi) {
    const long long t = static_cast<long long>(static_cast<std::int32_t>(std::trunc(v)));
    return std::max<long long>(0, std::min<long long>(t, hi));
  };
  const long long cx1 = clip(x1, img.cols - 1), cy1 = clip(y1, img.rows - 1);
  const long long cx2 = clip(x2, img.cols - 1), cy2 = clip(y2, img.rows - 1);
  // numpy's img[y1:y2 + 1, x1:x2 + 1] is empty when the box is inverted.
  const int w = static_cast<int>(std::max<long long>(0, cx2 - cx1 + 1));
  const int h = static_cast<int>(std::max<long long>(0, cy2 - cy1 + 1));
  if (w == 0 || h == 0) return cv::Mat(h, w, img.type());
  return img(cv::Rect(static_cast<int>(cx1), static_cast<int>(cy1), w, h));
}

namespace {

int border_type(const std::string& padding_mode) {
  if (padding_mode == "constant") return cv::BORDER_CONSTANT;
  if (padding_mode == "edge") return cv::BORDER_REPLICATE;
  if (padding_mode == "reflect") return cv::BORDER_REFLECT_101;
  if (padding_mode == "symmetric") return cv::BORDER_REFLECT;
  throw Error("ValueError",
              "padding_mode must be one of 'constant', 'edge', 'reflect', "
              "'symmetric', got '" +
                  padding_mode + "'");
}

}  // namespace

cv::Mat impad(const cv::Mat& img, Padding p, const PadVal& pad_val,
              const std::string& padding_mode) {
  const int type = border_type(padding_mode);
  if (p.left < 0 || p.top < 0 || p.right < 0 || p.bottom < 0) {
    throw Error("ValueError", "impad: padding must be non-negative");
  }
  cv::Scalar value;
  if (pad_val.per_channel) {
    // impad asserts len(pad_val) == img.shape[-1] (the last axis: W for 2-D images).
    const int last = img.channels() == 1 && img.dims == 2 ? img.cols : img.channels();
    if (static_cast<int>(pad_val.values.size()) != img.channels() &&
        static_cast<int>(pad_val.values.size()) != last) {
      throw Error("AssertionError", "impad: pad_val has " + std::to_string(pad_val.values.size()) +
                                        " values for an image with " +
                                        std::to_string(img.channels()) + " channels");
    }
    for (std::size_t i = 0; i < pad_val.values.size() && i < 4; ++i) value[i] = pad_val.values[i];
  } else {
    value = cv::Scalar(pad_val.values.empty() ? 0.0 : pad_val.values[0]);
  }
  if ((type == cv::BORDER_REFLECT_101 || type == cv::BORDER_REFLECT) &&
      (img.rows == 0 || img.cols == 0)) {
    throw Error("ValueError", "impad: cannot reflect-pad an empty image");
  }
  cv::Mat out;
  cv::copyMakeBorder(img, out, static_cast<int>(p.top), static_cast<int>(p.bottom),
                     static_cast<int>(p.left), static_cast<int>(p.right), type, value);
  return out;
}

cv::Mat impad_to_shape(const cv::Mat& img, long long h, long long w, const PadVal& pad_val,
                       const std::string& padding_mode) {
  Padding p;
  p.right = std::max<long long>(w - img.cols, 0);
  p.bottom = std::max<long long>(h - img.rows, 0);
  return impad(img, p, pad_val, padding_mode);
}

cv::Mat impad_to_multiple(const cv::Mat& img, long long divisor, const PadVal& pad_val) {
  if (divisor <= 0) throw Error("ValueError", "impad_to_multiple: divisor must be positive");
  const long long h = (img.rows + divisor - 1) / divisor * divisor;
  const long long w = (img.cols + divisor - 1) / divisor * divisor;
  return impad_to_shape(img, h, w, pad_val);
}

cv::Mat imflip(const cv::Mat& img, const std::string& direction) {
  int code;
  if (direction == "horizontal") {
    code = 1;
  } else if (direction == "vertical") {
    code = 0;
  } else if (direction == "diagonal") {
    code = -1;
  } else {
    throw Error("ValueError",
                "Flipping direction must be 'horizontal', 'vertical', or "
                "'diagonal', but got '" +
                    direction + "'");
  }
  cv::Mat out;
  cv::flip(img, out, code);
  return out;
}

}  // namespace mmcpp::mmcv
