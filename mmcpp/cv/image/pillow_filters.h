// Pillow-compatible image operations (Pillow 9.4, the version MMPretrain's
// oracle used), written from Pillow's documented algorithms so that the
// `backend='pillow'` paths of MMCV and MMPretrain give Pillow's pixels:
//
// - ImageEnhance.Brightness / Contrast / Color: Image.blend(degenerate, image,
//   factor) with a single-precision factor, truncating, clipped when factor is
//   outside [0, 1]. Contrast's degenerate is the rounded mean of the "L" image;
//   Color's is the "L" image itself.
// - "RGB" -> "L": ITU-R 601-2 weights in 16-bit fixed point, rounded.
// - "RGB" <-> "HSV": colorsys' formulas in single precision, 8-bit channels.
// - ImageFilter.GaussianBlur(radius): three passes of an "extended" box filter
//   (Gwosdek et al., "Theoretical foundations of Gaussian convolution by
//   extended box filtering") along the rows, then three along the columns; each
//   pass rounds to 8 bits and extends the edge pixels.
//
// All functions take and return uint8 Mats. Functions named *_bgr take MMCV's
// BGR arrays: MMCV hands Pillow the RGB view (img[..., ::-1]) and flips back.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>

namespace mmcpp::mmcv {

// Image.blend(im1, im2, alpha) for same-shaped uint8 Mats.
cv::Mat pillow_blend(const cv::Mat& im1, const cv::Mat& im2, float alpha);

// image.convert("L") of a BGR image: (H, W) uint8.
cv::Mat pillow_bgr_to_l(const cv::Mat& bgr);

// ImageEnhance.<X>(image).enhance(factor) on a BGR image.
cv::Mat pillow_enhance_brightness_bgr(const cv::Mat& bgr, double factor);
cv::Mat pillow_enhance_contrast_bgr(const cv::Mat& bgr, double factor);
cv::Mat pillow_enhance_color_bgr(const cv::Mat& bgr, double factor);

// Converts to "HSV", adds `shift` to H modulo 256, converts back to "RGB"
// (MMCV's adjust_hue with backend='pillow'); BGR in and out.
cv::Mat pillow_shift_hue_bgr(const cv::Mat& bgr, std::uint8_t shift);

// ImageFilter.GaussianBlur(radius) on Image.fromarray(img): every channel
// blurred independently (channel order does not matter).
cv::Mat pillow_gaussian_blur(const cv::Mat& img, double radius);

// The fractional box radius Pillow uses for a Gaussian of `radius` made of
// `passes` box blurs (single precision, as Pillow computes it).
float pillow_gaussian_box_radius(float radius, int passes);

}  // namespace mmcpp::mmcv
