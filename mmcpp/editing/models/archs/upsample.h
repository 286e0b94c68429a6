// PixelShufflePack (mmagic/models/archs/upsample.py): a Conv2d to
// out_channels * s * s channels (kernel upsample_kernel, same padding), then
// pixel_shuffle(s). Initialised with default_init_weights(scale 1).
// State dict: upsample_conv.weight, upsample_conv.bias.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

namespace mmcpp::editing {

class PixelShufflePackImpl : public torch::nn::Module {
 public:
  PixelShufflePackImpl(std::int64_t in_channels, std::int64_t out_channels,
                       std::int64_t scale_factor, std::int64_t upsample_kernel);
  torch::Tensor forward(const torch::Tensor& x);
  void init_weights();

  torch::nn::Conv2d upsample_conv{nullptr};

 private:
  std::int64_t scale_factor_;
};
TORCH_MODULE(PixelShufflePack);

}  // namespace mmcpp::editing
