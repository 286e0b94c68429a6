#include "mmcpp/editing/models/editors/srcnn/srcnn_net.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

SRCNNNetImpl::SRCNNNetImpl(SRCNNNetOptions o) : o_(std::move(o)) {
  if (o_.channels.size() != 4)
    throw Error("AssertionError", "The length of channel tuple should be 4, but got " +
                                      std::to_string(o_.channels.size()));
  if (o_.kernel_sizes.size() != 3)
    throw Error("AssertionError", "The length of kernel tuple should be 3, but got " +
                                      std::to_string(o_.kernel_sizes.size()));
  auto conv = [&](int i) {
    const auto k = o_.kernel_sizes[i];
    return torch::nn::Conv2d(
        torch::nn::Conv2dOptions(o_.channels[i], o_.channels[i + 1], k).padding(k / 2));
  };
  conv1 = register_module("conv1", conv(0));
  conv2 = register_module("conv2", conv(1));
  conv3 = register_module("conv3", conv(2));
}

std::shared_ptr<SRCNNNetImpl> SRCNNNetImpl::from_config(registry::BuildArgs& args) {
  SRCNNNetOptions o;
  o.channels = args.get_int_list("channels", o.channels);
  o.kernel_sizes = args.get_int_list("kernel_sizes", o.kernel_sizes);
  o.upscale_factor = args.get_int("upscale_factor", o.upscale_factor);
  return std::make_shared<SRCNNNetImpl>(std::move(o));
}

torch::Tensor SRCNNNetImpl::forward(const torch::Tensor& input) {
  const double s = static_cast<double>(o_.upscale_factor);
  torch::Tensor x =
      torch::nn::functional::interpolate(input, torch::nn::functional::InterpolateFuncOptions()
                                                    .scale_factor(std::vector<double>{s, s})
                                                    .mode(torch::kBicubic)
                                                    .align_corners(false));
  torch::Tensor out = torch::relu(conv1->forward(x));
  out = torch::relu(conv2->forward(out));
  return conv3->forward(out);
}

MMCPP_REGISTER_AS(MODELS, SRCNNNetImpl, "SRCNNNet",
                  "dict(type='SRCNNNet', channels=(3, 8, 4, 3), upscale_factor=2)");

}  // namespace mmcpp::editing
