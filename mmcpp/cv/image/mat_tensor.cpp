#include "mmcpp/cv/image/mat_tensor.h"

#include <torch/torch.h>

#include <memory>
#include <string>

#include "mmcpp/core/error.h"

namespace mmcpp::mmcv {

namespace {

int cv_depth(torch::ScalarType t) {
  switch (t) {
    case torch::kUInt8:
      return CV_8U;
    case torch::kInt8:
      return CV_8S;
    case torch::kInt16:
      return CV_16S;
    case torch::kInt32:
      return CV_32S;
    case torch::kFloat32:
      return CV_32F;
    case torch::kFloat64:
      return CV_64F;
    default:
      throw Error("ValueError", std::string("image arrays must be uint8, int8, int16, int32, "
                                            "float32 or float64, got ") +
                                    c10::toString(t));
  }
}

torch::ScalarType torch_type(int depth) {
  switch (depth) {
    case CV_8U:
      return torch::kUInt8;
    case CV_8S:
      return torch::kInt8;
    case CV_16S:
      return torch::kInt16;
    case CV_32S:
      return torch::kInt32;
    case CV_32F:
      return torch::kFloat32;
    case CV_64F:
      return torch::kFloat64;
    default:
      throw Error("ValueError", "cv::Mat depth " + std::to_string(depth) + " has no tensor dtype");
  }
}

}  // namespace

cv::Mat as_mat(const torch::Tensor& t) {
  if (!t.defined()) throw Error("ValueError", "as_mat: the image tensor is undefined");
  if (!t.device().is_cpu()) {
    throw Error("ValueError", "as_mat: image arrays must be on the CPU, got " + t.device().str());
  }
  if (t.dim() != 2 && t.dim() != 3) {
    throw Error("ValueError", "as_mat: images must be (H, W) or (H, W, C), got " +
                                  std::to_string(t.dim()) + "-D");
  }
  const int channels = t.dim() == 3 ? static_cast<int>(t.size(2)) : 1;
  if (channels < 1 || channels > CV_CN_MAX) {
    throw Error("ValueError", "as_mat: unsupported channel count " + std::to_string(channels));
  }
  const std::int64_t elem = t.element_size();
  // Pixels within a row must be packed; rows may be strided (a crop's view).
  const bool packed_rows = (t.dim() == 2 || t.stride(2) == 1 || t.size(2) == 1) &&
                           (t.size(1) == 1 || t.stride(1) == (t.dim() == 3 ? t.size(2) : 1));
  if (!packed_rows || (t.size(0) > 1 && t.stride(0) < t.size(1) * channels)) {
    throw Error("ValueError",
                "as_mat: the image tensor's rows are not contiguous; call "
                ".contiguous() first");
  }
  const int type = CV_MAKETYPE(cv_depth(t.scalar_type()), channels);
  const std::size_t step = static_cast<std::size_t>(t.stride(0) * elem);
  return cv::Mat(static_cast<int>(t.size(0)), static_cast<int>(t.size(1)), type, t.data_ptr(),
                 t.size(0) > 1 ? step : cv::Mat::AUTO_STEP);
}

torch::Tensor as_tensor(const cv::Mat& m, bool keep_channel_axis) {
  if (m.dims != 2) throw Error("ValueError", "as_tensor: only 2-D cv::Mat images are supported");
  const auto dtype = torch_type(m.depth());
  const int channels = m.channels();
  const std::int64_t elem = static_cast<std::int64_t>(m.elemSize1());
  const std::int64_t row_stride = static_cast<std::int64_t>(m.step[0]) / elem;
  // The deleter owns a Mat header, which keeps the (reference-counted) buffer.
  auto owner = std::make_shared<cv::Mat>(m);
  auto deleter = [owner](void*) mutable { owner.reset(); };
  const auto options = torch::TensorOptions().dtype(dtype);
  if (channels == 1 && !keep_channel_axis) {
    return torch::from_blob(m.data, {m.rows, m.cols}, {row_stride, 1}, deleter, options);
  }
  return torch::from_blob(m.data, {m.rows, m.cols, channels}, {row_stride, channels, 1}, deleter,
                          options);
}

}  // namespace mmcpp::mmcv
