// Conv + BN fusion of the re-parameterisable blocks (RepVGGBlock's and
// MobileOneBlock's `_fuse_conv_bn`): the kernel and bias of one conv (no bias)
// followed by a BatchNorm2d in eval mode (its running statistics).
#pragma once

#include <torch/torch.h>

#include <utility>

namespace mmcpp::pretrain {

// (gamma / std) * kernel and beta - running_mean * gamma / std, with
// std = sqrt(running_var + eps). AssertionError when `norm` is no BatchNorm2d
// ("Switch is not allowed when norm_cfg['type'] != 'BN'.").
std::pair<torch::Tensor, torch::Tensor> fuse_conv_bn(const torch::Tensor& conv_weight,
                                                     torch::nn::Module& norm);

// The kernel of an identity conv: out_channels == in_channels, in_channels /
// groups input channels, kernel_size x kernel_size, 1 at the centre of channel
// i % (in_channels / groups) (MMPretrain's `_norm_to_conv`).
torch::Tensor identity_kernel(std::int64_t in_channels, std::int64_t groups,
                              std::int64_t kernel_size, const torch::TensorOptions& options);

}  // namespace mmcpp::pretrain
