#include "mmcpp/cv/cnn/bricks/scale.h"

#include "mmcpp/core/error.h"

namespace mmcpp::mmcv {

ScaleImpl::ScaleImpl(double s) {
  scale = register_parameter("scale", torch::tensor(s, torch::kFloat));
}

LayerScaleImpl::LayerScaleImpl(std::int64_t dim, bool inplace, const std::string& data_format,
                               double scale)
    : inplace_(inplace), data_format_(data_format) {
  if (data_format != "channels_last" && data_format != "channels_first")
    throw Error("AssertionError", "'data_format' could only be channels_last or channels_first.");
  weight = register_parameter("weight", torch::ones({dim}) * scale);
}

torch::Tensor LayerScaleImpl::forward(const torch::Tensor& x) {
  std::vector<std::int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
  if (data_format_ == "channels_first")
    shape[1] = -1;
  else
    shape.back() = -1;
  torch::Tensor w = weight.view(shape);
  if (inplace_) {
    torch::Tensor y = x;
    return y.mul_(w);
  }
  return x * w;
}

}  // namespace mmcpp::mmcv
