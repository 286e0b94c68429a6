#include "mmcpp/cv/cnn/bricks/conv2d_adaptive_padding.h"

#include <torch/nn/functional/conv.h>
#include <torch/nn/functional/padding.h>

#include <algorithm>

#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::mmcv {

using config::Value;
using registry::BuildArgs;

Conv2dAdaptivePaddingImpl::Conv2dAdaptivePaddingImpl(torch::nn::Conv2dOptions options)
    : torch::nn::Conv2dImpl(options.padding(0)) {}

torch::Tensor Conv2dAdaptivePaddingImpl::forward(const torch::Tensor& input) {
  const std::int64_t img_h = input.size(-2), img_w = input.size(-1);
  const std::int64_t kh = weight.size(-2), kw = weight.size(-1);
  const auto& s = *options.stride();
  const auto& d = *options.dilation();
  auto ceil_div = [](std::int64_t a, std::int64_t b) { return (a + b - 1) / b; };
  const std::int64_t out_h = ceil_div(img_h, s[0]), out_w = ceil_div(img_w, s[1]);
  const std::int64_t pad_h =
      std::max<std::int64_t>((out_h - 1) * s[0] + (kh - 1) * d[0] + 1 - img_h, 0);
  const std::int64_t pad_w =
      std::max<std::int64_t>((out_w - 1) * s[1] + (kw - 1) * d[1] + 1 - img_w, 0);
  torch::Tensor x = input;
  if (pad_h > 0 || pad_w > 0)
    x = torch::constant_pad_nd(x, {pad_w / 2, pad_w - pad_w / 2, pad_h / 2, pad_h - pad_h / 2}, 0);
  return torch::conv2d(x, weight, bias, at::IntArrayRef(s), at::IntArrayRef({0, 0}),
                       at::IntArrayRef(d), options.groups());
}

namespace {

torch::ExpandingArray<2> pair_of(const Value& v, BuildArgs& a, const std::string& key) {
  auto ints = to_ints(v, 2, a, key);
  return torch::ExpandingArray<2>({ints[0], ints[1]});
}

const bool kRegistered = [] {
  registry::MODELS().add_factory(
      "Conv2dAdaptivePadding",
      [](BuildArgs& a) -> std::shared_ptr<torch::nn::Module> {
        std::int64_t in = to_int(positional_or_key(a, 0, "in_channels"), a, "in_channels");
        std::int64_t out = to_int(positional_or_key(a, 1, "out_channels"), a, "out_channels");
        torch::nn::Conv2dOptions o(
            in, out, pair_of(positional_or_key(a, 2, "kernel_size"), a, "kernel_size"));
        o.stride(pair_of(positional_or_key(a, 3, "stride", Value(1)), a, "stride"));
        pair_of(positional_or_key(a, 4, "padding", Value(0)), a, "padding");  // ignored
        o.dilation(pair_of(positional_or_key(a, 5, "dilation", Value(1)), a, "dilation"));
        o.groups(to_int(positional_or_key(a, 6, "groups", Value(1)), a, "groups"));
        o.bias(to_bool(positional_or_key(a, 7, "bias", Value(true)), a, "bias"));
        check_positional_count(a, 8);
        return std::make_shared<Conv2dAdaptivePaddingImpl>(o);
      },
      "dict(type='Conv2dAdaptivePadding', in_channels=3, out_channels=8, kernel_size=3, "
      "stride=2)",
      __FILE__);
  return true;
}();

}  // namespace
}  // namespace mmcpp::mmcv
