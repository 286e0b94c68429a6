#include "mmcpp/pretrain/models/backbones/poolformer.h"

#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/torch.h>

#include <algorithm>
#include <numeric>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/activation.h"
#include "mmcpp/cv/cnn/bricks/conv.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

Value gn1_cfg() { return make_dict({{"type", Value("GN")}, {"num_groups", Value(1)}}); }
Value gelu_cfg() { return make_dict({{"type", Value("GELU")}}); }

engine::Layer conv2d(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                     std::int64_t padding) {
  return mmcv::build_conv_layer(
      Value(), {Value(in), Value(out)},
      {{"kernel_size", Value(kernel)}, {"stride", Value(stride)}, {"padding", Value(padding)}});
}

std::vector<std::int64_t> int_items(const Value& v, const std::string& what,
                                    const std::string& component) {
  if (!v.is_sequence())
    throw Error("TypeError",
                component + ": the \"" + what + "\" of arch should be a sequence, got " + v.repr());
  std::vector<std::int64_t> out;
  for (const auto& x : v.items()) out.push_back(x.as_int());
  return out;
}

}  // namespace

// ---------------------------------------------------------------- parts

PoolFormerPatchEmbedImpl::PoolFormerPatchEmbedImpl(std::int64_t patch_size, std::int64_t stride,
                                                   std::int64_t padding, std::int64_t in_chans,
                                                   std::int64_t embed_dim) {
  proj_ = engine::register_layer(*this, "proj",
                                 conv2d(in_chans, embed_dim, patch_size, stride, padding));
  norm_ = engine::register_layer(*this, "norm", engine::Layer(torch::nn::Identity().ptr()));
}

torch::Tensor PoolFormerPatchEmbedImpl::forward(const torch::Tensor& x) { return norm_(proj_(x)); }

PoolingImpl::PoolingImpl(std::int64_t pool_size) {
  pool_ = engine::register_layer(
      *this, "pool",
      engine::Layer(torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(pool_size)
                                             .stride(1)
                                             .padding(pool_size / 2)
                                             .count_include_pad(false))
                        .ptr()));
}

torch::Tensor PoolingImpl::forward(const torch::Tensor& x) { return pool_(x) - x; }

PoolFormerMlpImpl::PoolFormerMlpImpl(std::int64_t in_features, std::int64_t hidden_features,
                                     std::int64_t out_features, const Value& act_cfg, double drop) {
  // Python's `x or in_features`: 0 (or None, passed as 0) means in_features.
  if (out_features <= 0) out_features = in_features;
  if (hidden_features <= 0) hidden_features = in_features;
  fc1_ = engine::register_layer(*this, "fc1", conv2d(in_features, hidden_features, 1, 1, 0));
  act_ = engine::register_layer(*this, "act", mmcv::build_activation_layer(act_cfg));
  fc2_ = engine::register_layer(*this, "fc2", conv2d(hidden_features, out_features, 1, 1, 0));
  drop_ = engine::register_layer(*this, "drop", engine::Layer(torch::nn::Dropout(drop).ptr()));
}

torch::Tensor PoolFormerMlpImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = drop_(act_(fc1_(input)));
  return drop_(fc2_(x));
}

// ---------------------------------------------------------------- PoolFormerBlock

PoolFormerBlockOptions::PoolFormerBlockOptions() : norm_cfg(gn1_cfg()), act_cfg(gelu_cfg()) {}

