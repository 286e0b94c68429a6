// mmagic/evaluation/metrics/metrics_utils.py: img_transform (reorder to HWC,
// float32, optional Y channel, border crop) and the SSIM kernel.
#pragma once

#include <torch/types.h>
#include <opencv2/core.hpp>

#include <optional>
#include <string>

namespace mmcpp::editing {

// reorder_image + astype(float32) + (convert_to 'Y': bgr2ycbcr(img / 255,
// y_only) * 255 for channel_order 'BGR', rgb2ycbcr for 'RGB') + crop_border:
// an (H, W, C) float32 Mat. `img` is (C, H, W) for input_order 'CHW', (H, W, C)
// for 'HWC' ((H, W) becomes (H, W, 1)). Unknown orders / colour models are a
// ValueError, as MMagic's.
cv::Mat img_transform(const torch::Tensor& img, std::int64_t crop_border,
                      const std::string& input_order, const std::optional<std::string>& convert_to,
                      const std::string& channel_order);

}  // namespace mmcpp::editing
