#include "mmcpp/editing/models/editors/edsr/edsr_net.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/editing/models/archs/sr_backbone.h"
#include "mmcpp/editing/models/archs/upsample.h"
#include "mmcpp/editing/models/utils/model_utils.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

EDSRNetImpl::EDSRNetImpl(EDSRNetOptions o) : o_(std::move(o)) {
  const auto f = o_.upscale_factor;
  // Checked first: nothing is built for an unsupported factor.
  const bool pow2 = f > 0 && (f & (f - 1)) == 0;
  if (!pow2 && f != 3)
    throw Error("ValueError",
                "scale " + std::to_string(f) + " is not supported. Supported scales: 2^n and 3.");
  mean_ =
      torch::tensor(std::vector<float>(o_.rgb_mean.begin(), o_.rgb_mean.end())).view({1, -1, 1, 1});
  std_ =
      torch::tensor(std::vector<float>(o_.rgb_std.begin(), o_.rgb_std.end())).view({1, -1, 1, 1});
  const auto mid = o_.mid_channels;
  conv_first = register_module(
      "conv_first", torch::nn::Conv2d(torch::nn::Conv2dOptions(o_.in_channels, mid, 3).padding(1)));
  body = register_module("body", make_layer<ResidualBlockNoBN>(o_.num_blocks, mid, o_.res_scale));
  conv_after_body = register_module(
      "conv_after_body",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(mid, mid, 3).stride(1).padding(1)));
  torch::nn::Sequential up;
  if (pow2) {
    for (std::int64_t s = f; s > 1; s /= 2) up->push_back(PixelShufflePack(mid, mid, 2, 3));
  } else {
    up->push_back(PixelShufflePack(mid, mid, 3, 3));
  }
  upsample = register_module("upsample", up);
  conv_last = register_module(
      "conv_last",
      torch::nn::Conv2d(
          torch::nn::Conv2dOptions(mid, o_.out_channels, 3).stride(1).padding(1).bias(true)));
}

std::shared_ptr<EDSRNetImpl> EDSRNetImpl::from_config(registry::BuildArgs& args) {
  EDSRNetOptions o;
  o.in_channels = args.require_int("in_channels");
  o.out_channels = args.require_int("out_channels");
  o.mid_channels = args.get_int("mid_channels", o.mid_channels);
  o.num_blocks = args.get_int("num_blocks", o.num_blocks);
  o.upscale_factor = args.get_int("upscale_factor", o.upscale_factor);
  o.res_scale = args.get_float("res_scale", o.res_scale);
  o.rgb_mean = args.get_float_list("rgb_mean", o.rgb_mean);
  o.rgb_std = args.get_float_list("rgb_std", o.rgb_std);
  return std::make_shared<EDSRNetImpl>(std::move(o));
}

torch::Tensor EDSRNetImpl::forward(const torch::Tensor& input) {
  torch::Tensor mean = mean_.to(input.device(), input.scalar_type());
  torch::Tensor std = std_.to(input.device(), input.scalar_type());
  torch::Tensor x = (input - mean) / std;
  x = conv_first->forward(x);
  torch::Tensor res = conv_after_body->forward(body->forward(x));
  res = res + x;
  x = conv_last->forward(upsample->forward(res));
  return x * std + mean;
}

MMCPP_REGISTER_AS(MODELS, EDSRNetImpl, "EDSRNet",
                  "dict(type='EDSRNet', in_channels=3, out_channels=3, mid_channels=8, "
                  "num_blocks=1, upscale_factor=2)");

}  // namespace mmcpp::editing
