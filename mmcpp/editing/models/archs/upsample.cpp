#include "mmcpp/editing/models/archs/upsample.h"

#include <torch/torch.h>

#include "mmcpp/editing/models/utils/model_utils.h"

namespace mmcpp::editing {

PixelShufflePackImpl::PixelShufflePackImpl(std::int64_t in_channels, std::int64_t out_channels,
                                           std::int64_t scale_factor, std::int64_t upsample_kernel)
    : scale_factor_(scale_factor) {
  upsample_conv =
      register_module("upsample_conv",
                      torch::nn::Conv2d(torch::nn::Conv2dOptions(
                                            in_channels, out_channels * scale_factor * scale_factor,
                                            upsample_kernel)
                                            .padding((upsample_kernel - 1) / 2)));
  init_weights();
}

void PixelShufflePackImpl::init_weights() { default_init_weights(*this, 1.0); }

torch::Tensor PixelShufflePackImpl::forward(const torch::Tensor& x) {
  return torch::pixel_shuffle(upsample_conv->forward(x), scale_factor_);
}

}  // namespace mmcpp::editing
