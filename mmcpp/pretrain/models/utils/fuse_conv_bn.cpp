#include "mmcpp/pretrain/models/utils/fuse_conv_bn.h"

#include "mmcpp/core/error.h"

namespace mmcpp::pretrain {

std::pair<torch::Tensor, torch::Tensor> fuse_conv_bn(const torch::Tensor& conv_weight,
                                                     torch::nn::Module& norm) {
  auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(&norm);
  if (!bn) throw Error("AssertionError", "Switch is not allowed when norm_cfg['type'] != 'BN'.");
  torch::Tensor std = (bn->running_var + bn->options.eps()).sqrt();
  torch::Tensor w = (bn->weight / std).reshape({-1, 1, 1, 1}) * conv_weight;
  torch::Tensor b = bn->bias - bn->running_mean * bn->weight / std;
  return {w, b};
}

torch::Tensor identity_kernel(std::int64_t in_channels, std::int64_t groups,
                              std::int64_t kernel_size, const torch::TensorOptions& options) {
  const std::int64_t input_dim = in_channels / groups;
  torch::Tensor id = torch::zeros({in_channels, input_dim, kernel_size, kernel_size},
                                  options.requires_grad(false));
  const std::int64_t c = kernel_size / 2;
  for (std::int64_t i = 0; i < in_channels; ++i) id[i][i % input_dim][c][c] = 1;
  return id;
}

}  // namespace mmcpp::pretrain
