// The geometric image functions of mmcv.image (mmcv/image/geometric.py) on
// cv::Mat: resize (cv2 or Pillow's resampling), rescale, crop, pad, flip.
//
// Images are what cv2 gives numpy: H x W x C (any channel count OpenCV
// handles), uint8 or float32, BGR. Crops return views (no copy), as numpy's
// slicing does; the other functions return new Mats.
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <utility>
#include <vector>

namespace mmcpp::mmcv {

// Python's round() of a float to an int: halves go to the even neighbour.
long long py_round(double x);

// mmcv's cv2_interp_codes: nearest, bilinear, bicubic, area, lanczos.
// Anything else is a KeyError naming the known names.
int cv2_interp_code(const std::string& interpolation);
// True for the names imresize accepts with `backend` ('cv2' or 'pillow',
// which also has 'box' and 'hamming').
bool valid_interpolation(const std::string& interpolation, const std::string& backend);

// A size as mmcv passes it: (w, h).
struct Size2 {
  long long w = 0, h = 0;
};

// mmcv's _scale_size: (int(w * sx + 0.5), int(h * sy + 0.5)).
Size2 scale_size(Size2 size, double scale_w, double scale_h);

// mmcv.rescale_size with a number: the size scaled by it (> 0, else ValueError).
Size2 rescale_size(Size2 old_size, double scale, double* scale_factor = nullptr);
// mmcv.rescale_size with a tuple: the largest size whose long edge fits
// max(scale) and short edge fits min(scale), keeping the aspect ratio.
Size2 rescale_size(Size2 old_size, Size2 max_edges, double* scale_factor = nullptr);

// mmcv.imresize to (w, h). backend 'cv2' (cv::resize) or 'pillow' (Pillow's
// Image.resize, see pillow_resize.h; uint8 only). Unknown backend: ValueError.
cv::Mat imresize(const cv::Mat& img, Size2 size, const std::string& interpolation = "bilinear",
                 const std::string& backend = "cv2");

// mmcv.imrescale: imresize to rescale_size(). `scale_factor` receives the factor.
cv::Mat imrescale(const cv::Mat& img, double scale, const std::string& interpolation,
                  const std::string& backend, double* scale_factor = nullptr);
cv::Mat imrescale(const cv::Mat& img, Size2 max_edges, const std::string& interpolation,
                  const std::string& backend, double* scale_factor = nullptr);

// mmcv.imcrop of one box (x1, y1, x2, y2), inclusive corners: the box is scaled
// about its centre by `scale`, truncated to int32 as numpy's astype does, and
// clipped to the image. Returns a view of `img`.
cv::Mat imcrop(const cv::Mat& img, double x1, double y1, double x2, double y2, double scale = 1.0);

// mmcv.impad's pad_val: a number (cv2 turns it into Scalar(v, 0, 0, 0): only
// the first channel gets v) or one value per channel (a tuple).
struct PadVal {
  std::vector<double> values = {0.0};
  bool per_channel = false;
  static PadVal number(double v) { return PadVal{{v}, false}; }
  static PadVal tuple(std::vector<double> v) { return PadVal{std::move(v), true}; }
};

// Padding (left, top, right, bottom).
struct Padding {
  long long left = 0, top = 0, right = 0, bottom = 0;
};

// mmcv.impad with `padding`. padding_mode: constant, edge, reflect, symmetric
// (else ValueError). A per-channel pad_val must have one value per channel.
cv::Mat impad(const cv::Mat& img, Padding padding, const PadVal& pad_val = PadVal(),
              const std::string& padding_mode = "constant");
// mmcv.impad with `shape` (h, w): pads bottom and right up to it.
cv::Mat impad_to_shape(const cv::Mat& img, long long h, long long w,
                       const PadVal& pad_val = PadVal(),
                       const std::string& padding_mode = "constant");
// mmcv.impad_to_multiple: bottom/right to multiples of `divisor`.
cv::Mat impad_to_multiple(const cv::Mat& img, long long divisor, const PadVal& pad_val = PadVal());

// mmcv.imflip: horizontal, vertical or diagonal (else ValueError).
cv::Mat imflip(const cv::Mat& img, const std::string& direction = "horizontal");

}  // namespace mmcpp::mmcv
