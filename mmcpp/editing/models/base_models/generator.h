// The interface BaseEditModel calls its generator through (MMagic calls
// `self.generator(inputs)`): an image-to-image network, (N, C, H, W) in and
// out. EDSRNet, SRCNNNet and RDNNet implement it; any MODELS entry used as a
// `generator` must.
#pragma once

#include <torch/nn/module.h>

namespace mmcpp::editing {

class Generator : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  // BaseModule.init_weights (the runner calls the model's before training).
  virtual void init_weights() {}
};

}  // namespace mmcpp::editing
