#include "mmcpp/editing/models/archs/sr_backbone.h"

#include <torch/torch.h>

#include "mmcpp/editing/models/utils/model_utils.h"

namespace mmcpp::editing {

ResidualBlockNoBNImpl::ResidualBlockNoBNImpl(std::int64_t mid_channels, double res_scale)
    : res_scale_(res_scale) {
  auto opts =
      torch::nn::Conv2dOptions(mid_channels, mid_channels, 3).stride(1).padding(1).bias(true);
  conv1 = register_module("conv1", torch::nn::Conv2d(opts));
  conv2 = register_module("conv2", torch::nn::Conv2d(opts));
  if (res_scale_ == 1.0) init_weights();
}

void ResidualBlockNoBNImpl::init_weights() {
  default_init_weights(*conv1, 0.1);
  default_init_weights(*conv2, 0.1);
}

torch::Tensor ResidualBlockNoBNImpl::forward(const torch::Tensor& x) {
  torch::Tensor out = conv2->forward(torch::relu(conv1->forward(x)));
  // identity + out * res_scale (Python multiplies even when res_scale is 1).
  return x + out * res_scale_;
}

}  // namespace mmcpp::editing