PoolFormerBlockImpl::PoolFormerBlockImpl(PoolFormerBlockOptions o) : options_(std::move(o)) {
  const auto& op = options_;
  const std::int64_t dim = op.dim;
  // Parameters of the module itself come first in its state dict, as in PyTorch.
  layer_scale_1_ =
      register_parameter("layer_scale_1", op.layer_scale_init_value * torch::ones({dim}));
  layer_scale_2_ =
      register_parameter("layer_scale_2", op.layer_scale_init_value * torch::ones({dim}));
  norm1_ = engine::register_layer(*this, "norm1", mmcv::build_norm_layer(op.norm_cfg, dim).second);
  token_mixer_ =
      engine::register_layer(*this, "token_mixer", engine::Layer(Pooling(op.pool_size).ptr()));
  norm2_ = engine::register_layer(*this, "norm2", mmcv::build_norm_layer(op.norm_cfg, dim).second);
  const auto hidden = static_cast<std::int64_t>(static_cast<double>(dim) * op.mlp_ratio);
  mlp_ = engine::register_layer(
      *this, "mlp", engine::Layer(PoolFormerMlp(dim, hidden, dim, op.act_cfg, op.drop).ptr()));
  drop_path_ =
      engine::register_layer(*this, "drop_path",
                             op.drop_path > 0. ? engine::Layer(mmcv::DropPath(op.drop_path).ptr())
                                               : engine::Layer(torch::nn::Identity().ptr()));
}

torch::Tensor PoolFormerBlockImpl::forward(const torch::Tensor& input) {
  torch::Tensor x =
      input + drop_path_(layer_scale_1_.unsqueeze(-1).unsqueeze(-1) * token_mixer_(norm1_(input)));
  return x + drop_path_(layer_scale_2_.unsqueeze(-1).unsqueeze(-1) * mlp_(norm2_(x)));
}

// ---------------------------------------------------------------- shared by PoolFormer / RIFormer

const std::vector<std::pair<std::string, MetaFormerArch>>& poolformer_arch_settings() {
  static const std::vector<std::pair<std::string, MetaFormerArch>> arch = {
      {"s12", {{2, 2, 6, 2}, {64, 128, 320, 512}, {4, 4, 4, 4}, 1e-5}},
      {"s24", {{4, 4, 12, 4}, {64, 128, 320, 512}, {4, 4, 4, 4}, 1e-5}},
      {"s36", {{6, 6, 18, 6}, {64, 128, 320, 512}, {4, 4, 4, 4}, 1e-6}},
      {"m36", {{6, 6, 18, 6}, {96, 192, 384, 768}, {4, 4, 4, 4}, 1e-6}},
      {"m48", {{8, 8, 24, 8}, {96, 192, 384, 768}, {4, 4, 4, 4}, 1e-6}}};
  return arch;
}

MetaFormerArch metaformer_arch_from_value(const Value& av, const std::string& component) {
  if (av.is_str()) {
    const auto& table = poolformer_arch_settings();
    auto it = std::find_if(table.begin(), table.end(),
                           [&](const auto& e) { return e.first == av.as_str(); });
    if (it == table.end()) {
      std::string names;
      for (const auto& e : table) names += (names.empty() ? "'" : ", '") + e.first + "'";
      throw Error("AssertionError", component + ": Unavailable arch '" + av.as_str() +
                                        "', please choose from ({" + names + "}) or pass a dict.");
    }
    return it->second;
  }
  if (!av.is_dict())
    throw Error("TypeError", component + ": arch must be a str or a dict, got " + av.repr());
  const auto& d = av.as_dict();
  if (!d.contains("layers") || !d.contains("embed_dims")) {
    std::string keys;
    for (const auto& [k, v] : d.entries()) keys += (keys.empty() ? "'" : ", '") + k.str() + "'";
    throw Error("AssertionError", component +
                                      ": The arch dict must have \"layers\" and \"embed_dims\", "
                                      "but got [" +
                                      keys + "].");
  }
  MetaFormerArch arch;
  arch.layers = int_items(*d.find("layers"), "layers", component);
  arch.embed_dims = int_items(*d.find("embed_dims"), "embed_dims", component);
  if (const Value* m = d.find("mlp_ratios")) {
    if (!m->is_sequence())
      throw Error(
          "TypeError",
          component + ": the \"mlp_ratios\" of arch should be a sequence, got " + m->repr());
    arch.mlp_ratios.clear();
    for (const auto& x : m->items()) arch.mlp_ratios.push_back(x.as_number());
  }
  if (const Value* l = d.find("layer_scale_init_value"))
    arch.layer_scale_init_value = l->as_number();
  return arch;
}

