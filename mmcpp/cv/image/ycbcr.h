// YCbCr conversions of mmcv/image/colorspace.py (bgr2ycbcr, rgb2ycbcr): the
// ITU-R BT.601 conversion for standard-definition television, as MATLAB's
// rgb2ycbcr, which super-resolution metrics use (PSNR/SSIM on Y).
//
// Input: a 3-channel uint8 or float32 Mat (float32 images in [0, 1]).
// As MMCV: the image is taken to float32 ([0, 1]; uint8 is divided by 255),
// the products are summed in float64 (numpy's dot with float64 weights), then
// 16 (Y) / 128 (Cb, Cr) is added, and the result is returned in the input's
// type: uint8 rounded half to even (numpy's round), float32 divided by 255.
// y_only gives a single-channel Mat. Other depths are a TypeError.
#pragma once

#include <opencv2/core.hpp>

namespace mmcpp::mmcv {

cv::Mat bgr2ycbcr(const cv::Mat& img, bool y_only = false);
cv::Mat rgb2ycbcr(const cv::Mat& img, bool y_only = false);

}  // namespace mmcpp::mmcv
