// mmagic/models/utils/model_utils.py: default_init_weights and make_layer.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>

#include <memory>

namespace mmcpp::editing {

// default_init_weights(module, scale): every Conv2d / Linear below `module`
// (itself included) gets kaiming_init(a=0, mode='fan_in', bias=0) (normal
// distribution, gain for relu) with the weight then multiplied by `scale`;
// every BatchNorm gets weight 1, bias 0.
void default_init_weights(torch::nn::Module& module, double scale = 1.0);

// make_layer(block, num_blocks, **kwargs): num_blocks blocks Block(args...) (a
// TORCH_MODULE holder) in a Sequential, named "0", "1", ... as nn.Sequential.
template <class Block, class... Args>
torch::nn::Sequential make_layer(std::int64_t num_blocks, const Args&... args) {
  torch::nn::Sequential seq;
  for (std::int64_t i = 0; i < num_blocks; ++i) seq->push_back(Block(args...));
  return seq;
}

}  // namespace mmcpp::editing