std::vector<std::int64_t> metaformer_out_indices(const Value& v, const std::string& component) {
  std::vector<std::int64_t> raw;
  if (v.is_int()) {
    raw = {v.as_int()};
  } else if (v.is_sequence()) {
    for (const auto& x : v.items()) raw.push_back(x.as_int());
  } else {
    throw Error("AssertionError", component + ": \"out_indices\" must by a sequence or int, get " +
                                      v.type_name() + " instead.");
  }
  return metaformer_out_indices(raw, component);
}

std::vector<std::int64_t> metaformer_out_indices(std::vector<std::int64_t> out_indices,
                                                 const std::string& component) {
  for (auto& i : out_indices) {
    if (i < 0) {
      const std::int64_t index = i;
      i = 7 + index;
      if (i < 0)
        throw Error("AssertionError", component + ": Invalid out_indices " + std::to_string(index));
    }
  }
  return out_indices;
}

double metaformer_block_drop_path(const MetaFormerArch& arch, std::size_t index,
                                  std::int64_t block_idx, double drop_path_rate,
                                  const std::string& component) {
  const std::int64_t total =
      std::accumulate(arch.layers.begin(), arch.layers.end(), std::int64_t{0});
  const std::int64_t before =
      std::accumulate(arch.layers.begin(), arch.layers.begin() + static_cast<std::ptrdiff_t>(index),
                      std::int64_t{0});
  if (total - 1 == 0)
    throw Error("ZeroDivisionError",
                component + ": float division by zero (the arch has a single block)");
  return drop_path_rate * static_cast<double>(block_idx + before) / static_cast<double>(total - 1);
}

std::vector<engine::Layer> build_metaformer_network(
    torch::nn::ModuleList& network, const MetaFormerArch& arch, const MetaFormerDownsample& down,
    double drop_path_rate, const std::string& component,
    const std::function<engine::Layer(std::int64_t, double, double)>& make_block) {
  const std::size_t n = arch.layers.size();
  if (arch.embed_dims.size() < n || arch.mlp_ratios.size() < n)
    throw Error("IndexError", component +
                                  ": list index out of range (the arch's embed_dims and "
                                  "mlp_ratios need one entry per stage of layers)");
  std::vector<engine::Layer> layers;
  for (std::size_t i = 0; i < n; ++i) {
    auto stage = engine::LayerSequential();
    for (std::int64_t b = 0; b < arch.layers[i]; ++b)
      stage->push_back(
          make_block(arch.embed_dims[i], arch.mlp_ratios[i],
                     metaformer_block_drop_path(arch, i, b, drop_path_rate, component)));
    network->push_back(stage.ptr());
    layers.emplace_back(stage.ptr());
    if (i + 1 >= n) break;
    if (arch.embed_dims[i] != arch.embed_dims[i + 1]) {
      auto embed = PoolFormerPatchEmbed(down.patch_size, down.stride, down.padding,
                                        arch.embed_dims[i], arch.embed_dims[i + 1]);
      network->push_back(embed.ptr());
      layers.emplace_back(embed.ptr());
    }
  }
  return layers;
}

std::map<std::int64_t, engine::Layer> register_metaformer_out_norms(
    torch::nn::Module& owner, const Value& norm_cfg, const MetaFormerArch& arch,
    const std::vector<std::int64_t>& out_indices, const std::string& component) {
  std::map<std::int64_t, engine::Layer> norms;
  for (std::int64_t i : out_indices) {
    const auto dim_index = static_cast<std::size_t>((i + 1) / 2);
    if (dim_index >= arch.embed_dims.size())
      throw Error("IndexError", component + ": list index out of range (out index " +
                                    std::to_string(i) + " has no embed_dims entry)");
    engine::Layer norm = mmcv::build_norm_layer(norm_cfg, arch.embed_dims[dim_index]).second;
    const std::string name = "norm" + std::to_string(i);
    // A repeated index replaces the module in place, as Python's add_module does.
    if (norms.count(i))
      owner.replace_module(name, norm.ptr());
    else
      owner.register_module(name, norm.ptr());
    norms[i] = norm;
  }
  return norms;
}

