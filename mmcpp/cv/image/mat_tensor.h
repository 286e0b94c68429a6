// Zero-copy views between the pipeline's numpy-layout tensors and cv::Mat.
//
// data::Results keeps images as tensors shaped like cv2's numpy arrays: (H, W)
// or (H, W, C), uint8 or float32, BGR. Transforms work on cv::Mat views of them
// and hand results back as tensors that own the Mat's buffer, so no pixels are
// copied at either boundary.
#pragma once

#include <torch/types.h>

#include <opencv2/core.hpp>

namespace mmcpp::mmcv {

// A cv::Mat aliasing `t`'s memory (t must outlive it). `t` must be on the CPU,
// 2-D (H, W) or 3-D (H, W, C) with C <= CV_CN_MAX, rows may be strided but each
// row's pixels contiguous; dtype uint8, int8, int16, int32, float32 or float64.
// Anything else is a ValueError.
cv::Mat as_mat(const torch::Tensor& t);

// A tensor sharing `m`'s buffer (it keeps the buffer alive). One-channel Mats
// become (H, W) unless keep_channel_axis, as cv2 returns them to numpy.
torch::Tensor as_tensor(const cv::Mat& m, bool keep_channel_axis = false);

}  // namespace mmcpp::mmcv
