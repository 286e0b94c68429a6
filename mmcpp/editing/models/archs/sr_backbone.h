// ResidualBlockNoBN (mmagic/models/archs/sr_backbone.py):
// x + conv2(relu(conv1(x))) * res_scale, 3x3 convs with bias. With
// res_scale == 1 the convs get default_init_weights(scale 0.1) (as MSRResNet);
// otherwise PyTorch's default initialisation (as EDSR).
// State dict: conv1.weight/bias, conv2.weight/bias.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

namespace mmcpp::editing {

class ResidualBlockNoBNImpl : public torch::nn::Module {
 public:
  explicit ResidualBlockNoBNImpl(std::int64_t mid_channels = 64, double res_scale = 1.0);
  torch::Tensor forward(const torch::Tensor& x);
  void init_weights();

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};

 private:
  double res_scale_;
};
TORCH_MODULE(ResidualBlockNoBN);

}  // namespace mmcpp::editing
