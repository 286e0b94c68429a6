#include "mmcpp/editing/models/editors/rdn/rdn_net.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

namespace {

torch::nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t k) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).padding(k / 2));
}

}  // namespace

DenseLayerImpl::DenseLayerImpl(std::int64_t in_channels, std::int64_t out_channels) {
  conv = register_module("conv", editing::conv(in_channels, out_channels, 3));
}

torch::Tensor DenseLayerImpl::forward(const torch::Tensor& x) {
  return torch::cat({x, torch::relu(conv->forward(x))}, 1);
}

RDBImpl::RDBImpl(std::int64_t in_channels, std::int64_t channel_growth, std::int64_t num_layers) {
  torch::nn::Sequential seq;
  for (std::int64_t i = 0; i < num_layers; ++i)
    seq->push_back(DenseLayer(in_channels + channel_growth * i, channel_growth));
  layers = register_module("layers", seq);
  lff = register_module("lff", conv(in_channels + channel_growth * num_layers, in_channels, 1));
}

torch::Tensor RDBImpl::forward(const torch::Tensor& x) {
  return x + lff->forward(layers->forward(x));
}

RDNNetImpl::RDNNetImpl(RDNNetOptions o) : o_(std::move(o)) {
  const auto mid = o_.mid_channels;
  sfe1 = register_module("sfe1", conv(o_.in_channels, mid, 3));
  sfe2 = register_module("sfe2", conv(mid, mid, 3));
  torch::nn::ModuleList blocks;
  for (std::int64_t i = 0; i < o_.num_blocks; ++i)
    blocks->push_back(RDB(mid, o_.channel_growth, o_.num_layers));
  rdbs = register_module("rdbs", blocks);
  torch::nn::Sequential g;
  g->push_back(conv(mid * o_.num_blocks, mid, 1));
  g->push_back(conv(mid, mid, 3));
  gff = register_module("gff", g);
  const auto f = o_.upscale_factor;
  if (f < 2 || f > 4)
    throw Error("AssertionError", "RDNNet: 2 <= upscale_factor <= 4, got " + std::to_string(f));
  torch::nn::Sequential up;
  if (f == 2 || f == 4) {
    for (std::int64_t i = 0; i < f / 2; ++i) {
      up->push_back(conv(mid, mid * 4, 3));
      up->push_back(torch::nn::PixelShuffle(2));
    }
  } else {
    up->push_back(conv(mid, mid * f * f, 3));
    up->push_back(torch::nn::PixelShuffle(f));
  }
  upscale = register_module("upscale", up);
  output = register_module("output", conv(mid, o_.out_channels, 3));
}

std::shared_ptr<RDNNetImpl> RDNNetImpl::from_config(registry::BuildArgs& args) {
  RDNNetOptions o;
  o.in_channels = args.require_int("in_channels");
  o.out_channels = args.require_int("out_channels");
  o.mid_channels = args.get_int("mid_channels", o.mid_channels);
  o.num_blocks = args.get_int("num_blocks", o.num_blocks);
  o.upscale_factor = args.get_int("upscale_factor", o.upscale_factor);
  o.num_layers = args.get_int("num_layers", o.num_layers);
  o.channel_growth = args.get_int("channel_growth", o.channel_growth);
  return std::make_shared<RDNNetImpl>(std::move(o));
}

torch::Tensor RDNNetImpl::forward(const torch::Tensor& x) {
  torch::Tensor s1 = sfe1->forward(x);
  torch::Tensor h = sfe2->forward(s1);
  std::vector<torch::Tensor> local;
  local.reserve(rdbs->size());
  for (const auto& block : *rdbs) {
    h = block->as<RDBImpl>()->forward(h);
    local.push_back(h);
  }
  h = gff->forward(torch::cat(local, 1)) + s1;
  h = upscale->forward(h);
  return output->forward(h);
}

MMCPP_REGISTER_AS(
    MODELS, RDNNetImpl, "RDNNet",
    "dict(type='RDNNet', in_channels=3, out_channels=3, mid_channels=8, num_blocks=2, "
    "num_layers=2, channel_growth=4, upscale_factor=2)");

}  // namespace mmcpp::editing
