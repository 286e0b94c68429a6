// EDSRNet (mmagic/models/editors/edsr/edsr_net.py), "Enhanced Deep Residual
// Networks for Single Image Super-Resolution".
//
// EDSRNet(in_channels, out_channels, mid_channels=64, num_blocks=16,
//         upscale_factor=4, res_scale=1, rgb_mean=[0.4488, 0.4371, 0.4040],
//         rgb_std=[1.0, 1.0, 1.0])
// forward: x = (x - mean) / std; x = conv_first(x);
//          res = conv_after_body(body(x)) + x;  (body: ResidualBlockNoBN x N)
//          x = conv_last(upsample(res)) * std + mean
// upsample: PixelShufflePack(x2) per factor 2 for 2^n, one x3 for 3; other
// factors are a ValueError. rgb_mean/rgb_std are plain tensors, not buffers:
// they are not in the state dict (keys as MMagic: conv_first.*, body.<i>.conv1.*,
// conv_after_body.*, upsample.<i>.upsample_conv.*, conv_last.*).
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

#include <memory>
#include <vector>

#include "mmcpp/editing/models/base_models/generator.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::editing {

struct EDSRNetOptions {
  std::int64_t in_channels = 3;
  std::int64_t out_channels = 3;
  std::int64_t mid_channels = 64;
  std::int64_t num_blocks = 16;
  std::int64_t upscale_factor = 4;
  double res_scale = 1.0;
  std::vector<double> rgb_mean = {0.4488, 0.4371, 0.4040};
  std::vector<double> rgb_std = {1.0, 1.0, 1.0};
};

class EDSRNetImpl : public Generator {
 public:
  explicit EDSRNetImpl(EDSRNetOptions o);
  // Example: dict(type='EDSRNet', in_channels=3, out_channels=3, mid_channels=8, num_blocks=1,
  // upscale_factor=2)
  static std::shared_ptr<EDSRNetImpl> from_config(registry::BuildArgs& args);
  torch::Tensor forward(const torch::Tensor& x) override;
  const EDSRNetOptions& options() const { return o_; }

  torch::nn::Conv2d conv_first{nullptr}, conv_after_body{nullptr}, conv_last{nullptr};
  torch::nn::Sequential body{nullptr}, upsample{nullptr};

 private:
  EDSRNetOptions o_;
  torch::Tensor mean_, std_;  // (1, C, 1, 1), not registered
};
TORCH_MODULE(EDSRNet);

}  // namespace mmcpp::editing
