#include "mmcpp/pretrain/models/utils/embed.h"

#include <torch/nn/functional/upsampling.h>
#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/norm.h"

namespace mmcpp::pretrain {

torch::Tensor resize_pos_embed(const torch::Tensor& pos_embed, Size2 src_shape, Size2 dst_shape,
                               const std::string& mode, std::int64_t num_extra_tokens) {
  if (src_shape == dst_shape) return pos_embed;
  if (pos_embed.dim() != 3) throw Error("AssertionError", "shape of pos_embed must be [1, L, C]");
  const std::int64_t L = pos_embed.size(1), C = pos_embed.size(2);
  if (L != src_shape.first * src_shape.second + num_extra_tokens)
    throw Error("AssertionError",
                "The length of `pos_embed` (" + std::to_string(L) +
                    ") doesn't match the expected shape (" + std::to_string(src_shape.first) + "*" +
                    std::to_string(src_shape.second) + "+" + std::to_string(num_extra_tokens) +
                    "). Please check the`img_size` argument.");
  torch::Tensor extra = pos_embed.slice(1, 0, num_extra_tokens);
  torch::Tensor src = pos_embed.slice(1, num_extra_tokens)
                          .reshape({1, src_shape.first, src_shape.second, C})
                          .permute({0, 3, 1, 2});
  namespace F = torch::nn::functional;
  F::InterpolateFuncOptions opts;
  opts.size(std::vector<std::int64_t>{dst_shape.first, dst_shape.second});
  if (mode == "bicubic")
    opts.mode(torch::kBicubic).align_corners(false);
  else if (mode == "bilinear")
    opts.mode(torch::kBilinear).align_corners(false);
  else if (mode == "nearest" || mode == "area" || mode == "nearest-exact")
    // F.interpolate refuses align_corners for these modes.
    throw Error("ValueError",
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear");
  else
    throw Error("NotImplementedError", "resize_pos_embed: interpolation mode '" + mode +
                                           "' is not supported for 2-D position embeddings");
  torch::Tensor dst = F::interpolate(src.to(torch::kFloat), opts);
  dst = torch::flatten(dst, 2).transpose(1, 2).to(src.scalar_type());
  return torch::cat({extra, dst}, 1);
}

PatchMergingOptions PatchMergingOptions::from_dict(const config::Value& cfg) {
  registry::BuildArgs args("PatchMerging", cfg);
  PatchMergingOptions o;
  static_cast<mmcv::PatchMergingOptions&>(o) = mmcv::PatchMergingOptions::read(args);
  o.use_post_norm = args.get_bool("use_post_norm", false);
  args.check_all_used();
  return o;
}

PatchMergingImpl::PatchMergingImpl(PatchMergingOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  kernel_ = to_2tuple(op.kernel_size, "PatchMerging kernel_size");
  stride_ = (op.stride.is_none() || !op.stride.truthy())
                ? kernel_
                : to_2tuple(op.stride, "PatchMerging stride");
  dilation_ = to_2tuple(op.dilation, "PatchMerging dilation");
  padding_ = {0, 0};
  if (op.padding.is_str())
    adaptive_padding_ =
        register_module("adaptive_padding",
                        mmcv::AdaptivePadding(kernel_, stride_, dilation_, op.padding.as_str()));
  else
    padding_ = to_2tuple(op.padding, "PatchMerging padding");
  sampler_ = register_module(
      "sampler", torch::nn::Unfold(torch::nn::UnfoldOptions({kernel_.first, kernel_.second})
                                       .dilation({dilation_.first, dilation_.second})
                                       .padding({padding_.first, padding_.second})
                                       .stride({stride_.first, stride_.second})));
  const std::int64_t sample_dim = kernel_.first * kernel_.second * op.in_channels;
  reduction_ = register_module(
      "reduction",
      torch::nn::Linear(torch::nn::LinearOptions(sample_dim, op.out_channels).bias(op.bias)));
  if (!op.norm_cfg.is_none())
    norm_ = engine::register_layer(
        *this, "norm",
        mmcv::build_norm_layer(op.norm_cfg, op.use_post_norm ? op.out_channels : sample_dim)
            .second);
}

std::pair<torch::Tensor, Size2> PatchMergingImpl::forward(const torch::Tensor& input,
                                                          Size2 input_size) {
  const std::int64_t B = input.size(0), L = input.size(1), C = input.size(2);
  auto [H, W] = input_size;
  if (L != H * W) throw Error("AssertionError", "PatchMerging: input feature has wrong size");
  torch::Tensor x = input.view({B, H, W, C}).permute({0, 3, 1, 2});
  if (adaptive_padding_) {
    x = adaptive_padding_->forward(x);
    H = x.size(-2);
    W = x.size(-1);
  }
  x = sampler_(x);
  const std::int64_t out_h =
      (H + 2 * padding_.first - dilation_.first * (kernel_.first - 1) - 1) / stride_.first + 1;
  const std::int64_t out_w =
      (W + 2 * padding_.second - dilation_.second * (kernel_.second - 1) - 1) / stride_.second + 1;
  x = x.transpose(1, 2);
  if (options_.use_post_norm) {
    x = reduction_(x);
    if (norm_) x = norm_(x);
  } else {
    if (norm_) x = norm_(x);
    x = reduction_(x);
  }
  return {x, {out_h, out_w}};
}

}  // namespace mmcpp::pretrain
