#include "mmcpp/cv/cnn/bricks/hsigmoid.h"

#include "mmcpp/core/error.h"

namespace mmcpp::mmcv {

HSigmoidImpl::HSigmoidImpl(double bias, double divisor, double min_value, double max_value)
    : bias_(bias), divisor_(divisor), min_value_(min_value), max_value_(max_value) {
  if (divisor == 0) throw Error("AssertionError", "HSigmoid: divisor must not be 0");
}

torch::Tensor HSigmoidImpl::forward(const torch::Tensor& x) {
  return ((x + bias_) / divisor_).clamp_(min_value_, max_value_);
}

}  // namespace mmcpp::mmcv