Feats metaformer_forward_tokens(const std::vector<engine::Layer>& network,
                                const std::map<std::int64_t, engine::Layer>& out_norms,
                                torch::Tensor x) {
  Feats outs;
  for (std::size_t idx = 0; idx < network.size(); ++idx) {
    x = network[idx](x);
    auto it = out_norms.find(static_cast<std::int64_t>(idx));
    if (it != out_norms.end()) outs.push_back(it->second(x));
  }
  return outs;
}

// ---------------------------------------------------------------- PoolFormer

PoolFormerOptions::PoolFormerOptions()
    : arch(poolformer_arch_settings()[0].second), norm_cfg(gn1_cfg()), act_cfg(gelu_cfg()) {}

PoolFormerOptions::PoolFormerOptions(registry::BuildArgs& a) : PoolFormerOptions() {
  if (a.has("arch")) arch = metaformer_arch_from_value(a.value("arch"), "PoolFormer");
  pool_size = a.get_int("pool_size", pool_size);
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
    out_indices = metaformer_out_indices(a.value("out_indices"), "PoolFormer");
  frozen_stages = a.get_int("frozen_stages", frozen_stages);
  if (a.has("init_cfg")) init_cfg = a.value("init_cfg");
}

PoolFormerImpl::PoolFormerImpl(PoolFormerOptions options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  if (o.arch.embed_dims.empty())
    throw Error("IndexError", "PoolFormer: list index out of range (empty embed_dims)");
  patch_embed_ = register_module(
      "patch_embed",
      PoolFormerPatchEmbed(o.in_patch_size, o.in_stride, o.in_pad, 3, o.arch.embed_dims[0]));
  network_ = register_module("network", torch::nn::ModuleList());
  network_layers_ = build_metaformer_network(
      network_, o.arch, {o.down_patch_size, o.down_stride, o.down_pad}, o.drop_path_rate,
      "PoolFormer", [&](std::int64_t dim, double mlp_ratio, double drop_path) {
        PoolFormerBlockOptions b;
        b.dim = dim;
        b.pool_size = o.pool_size;
        b.mlp_ratio = mlp_ratio;
        b.norm_cfg = o.norm_cfg;
        b.act_cfg = o.act_cfg;
        b.drop = o.drop_rate;
        b.drop_path = drop_path;
        b.layer_scale_init_value = o.arch.layer_scale_init_value;
        return engine::Layer(PoolFormerBlock(b).ptr());
      });
  out_indices_ = metaformer_out_indices(o.out_indices, "PoolFormer");
  out_norms_ = register_metaformer_out_norms(*this, o.norm_cfg, o.arch, out_indices_, "PoolFormer");
  freeze_stages();
}

std::shared_ptr<PoolFormerImpl> PoolFormerImpl::from_config(registry::BuildArgs& args) {
  return std::make_shared<PoolFormerImpl>(PoolFormerOptions(args));
}

Feats PoolFormerImpl::forward(const torch::Tensor& x) {
  return metaformer_forward_tokens(network_layers_, out_norms_, patch_embed_->forward(x));
}

void PoolFormerImpl::freeze_stages() {
  if (options_.frozen_stages >= 0) freeze(*patch_embed_);
  for (std::int64_t i = 0; i < options_.frozen_stages; ++i) {
    if (static_cast<std::size_t>(i) >= network_layers_.size())
      throw Error("IndexError", "PoolFormer: index " + std::to_string(i) +
                                    " is out of range (frozen_stages " +
                                    std::to_string(options_.frozen_stages) + ")");
    freeze(network_layers_[static_cast<std::size_t>(i)].module());
    auto it = out_norms_.find(i);
    if (it != out_norms_.end()) freeze(it->second.module());
  }
}

void PoolFormerImpl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::PoolFormerImpl, "PoolFormer",
                  "dict(type='PoolFormer', arch='s12')");
