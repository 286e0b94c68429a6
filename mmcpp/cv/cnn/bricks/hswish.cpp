#include "mmcpp/cv/cnn/bricks/hswish.h"

namespace mmcpp::mmcv {

torch::Tensor HSwishImpl::forward(const torch::Tensor& x) {
  if (inplace_) {
    torch::Tensor y = x;
    return torch::hardswish_(y);
  }
  return torch::hardswish(x);
}

}  // namespace mmcpp::mmcv
