#include "mmcpp/editing/evaluation/metrics/metrics_utils.h"

#include <torch/torch.h>

#include <cstring>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/ycbcr.h"

namespace mmcpp::editing {

cv::Mat img_transform(const torch::Tensor& img_in, std::int64_t crop_border,
                      const std::string& input_order, const std::optional<std::string>& convert_to,
                      const std::string& channel_order) {
  if (input_order != "HWC" && input_order != "CHW")
    throw Error("ValueError", "Wrong input_order " + input_order +
                                  ". Supported input_orders are \"HWC\" and \"CHW\"");
  torch::Tensor img = img_in.detach().to(torch::kCPU);
  if (img.dim() == 2) {
    img = img.unsqueeze(-1);
  } else if (input_order == "CHW") {
    img = img.permute({1, 2, 0});
  }
  img = img.to(torch::kFloat).contiguous();
  const int h = static_cast<int>(img.size(0)), w = static_cast<int>(img.size(1));
  const int c = static_cast<int>(img.size(2));
  cv::Mat mat(h, w, CV_MAKETYPE(CV_32F, c));
  std::memcpy(mat.data, img.data_ptr<float>(),
              static_cast<std::size_t>(img.numel()) * sizeof(float));
  if (convert_to) {
    std::string lower = *convert_to;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower != "y")
      throw Error("ValueError", "Wrong color model. Supported values are \"Y\" and None.");
    // img / 255. in float32, as numpy divides.
    cv::Mat scaled(mat.size(), mat.type());
    for (int r = 0; r < h; ++r) {
      const float* src = mat.ptr<float>(r);
      float* dst = scaled.ptr<float>(r);
      for (int k = 0; k < w * c; ++k) dst[k] = src[k] / 255.0f;
    }
    std::string order = channel_order;
    for (auto& ch : order) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    cv::Mat y;
    if (order == "RGB")
      y = mmcv::rgb2ycbcr(scaled, true);
    else if (order == "BGR")
      y = mmcv::bgr2ycbcr(scaled, true);
    else
      throw Error("ValueError",
                  "Only support `rgb2y` and `bgr2`, but the channel_order is " + channel_order);
    for (int r = 0; r < h; ++r) {
      float* p = y.ptr<float>(r);
      for (int k = 0; k < w; ++k) p[k] = p[k] * 255.0f;  // float32 * 255.
    }
    mat = y;
  }
  if (crop_border != 0) {
    const int b = static_cast<int>(crop_border);
    // numpy's img[b:-b, b:-b] (empty when the border eats the image).
    const int nh = std::max(0, h - 2 * b), nw = std::max(0, w - 2 * b);
    if (nh == 0 || nw == 0) return cv::Mat(0, 0, mat.type());
    mat = mat(cv::Rect(b, b, nw, nh)).clone();
  }
  return mat;
}

}  // namespace mmcpp::editing
