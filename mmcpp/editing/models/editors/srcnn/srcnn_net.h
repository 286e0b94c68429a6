// SRCNNNet (mmagic/models/editors/srcnn/srcnn_net.py), "Learning a Deep
// Convolutional Network for Image Super-Resolution".
//
// SRCNNNet(channels=(3, 64, 32, 3), kernel_sizes=(9, 1, 5), upscale_factor=4):
// bicubic upsampling (nn.Upsample, align_corners=False) by upscale_factor, then
// relu(conv1) -> relu(conv2) -> conv3 with same padding (k // 2).
// State dict: conv1.*, conv2.*, conv3.*.
#pragma once

#include <torch/nn/modules/conv.h>

#include <memory>
#include <vector>

#include "mmcpp/editing/models/base_models/generator.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::editing {

struct SRCNNNetOptions {
  std::vector<std::int64_t> channels = {3, 64, 32, 3};
  std::vector<std::int64_t> kernel_sizes = {9, 1, 5};
  std::int64_t upscale_factor = 4;
};

class SRCNNNetImpl : public Generator {
 public:
  explicit SRCNNNetImpl(SRCNNNetOptions o);
  // Example: dict(type='SRCNNNet', channels=(3, 8, 4, 3), upscale_factor=2)
  static std::shared_ptr<SRCNNNetImpl> from_config(registry::BuildArgs& args);
  torch::Tensor forward(const torch::Tensor& x) override;

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};

 private:
  SRCNNNetOptions o_;
};
TORCH_MODULE(SRCNNNet);

}  // namespace mmcpp::editing
