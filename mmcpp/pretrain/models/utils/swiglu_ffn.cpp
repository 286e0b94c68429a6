#include "mmcpp/pretrain/models/utils/swiglu_ffn.h"

#include <torch/nn/modules/linear.h>
#include <torch/torch.h>

#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/pretrain/models/utils/layer_scale.h"
#include "mmcpp/pretrain/models/utils/norm.h"

namespace mmcpp::pretrain {

SwiGLUFFNImpl::SwiGLUFFNImpl(SwiGLUFFNOptions o) : options_(std::move(o)) {
  const auto& op = options_;
  out_dims_ = op.out_dims && *op.out_dims ? *op.out_dims : op.embed_dims;
  std::int64_t hidden = op.feedforward_channels && *op.feedforward_channels
                            ? *op.feedforward_channels
                            : op.embed_dims;
  if (op.fused)
    hidden = (static_cast<std::int64_t>(static_cast<double>(hidden) * 2 / 3) + 7) / 8 * 8;
  w12_ = register_module(
      "w12", torch::nn::Linear(torch::nn::LinearOptions(op.embed_dims, 2 * hidden).bias(op.bias)));
  norm_ = engine::register_layer(*this, "norm",
                                 op.norm_cfg.is_none() ? engine::Layer(torch::nn::Identity().ptr())
                                                       : build_norm_layer(op.norm_cfg, hidden));
  w3_ = register_module(
      "w3", torch::nn::Linear(torch::nn::LinearOptions(hidden, out_dims_).bias(op.bias)));
  gamma2_ = engine::register_layer(
      *this, "gamma2",
      op.layer_scale_init_value > 0
          ? engine::Layer(make_layer_scale(op.embed_dims, op.layer_scale_init_value).ptr())
          : engine::Layer(torch::nn::Identity().ptr()));
  dropout_layer_ = engine::register_layer(*this, "dropout_layer",
                                          (!op.dropout_layer.is_none() && op.dropout_layer.truthy())
                                              ? mmcv::build_dropout(op.dropout_layer)
                                              : engine::Layer(torch::nn::Identity().ptr()));
}

torch::Tensor SwiGLUFFNImpl::forward(const torch::Tensor& x, const torch::Tensor& identity) {
  auto parts = w12_(x).chunk(2, -1);
  torch::Tensor hidden = norm_(torch::silu(parts[0]) * parts[1]);
  torch::Tensor out = dropout_layer_(gamma2_(w3_(hidden)));
  if (out_dims_ != options_.embed_dims || !options_.add_identity) return out;
  return (identity.defined() ? identity : x) + out;
}

}  // namespace mmcpp::pretrain
