// Photometric functions of mmcv/image/photometric.py, with MMCV's arithmetic
// (cv2 calls where MMCV calls cv2, numpy's dtype rules and its truncating
// float -> uint8 casts elsewhere). Images are uint8 BGR Mats (H, W, 3) unless
// a function says otherwise; results are new Mats.
//
// `backend` selects MMCV's cv2 or pillow implementation; MMCV's default (its
// global imread_backend) is "cv2". The pillow paths use pillow_filters.h.
#pragma once

#include <opencv2/core.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mmcpp::mmcv {

// 255 - img.
cv::Mat iminvert(const cv::Mat& img);
// Pixels >= thr become 255 - pixel.
cv::Mat solarize(const cv::Mat& img, double thr = 128);
// Keeps the `bits` high bits of every value (bits <= 0 gives zeros).
cv::Mat posterize(const cv::Mat& img, int bits);
// img * alpha + gray * beta + gamma (beta defaults to 1 - alpha); pillow:
// ImageEnhance.Color(alpha) (beta and gamma ignored).
cv::Mat adjust_color(const cv::Mat& img, double alpha = 1,
                     std::optional<double> beta = std::nullopt, double gamma = 0,
                     const std::string& backend = "cv2");
// Per-channel histogram equalisation (PIL.ImageOps.equalize's rule).
cv::Mat imequalize(const cv::Mat& img);
// Blend with black; cv2 path in float32, clipped and truncated.
cv::Mat adjust_brightness(const cv::Mat& img, double factor = 1,
                          const std::string& backend = "cv2");
// Blend with the mean gray level (rounded half to even, as numpy).
cv::Mat adjust_contrast(const cv::Mat& img, double factor = 1, const std::string& backend = "cv2");
// Per channel: removes `cutoff` percent of the darkest / lightest pixels and
// stretches the rest to 0..255.
cv::Mat auto_contrast(const cv::Mat& img, double cutoff_low = 0, double cutoff_high = 0);
// Blend with cv2.filter2D(img, kernel); kernel defaults to PIL's SMOOTH
// ([[1,1,1],[1,5,1],[1,1,1]] / 13), any 2-D CV_64F kernel otherwise.
cv::Mat adjust_sharpness(const cv::Mat& img, double factor = 1, const cv::Mat& kernel = cv::Mat());
// AlexNet PCA lighting: img (as float32, RGB-swapped when to_rgb) plus
// sum_i eigvec[:, i] * alpha[i] * eigval[i], as a float64 Mat (MMCV returns the
// unclipped float array; `alpha` is its np.random.normal(0, alphastd, n) draw).
cv::Mat adjust_lighting(const cv::Mat& img, const std::vector<double>& eigval,
                        const std::vector<std::vector<double>>& eigvec,
                        const std::vector<double>& alpha, bool to_rgb = true);
// Shifts the hue by hue_factor (in [-0.5, 0.5]) of a turn: HSV_FULL with cv2,
// Pillow's "HSV" with pillow; the shift is np.uint8(hue_factor * 255).
cv::Mat adjust_hue(const cv::Mat& img, double hue_factor, const std::string& backend = "cv2");

// np.clip(values, 0, 255).astype(np.uint8): clip, then truncate; float Mats.
cv::Mat clip_to_u8(const cv::Mat& values);
// numpy's astype(uint8) without clipping: truncation towards zero, then the
// low 8 bits (what x86-64 builds of numpy give for out-of-range values).
cv::Mat wrap_to_u8(const cv::Mat& values);

}  // namespace mmcpp::mmcv
