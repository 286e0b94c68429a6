// Colour-space conversions of mmcv/image/colorspace.py (cv2 based, so the
// results equal MMCV's bit for bit with the same OpenCV).
//
// Images are cv::Mat views of the pipeline's numpy-layout tensors: BGR order
// for 3-channel images, (H, W) single-channel Mats for grayscale.
#pragma once

#include <opencv2/core.hpp>

namespace mmcpp::mmcv {

// cv2.cvtColor(img, COLOR_BGR2GRAY / COLOR_RGB2GRAY): a single-channel Mat.
cv::Mat bgr2gray(const cv::Mat& img);
cv::Mat rgb2gray(const cv::Mat& img);
// cv2.cvtColor(img, COLOR_GRAY2BGR / COLOR_GRAY2RGB): three equal channels.
cv::Mat gray2bgr(const cv::Mat& img);
cv::Mat gray2rgb(const cv::Mat& img);
cv::Mat bgr2rgb(const cv::Mat& img);
cv::Mat rgb2bgr(const cv::Mat& img);
cv::Mat bgr2hsv(const cv::Mat& img);
cv::Mat hsv2bgr(const cv::Mat& img);

}  // namespace mmcpp::mmcv
