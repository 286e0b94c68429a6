#include "mmcpp/pretrain/models/backbones/riformer.h"

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

// The affine parameter `name` of a norm layer (AttributeError when it has none,
// as Python's `norm.weight` of a norm built with affine=False is None).
torch::Tensor norm_param(const engine::Layer& norm, const std::string& name) {
  for (const auto& p : norm.module().named_parameters(/*recurse=*/false))
    if (p.key() == name) return p.value();
  throw Error("AttributeError", "RIFormerBlock: the norm layer has no parameter '" + name +
                                    "' to fuse the token mixer into");
}

}  // namespace

// ---------------------------------------------------------------- Affine

AffineImpl::AffineImpl(std::int64_t in_features) {
  affine_ = register_module("affine",
                            torch::nn::Conv2d(torch::nn::Conv2dOptions(in_features, in_features, 1)
                                                  .stride(1)
                                                  .padding(0)
                                                  .groups(in_features)
                                                  .bias(true)));
}

torch::Tensor AffineImpl::forward(const torch::Tensor& x) { return affine_->forward(x) - x; }

// ---------------------------------------------------------------- RIFormerBlock

RIFormerBlockOptions::RIFormerBlockOptions() {
  norm_cfg = make_dict({{"type", Value("GN")}, {"num_groups", Value(1)}});
  act_cfg = make_dict({{"type", Value("GELU")}});
}

RIFormerBlockImpl::RIFormerBlockImpl(RIFormerBlockOptions o) : options_(std::move(o)) {
  const auto& op = options_;
  const std::int64_t dim = op.dim;
  // Parameters of the module itself come first in its state dict, as in PyTorch.
  layer_scale_1_ =
      register_parameter("layer_scale_1", op.layer_scale_init_value * torch::ones({dim}));
  layer_scale_2_ =
      register_parameter("layer_scale_2", op.layer_scale_init_value * torch::ones({dim}));
  if (op.deploy) {
    norm_reparam_ = engine::register_layer(*this, "norm_reparam",
                                           mmcv::build_norm_layer(op.norm_cfg, dim).second);
  } else {
    norm1_ =
        engine::register_layer(*this, "norm1", mmcv::build_norm_layer(op.norm_cfg, dim).second);
    token_mixer_ = register_module("token_mixer", Affine(dim));
  }
  norm2_ = engine::register_layer(*this, "norm2", mmcv::build_norm_layer(op.norm_cfg, dim).second);
  const auto hidden = static_cast<std::int64_t>(static_cast<double>(dim) * op.mlp_ratio);
  mlp_ = engine::register_layer(
      *this, "mlp", engine::Layer(PoolFormerMlp(dim, hidden, dim, op.act_cfg, op.drop).ptr()));
  drop_path_ =
      engine::register_layer(*this, "drop_path",
                             op.drop_path > 0. ? engine::Layer(mmcv::DropPath(op.drop_path).ptr())
                                               : engine::Layer(torch::nn::Identity().ptr()));
}

torch::Tensor RIFormerBlockImpl::forward(const torch::Tensor& input) {
  const torch::Tensor mixed =
      norm_reparam_ ? norm_reparam_(input) : token_mixer_->forward(norm1_(input));
  torch::Tensor x = input + drop_path_(layer_scale_1_.unsqueeze(-1).unsqueeze(-1) * mixed);
  return x + drop_path_(layer_scale_2_.unsqueeze(-1).unsqueeze(-1) * mlp_(norm2_(x)));
}

std::pair<torch::Tensor, torch::Tensor> RIFormerBlockImpl::get_equivalent_scale_bias() const {
  if (!norm1_ || !token_mixer_)
    throw Error("AttributeError", "'RIFormerBlock' object has no attribute 'norm1'");
  const auto& affine = token_mixer_->affine();
  torch::Tensor gamma_affn = affine->weight.reshape(-1);
  gamma_affn = gamma_affn - torch::ones_like(gamma_affn);
  const torch::Tensor beta_affn = affine->bias;
  const torch::Tensor gamma_ln = norm_param(norm1_, "weight");
  const torch::Tensor beta_ln = norm_param(norm1_, "bias");
  return {gamma_ln * gamma_affn, beta_ln * gamma_affn + beta_affn};
}

void RIFormerBlockImpl::switch_to_deploy() {
  auto& o = options_;
  if (o.deploy) return;
  torch::NoGradGuard no_grad;
  auto [eq_s, eq_b] = get_equivalent_scale_bias();
  engine::Layer norm = mmcv::build_norm_layer(o.norm_cfg, o.dim).second;
  // Follow the device and dtype of the block, as `.data =` does in Python.
  norm.module().to(eq_s.device(), eq_s.scalar_type());
  norm_param(norm, "weight").set_data(eq_s.detach().clone());
  norm_param(norm, "bias").set_data(eq_b.detach().clone());
  unregister_module("norm1");
  unregister_module("token_mixer");
  norm1_ = engine::Layer();
  token_mixer_ = nullptr;
  // Registered last, as Python's attribute assignment appends it.
  norm_reparam_ = engine::register_layer(*this, "norm_reparam", norm);
  o.deploy = true;
}

