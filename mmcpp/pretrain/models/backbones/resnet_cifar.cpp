#include "mmcpp/pretrain/models/backbones/resnet_cifar.h"

#include <torch/nn/modules/activation.h>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/conv.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;

ResNet_CIFARImpl::ResNet_CIFARImpl(ResNetOptions options)
    : ResNetImpl(std::move(options), resnet_arch_settings(), NoStem{}) {
  const auto& o = options_;
  if (o.deep_stem) throw Error("AssertionError", "ResNet_CIFAR do not support deep_stem");
  // _make_stem_layer(in_channels, stem_channels)
  conv1_ = engine::register_layer(
      *this, "conv1",
      mmcv::build_conv_layer(o.conv_cfg, {Value(o.in_channels), Value(o.stem_channels)},
                             {{"kernel_size", Value(3)},
                              {"stride", Value(1)},
                              {"padding", Value(1)},
                              {"bias", Value(false)}}));
  auto [name, norm1] = mmcv::build_norm_layer(o.norm_cfg, o.stem_channels, 1);
  norm1_ = engine::register_layer(*this, name, norm1);
  relu_ = engine::register_layer(
      *this, "relu", engine::Layer(torch::nn::ReLU(torch::nn::ReLUOptions(true)).ptr()));
  build_stages();
}

std::shared_ptr<ResNet_CIFARImpl> ResNet_CIFARImpl::from_config(registry::BuildArgs& args) {
  ResNetOptions o;
  o.depth = args.require_int("depth");
  o.read(args);
  return std::make_shared<ResNet_CIFARImpl>(o);
}

Feats ResNet_CIFARImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = relu_(norm1_(conv1_(input)));
  Feats outs;
  forward_stages(x, outs);
  return outs;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::ResNet_CIFARImpl, "ResNet_CIFAR",
                  "dict(type='ResNet_CIFAR', depth=18)");
