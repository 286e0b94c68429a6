// RDNNet (mmagic/models/editors/rdn/rdn_net.py), "Residual Dense Network for
// Image Super-Resolution".
//
// RDNNet(in_channels, out_channels, mid_channels=64, num_blocks=16,
//        upscale_factor=4, num_layers=8, channel_growth=64):
// sfe1 -> sfe2 -> RDB x num_blocks (each: dense layers concatenating
// relu(conv3x3) outputs, lff 1x1, local residual) -> gff(cat of the block
// outputs) + sfe1 -> upscale (conv + PixelShuffle(2) once or twice for x2/x4,
// PixelShuffle(3) for x3) -> output conv. upscale_factor must be 2..4.
// State dict as MMagic: sfe1.*, sfe2.*, rdbs.<i>.layers.<j>.conv.*,
// rdbs.<i>.lff.*, gff.0.*, gff.1.*, upscale.<k>.*, output.*.
#pragma once

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

#include <memory>

#include "mmcpp/editing/models/base_models/generator.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::editing {

class DenseLayerImpl : public torch::nn::Module {
 public:
  DenseLayerImpl(std::int64_t in_channels, std::int64_t out_channels);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(DenseLayer);

class RDBImpl : public torch::nn::Module {
 public:
  RDBImpl(std::int64_t in_channels, std::int64_t channel_growth, std::int64_t num_layers);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Sequential layers{nullptr};
  torch::nn::Conv2d lff{nullptr};
};
TORCH_MODULE(RDB);

struct RDNNetOptions {
  std::int64_t in_channels = 3;
  std::int64_t out_channels = 3;
  std::int64_t mid_channels = 64;
  std::int64_t num_blocks = 16;
  std::int64_t upscale_factor = 4;
  std::int64_t num_layers = 8;
  std::int64_t channel_growth = 64;
};

class RDNNetImpl : public Generator {
 public:
  explicit RDNNetImpl(RDNNetOptions o);
  // Example: dict(type='RDNNet', in_channels=3, out_channels=3, mid_channels=8, num_blocks=2,
  // num_layers=2, channel_growth=4, upscale_factor=2)
  static std::shared_ptr<RDNNetImpl> from_config(registry::BuildArgs& args);
  torch::Tensor forward(const torch::Tensor& x) override;

  torch::nn::Conv2d sfe1{nullptr}, sfe2{nullptr}, output{nullptr};
  torch::nn::ModuleList rdbs{nullptr};
  torch::nn::Sequential gff{nullptr}, upscale{nullptr};

 private:
  RDNNetOptions o_;
};
TORCH_MODULE(RDNNet);

}  // namespace mmcpp::editing
