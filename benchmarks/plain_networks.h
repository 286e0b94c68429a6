// The bigger classifiers of benchmarks/models written as plain LibTorch
// modules (no mmcpp code): the bare-loop limit the Runner + ImageClassifier
// figures are compared with. Each does the same arithmetic as MMPretrain's
// network of that name (layers, widths, norms, activations, attention), with
// 10 classes and no drop path (the benchmark configs set none):
//   PlainConvNeXt      ConvNeXt-T (depths 3-3-9-3, widths 96-768, channels-last
//                      LayerNorm + Linear pointwise layers, layer scale 1e-6)
//   PlainViT           ViT-B/16 (12 layers, 768 wide, 12 heads, cls token)
//   PlainSwin          Swin-T (depths 2-2-6-2, heads 3-6-12-24, window 7,
//                      shifted windows with masks, relative position bias)
//   PlainEfficientNet  EfficientNet-B0 (MBConv with SE, Swish, BN eps 1e-3;
//                      'same' padding as MMPretrain's Conv2dAdaptivePadding)
#pragma once

#include <torch/torch.h>

namespace bench {

struct PlainConvNeXtImpl : torch::nn::Module {
  PlainConvNeXtImpl();
  torch::Tensor forward(torch::Tensor x);
  torch::nn::ModuleList downsample, stages;
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(PlainConvNeXt);

struct PlainViTImpl : torch::nn::Module {
  PlainViTImpl();
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Conv2d patch{nullptr};
  torch::Tensor cls_token, pos_embed;
  torch::nn::ModuleList layers;
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(PlainViT);

struct PlainSwinImpl : torch::nn::Module {
  PlainSwinImpl();
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Conv2d patch{nullptr};
  torch::nn::LayerNorm patch_norm{nullptr}, norm{nullptr};
  torch::nn::ModuleList stages, merges;
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(PlainSwin);

struct PlainEfficientNetImpl : torch::nn::Module {
  PlainEfficientNetImpl();
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Sequential stem{nullptr}, top{nullptr};
  torch::nn::ModuleList blocks;
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(PlainEfficientNet);

}  // namespace bench
