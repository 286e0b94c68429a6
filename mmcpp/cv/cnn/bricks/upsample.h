// build_upsample_layer (mmcv/cnn/bricks/upsample.py).
//
// Registered in MODELS: 'nearest' and 'bilinear' (torch.nn.Upsample(size=None,
// scale_factor=None, mode='nearest', align_corners=None); the builder sets
// mode to the type name), 'pixel_shuffle' (PixelShufflePack below); 'deconv'
// comes from the conv wrappers.
//   engine::Layer up = mmcv::build_upsample_layer(
//       make_dict({{"type", "pixel_shuffle"}, {"scale_factor", 2}, {"upsample_kernel", 3}}),
//       {}, {{"in_channels", 64}, {"out_channels", 64}});
#pragma once

#include <torch/nn/modules/conv.h>

#include <optional>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"

namespace mmcpp::mmcv {

engine::Layer build_upsample_layer(const config::Value& cfg, const Args& args = {},
                                   const Kwargs& kwargs = {});

const std::vector<std::string>& upsample_layer_types();

// torch.nn.Upsample: a scalar scale factor or size applies to every spatial
// dimension of the input.
class UpsampleImpl : public torch::nn::Module,
                     public engine::TensorForward,
                     public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("Upsample", "Module")
  UpsampleImpl(std::vector<std::int64_t> size, std::vector<double> scale_factor, std::string mode,
               std::optional<bool> align_corners);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  std::vector<std::int64_t> size_;
  std::vector<double> scale_factor_;
  std::string mode_;
  std::optional<bool> align_corners_;
};
TORCH_MODULE(Upsample);

// PixelShufflePack(in_channels, out_channels, scale_factor, upsample_kernel):
// `upsample_conv` (Conv2d to out_channels * scale^2, padding (k-1)//2) then
// pixel_shuffle; xavier-uniform init in its init_weights().
class PixelShufflePackImpl : public torch::nn::Module,
                             public engine::TensorForward,
                             public engine::DeclaresPythonClass,
                             public engine::InitWeights {
 public:
  MMCPP_PYTHON_CLASS("PixelShufflePack", "Module")
  PixelShufflePackImpl(std::int64_t in_channels, std::int64_t out_channels,
                       std::int64_t scale_factor, std::int64_t upsample_kernel);
  void init_weights() override;
  torch::Tensor forward(const torch::Tensor& x) override;
  torch::nn::Conv2d upsample_conv{nullptr};

 private:
  std::int64_t scale_factor_;
};
TORCH_MODULE(PixelShufflePack);

}  // namespace mmcpp::mmcv