// ---------------------------------------------------------------- RIFormer

RIFormerOptions::RIFormerOptions() : arch(poolformer_arch_settings()[0].second) {
  norm_cfg = make_dict({{"type", Value("GN")}, {"num_groups", Value(1)}});
  act_cfg = make_dict({{"type", Value("GELU")}});
}

RIFormerOptions::RIFormerOptions(registry::BuildArgs& a) : RIFormerOptions() {
  if (a.has("arch")) arch = metaformer_arch_from_value(a.value("arch"), "RIFormer");
  in_channels = a.get_int("in_channels", in_channels);
  if (a.has("norm_cfg")) norm_cfg = a.value("norm_cfg");
  if (a.has("act_cfg")) act_cfg = a.value("act_cfg");
  in_patch_size = a.get_int("in_patch_size", in_patch_size);
  in_stride = a.get_int("in_stride", in_stride);
  in_pad = a.get_int("in_pad", in_pad);
  down_patch_size = a.get_int("down_patch_size", down_patch_size);
  down_stride = a.get_int("down_stride", down_stride);
  down_pad = a.get_int("down_pad", down_pad);
  drop_rate = a.get_float("drop_rate", drop_rate);
  drop_path_rate = a.get_float("drop_path_rate", drop_path_rate);
  if (a.has("out_indices"))
    out_indices = metaformer_out_indices(a.value("out_indices"), "RIFormer");
  frozen_stages = a.get_int("frozen_stages", frozen_stages);
  if (a.has("init_cfg")) init_cfg = a.value("init_cfg");
  deploy = a.get_bool("deploy", deploy);
}

RIFormerImpl::RIFormerImpl(RIFormerOptions options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  if (o.arch.embed_dims.empty())
    throw Error("IndexError", "RIFormer: list index out of range (empty embed_dims)");
  patch_embed_ =
      register_module("patch_embed", PoolFormerPatchEmbed(o.in_patch_size, o.in_stride, o.in_pad,
                                                          o.in_channels, o.arch.embed_dims[0]));
  network_ = register_module("network", torch::nn::ModuleList());
  network_layers_ = build_metaformer_network(
      network_, o.arch, {o.down_patch_size, o.down_stride, o.down_pad}, o.drop_path_rate,
      "RIFormer", [&](std::int64_t dim, double mlp_ratio, double drop_path) {
        RIFormerBlockOptions b;
        b.dim = dim;
        b.mlp_ratio = mlp_ratio;
        b.norm_cfg = o.norm_cfg;
        b.act_cfg = o.act_cfg;
        b.drop = o.drop_rate;
        b.drop_path = drop_path;
        b.layer_scale_init_value = o.arch.layer_scale_init_value;
        b.deploy = o.deploy;
        return engine::Layer(RIFormerBlock(b).ptr());
      });
  out_indices_ = metaformer_out_indices(o.out_indices, "RIFormer");
  out_norms_ = register_metaformer_out_norms(*this, o.norm_cfg, o.arch, out_indices_, "RIFormer");
  freeze_stages();
}

std::shared_ptr<RIFormerImpl> RIFormerImpl::from_config(registry::BuildArgs& args) {
  return std::make_shared<RIFormerImpl>(RIFormerOptions(args));
}

Feats RIFormerImpl::forward(const torch::Tensor& x) {
  return metaformer_forward_tokens(network_layers_, out_norms_, patch_embed_->forward(x));
}

void RIFormerImpl::freeze_stages() {
  if (options_.frozen_stages >= 0) freeze(*patch_embed_);
  for (std::int64_t i = 0; i < options_.frozen_stages + 1; ++i) {
    if (static_cast<std::size_t>(i) >= network_layers_.size())
      throw Error("IndexError", "RIFormer: index " + std::to_string(i) +
                                    " is out of range (frozen_stages " +
                                    std::to_string(options_.frozen_stages) + ")");
    freeze(network_layers_[static_cast<std::size_t>(i)].module());
    auto it = out_norms_.find(i);
    if (it != out_norms_.end()) freeze(it->second.module());
  }
}

void RIFormerImpl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
}

void RIFormerImpl::switch_to_deploy() {
  for (const auto& m : modules(/*include_self=*/false))
    if (auto* b = dynamic_cast<RIFormerBlockImpl*>(m.get())) b->switch_to_deploy();
  options_.deploy = true;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::RIFormerImpl, "RIFormer",
                  "dict(type='RIFormer', arch='s12')");
