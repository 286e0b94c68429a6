// Pillow's Image.resize (Pillow 9.x) re-implemented on cv::Mat, for mmcv's
// imresize(backend='pillow').
//
// NEAREST maps output pixel x to source floor((x + 0.5) * in/out), the
// positions accumulated in double precision as Pillow's affine scaling does.
// The other filters (box, bilinear, hamming, bicubic with a = -0.5, lanczos
// with 3 lobes) resample separably, horizontal pass first: output pixel x
// centred at (x + 0.5) * scale in the source takes the pixels within
// support * max(scale, 1) of it, weighted by filter(distance / max(scale, 1))
// normalised to sum 1. The weights are rounded to 22-bit fixed point, sums start
// at one half, and each pass clips its result to 0..255, as Pillow's 8-bit path
// does, so the outputs match Pillow's.
#pragma once

#include <opencv2/core.hpp>

#include <string>

namespace mmcpp::mmcv {

// mmcv's pillow_interp_codes: nearest, bilinear, bicubic, box, lanczos, hamming.
bool pillow_filter_known(const std::string& name);

// Resizes a uint8 image with 1 channel (mode "L") or 3 (mode "RGB") to w x h.
// Other types or channel counts, an unknown filter name (KeyError) or a
// non-positive size are errors.
cv::Mat pillow_resize(const cv::Mat& img, int w, int h, const std::string& filter);

}  // namespace mmcpp::mmcv
