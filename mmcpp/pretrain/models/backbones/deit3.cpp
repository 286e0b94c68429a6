#include "mmcpp/pretrain/models/backbones/deit3.h"

#include <torch/nn/modules/linear.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/engine/model/weight_init.h"
#include "mmcpp/pretrain/models/utils/dict_update.h"
#include "mmcpp/pretrain/models/utils/embed.h"
#include "mmcpp/pretrain/models/utils/norm.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

// ---------------------------------------------------------------- DeiT3TransformerEncoderLayer

DeiT3TransformerEncoderLayerImpl::DeiT3TransformerEncoderLayerImpl(const Value& cfg) {
  registry::BuildArgs a("DeiT3TransformerEncoderLayer", cfg);
  const std::int64_t embed_dims = a.require_int("embed_dims");
  const std::int64_t num_heads = a.require_int("num_heads");
  const std::int64_t feedforward_channels = a.require_int("feedforward_channels");
  const double drop_rate = a.get_float("drop_rate", 0.);
  const double attn_drop_rate = a.get_float("attn_drop_rate", 0.);
  const double drop_path_rate = a.get_float("drop_path_rate", 0.);
  const std::int64_t num_fcs = a.get_int("num_fcs", 2);
  const bool qkv_bias = a.get_bool("qkv_bias", true);
  const bool use_layer_scale = a.get_bool("use_layer_scale", true);
  const Value act_cfg = a.value_or("act_cfg", make_dict({{"type", Value("GELU")}}));
  const Value norm_cfg = a.value_or("norm_cfg", make_dict({{"type", Value("LN")}}));
  set_init_cfg(a.value_or("init_cfg", Value()));
  a.check_all_used();
  const Value drop_path =
      make_dict({{"type", Value("DropPath")}, {"drop_prob", Value(drop_path_rate)}});
  ln1_ = engine::register_layer(*this, "ln1", build_norm_layer(norm_cfg, embed_dims));
  MultiheadAttentionOptions ao;
  ao.embed_dims = embed_dims;
  ao.num_heads = num_heads;
  ao.attn_drop = attn_drop_rate;
  ao.proj_drop = drop_rate;
  ao.dropout_layer = drop_path;
  ao.qkv_bias = qkv_bias;
  ao.use_layer_scale = use_layer_scale;
  attn_ = register_module("attn", MultiheadAttention(ao));
  ln2_ = engine::register_layer(*this, "ln2", build_norm_layer(norm_cfg, embed_dims));
  // DeiT3FFN: MMCV's FFN layout; use_layer_scale gives LayerScale(embed_dims) (1e-5).
  mmcv::FFNOptions fo;
  fo.embed_dims = embed_dims;
  fo.feedforward_channels = feedforward_channels;
  fo.num_fcs = num_fcs;
  fo.ffn_drop = drop_rate;
  fo.dropout_layer = drop_path;
  fo.act_cfg = act_cfg;
  fo.layer_scale_init_value = use_layer_scale ? 1e-5 : 0.;
  ffn_ = register_module("ffn", mmcv::FFN(fo));
}

void DeiT3TransformerEncoderLayerImpl::init_weights() {
  engine::BaseModule::init_weights();
  torch::NoGradGuard no_grad;
  for (const auto& m : ffn_->modules()) {
    if (auto* lin = dynamic_cast<torch::nn::LinearImpl*>(m.get())) {
      torch::nn::init::xavier_uniform_(lin->weight);
      if (lin->bias.defined()) torch::nn::init::normal_(lin->bias, 0, 1e-6);
    }
  }
}

torch::Tensor DeiT3TransformerEncoderLayerImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = input + attn_->forward(ln1_(input));
  return ffn_->forward(ln1_(x), x);  // ln1 again, as MMPretrain does
}

// ---------------------------------------------------------------- DeiT3

const std::map<std::string, ViTArch>& deit3_arch_zoo() {
  static const std::map<std::string, ViTArch> zoo = [] {
    std::map<std::string, ViTArch> z;
    auto add = [&z](std::initializer_list<const char*> names, ViTArch a) {
      for (const char* n : names) z.emplace(n, a);
    };
    add({"s", "small"}, {384, 12, 6, 1536});
    add({"m", "medium"}, {512, 12, 8, 2048});
    add({"b", "base"}, {768, 12, 12, 3072});
    add({"l", "large"}, {1024, 24, 16, 4096});
    add({"h", "huge"}, {1280, 32, 16, 5120});
    return z;
  }();
  return zoo;
}

namespace {

ViTArch resolve_deit3_arch(const Value& arch) {
  if (arch.is_str()) {
    std::string name = arch.as_str();
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    auto it = deit3_arch_zoo().find(name);
    if (it == deit3_arch_zoo().end()) {
      std::string known;
      for (const auto& [k, _] : deit3_arch_zoo()) known += (known.empty() ? "" : ", ") + k;
      throw Error("AssertionError", "Arch " + name + " is not in default archs {" + known + "}");
    }
    return it->second;
  }
  const std::string msg =
      "Custom arch needs a dict with keys {embed_dims, num_layers, num_heads, "
      "feedforward_channels}";
  if (!arch.is_dict()) throw Error("AssertionError", msg);
  std::int64_t v[4];
  const char* keys[] = {"embed_dims", "num_layers", "num_heads", "feedforward_channels"};
  for (int i = 0; i < 4; ++i) {
    const Value* x = arch.as_dict().find(keys[i]);
    if (!x) throw Error("AssertionError", msg);
    v[i] = x->as_int();
  }
  return {v[0], v[1], v[2], v[3]};
}

std::vector<double> linspace64(double stop, std::int64_t n) {
  std::vector<double> v;
  if (n <= 0) return v;
  if (n == 1) return {0.};
  for (std::int64_t i = 0; i < n; ++i)
    v.push_back(static_cast<double>(i) * (stop / static_cast<double>(n - 1)));
  v.back() = stop;
  return v;
}

}  // namespace

DeiT3Impl::DeiT3Impl(registry::BuildArgs& a) : BaseBackboneImpl(a.value_or("init_cfg", Value())) {
  arch_ = resolve_deit3_arch(a.value_or("arch", Value("base")));
  const Value img_size = a.value_or("img_size", Value(224));
  const Value patch_size = a.value_or("patch_size", Value(16));
  const std::int64_t in_channels = a.get_int("in_channels", 3);
  out_indices_ = {-1};
  if (a.has("out_indices")) {
    Value oi = a.value("out_indices");
    out_indices_ = oi.is_int() ? std::vector<std::int64_t>{oi.as_int()}
                               : a.get_int_list("out_indices", out_indices_);
  }
  const double drop_rate = a.get_float("drop_rate", 0.);
  const double drop_path_rate = a.get_float("drop_path_rate", 0.);
  const bool qkv_bias = a.get_bool("qkv_bias", true);
  const Value norm_cfg =
      a.value_or("norm_cfg", make_dict({{"type", Value("LN")}, {"eps", Value(1e-6)}}));
  final_norm_ = a.get_bool("final_norm", true);
  out_type_ = a.get_str("out_type", out_type_);
  const bool with_cls_token = a.get_bool("with_cls_token", true);
  const bool use_layer_scale = a.get_bool("use_layer_scale", true);
  interpolate_mode_ = a.get_str("interpolate_mode", interpolate_mode_);
  const Value patch_cfg = a.value_or("patch_cfg", Value::dict());
  const Value layer_cfgs = a.value_or("layer_cfgs", Value::dict());

  Value patch = make_dict({{"in_channels", Value(in_channels)},
                           {"input_size", img_size},
                           {"embed_dims", Value(arch_.embed_dims)},
                           {"conv_type", Value("Conv2d")},
                           {"kernel_size", patch_size},
                           {"stride", patch_size}});
  patch = dict_updated(patch, patch_cfg, "patch_cfg");
  patch_embed_ =
      register_module("patch_embed", mmcv::PatchEmbed(mmcv::PatchEmbedOptions::from_dict(patch)));
  if (!patch_embed_->init_out_size())
    throw Error("TypeError", "DeiT3: the patch embedding needs an input_size");
  patch_resolution_ = *patch_embed_->init_out_size();
  const std::int64_t num_patches = patch_resolution_.first * patch_resolution_.second;
  if (out_type_ != "raw" && out_type_ != "cls_token" && out_type_ != "featmap" &&
      out_type_ != "avg_featmap")
    throw Error("ValueError", "Unsupported `out_type` " + out_type_ +
                                  ", please choose from {'raw', 'cls_token', 'featmap', "
                                  "'avg_featmap'}");
  if (with_cls_token)
    cls_token = register_parameter("cls_token", torch::zeros({1, 1, arch_.embed_dims}));
  else if (out_type_ != "cls_token")
    num_extra_tokens_ = 0;
  else
    throw Error("ValueError", "with_cls_token must be True when `out_type=\"cls_token\"`.");
  pos_embed = register_parameter("pos_embed", torch::zeros({1, num_patches, arch_.embed_dims}));
  drop_after_pos_ = register_module("drop_after_pos", torch::nn::Dropout(drop_rate));
  for (auto& idx : out_indices_) {
    const std::int64_t given = idx;
    if (idx < 0) idx += arch_.num_layers;
    if (idx < 0 || idx > arch_.num_layers)
      throw Error("AssertionError", "Invalid out_indices " + std::to_string(given));
  }
  const std::vector<double> dpr = linspace64(drop_path_rate, arch_.num_layers);
  layers_ = register_module("layers", engine::ModuleList());
  for (std::int64_t i = 0; i < arch_.num_layers; ++i) {
    Value layer = make_dict({{"embed_dims", Value(arch_.embed_dims)},
                             {"num_heads", Value(arch_.num_heads)},
                             {"feedforward_channels", Value(arch_.feedforward_channels)},
                             {"drop_rate", Value(drop_rate)},
                             {"drop_path_rate", Value(dpr[static_cast<std::size_t>(i)])},
                             {"qkv_bias", Value(qkv_bias)},
                             {"norm_cfg", norm_cfg},
                             {"use_layer_scale", Value(use_layer_scale)}});
    Value extra = layer_cfgs;
    if (layer_cfgs.is_sequence()) {
      if (static_cast<std::int64_t>(layer_cfgs.items().size()) <= i)
        throw Error("IndexError", "DeiT3: layer_cfgs has fewer entries than num_layers");
      extra = layer_cfgs.items()[static_cast<std::size_t>(i)];
    }
    layers_->push_back(std::make_shared<DeiT3TransformerEncoderLayerImpl>(
        dict_updated(layer, extra, "layer_cfgs")));
  }
  if (final_norm_)
    ln1_ = engine::register_layer(*this, "ln1", build_norm_layer(norm_cfg, arch_.embed_dims));
}

std::shared_ptr<DeiT3Impl> DeiT3Impl::from_config(registry::BuildArgs& args) {
  return std::make_shared<DeiT3Impl>(args);
}

void DeiT3Impl::init_weights() {
  BaseBackboneImpl::init_weights();
  const Value& cfg = init_cfg();
  const Value* t = cfg.is_dict() ? cfg.as_dict().find("type") : nullptr;
  if (!(t && t->is_str() && t->as_str() == "Pretrained")) engine::trunc_normal_(pos_embed, 0, 0.02);
}

Feats DeiT3Impl::forward(const torch::Tensor& input) {
  const std::int64_t B = input.size(0);
  auto [x, hw] = patch_embed_->forward(input);
  x = x + resize_pos_embed(pos_embed, patch_resolution_, hw, interpolate_mode_, 0);
  x = drop_after_pos_(x);
  if (cls_token.defined()) x = torch::cat({cls_token.expand({B, -1, -1}), x}, 1);
  Feats outs;
  const auto n = static_cast<std::int64_t>(layers_->size());
  for (std::int64_t i = 0; i < n; ++i) {
    x = layers_->at<DeiT3TransformerEncoderLayerImpl>(static_cast<std::size_t>(i)).forward(x);
    if (i == n - 1 && final_norm_) x = ln1_(x);
    if (std::find(out_indices_.begin(), out_indices_.end(), i) == out_indices_.end()) continue;
    if (out_type_ == "raw") {
      outs.push_back(x);
    } else if (out_type_ == "cls_token") {
      outs.push_back(x.select(1, 0));
    } else {
      torch::Tensor patch_token = x.slice(1, num_extra_tokens_);
      if (out_type_ == "featmap")
        outs.push_back(patch_token.reshape({B, hw.first, hw.second, -1}).permute({0, 3, 1, 2}));
      else
        throw Error("AttributeError", "'DeiT3' object has no attribute 'ln2'");
    }
  }
  return outs;
}

void DeiT3Impl::load_state_dict_pre_hook(engine::StateDict& sd, const std::string& prefix) {
  auto it = std::find_if(sd.begin(), sd.end(),
                         [&](const auto& kv) { return kv.first == prefix + "pos_embed"; });
  if (it == sd.end() || !it->second.is_tensor()) return;
  torch::Tensor ckpt = it->second.as_tensor();
  if (ckpt.dim() != 3 || ckpt.sizes() == pos_embed.sizes()) return;
  std::string from = "torch.Size([", to = "torch.Size([";
  for (std::int64_t d = 0; d < 3; ++d) {
    from += (d ? ", " : "") + std::to_string(ckpt.size(d));
    to += (d ? ", " : "") + std::to_string(pos_embed.size(d));
  }
  print_log("Resize the pos_embed shape from " + from + "]) to " + to + "]).", LogLevel::Info);
  const auto side = static_cast<std::int64_t>(std::sqrt(static_cast<double>(ckpt.size(1))));
  it->second = io::PyObject::tensor(
      resize_pos_embed(ckpt, {side, side}, patch_resolution_, interpolate_mode_, 0));
}

std::pair<std::int64_t, std::int64_t> DeiT3Impl::get_layer_depth(const std::string& param_name,
                                                                 const std::string& prefix) const {
  const std::int64_t num_layers = arch_.num_layers + 2;
  if (param_name.rfind(prefix, 0) != 0) return {num_layers - 1, num_layers};
  const std::string name = param_name.substr(prefix.size());
  if (name == "cls_token" || name == "pos_embed" || name.rfind("patch_embed", 0) == 0)
    return {0, num_layers};
  if (name.rfind("layers", 0) == 0) {
    const std::size_t dot1 = name.find('.');
    const std::size_t dot2 = name.find('.', dot1 + 1);
    return {std::stoll(name.substr(dot1 + 1, dot2 - dot1 - 1)) + 1, num_layers};
  }
  return {num_layers - 1, num_layers};
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::DeiT3Impl, "DeiT3",
                  "dict(type='DeiT3', arch=dict(embed_dims=32, num_layers=2, num_heads=2, "
                  "feedforward_channels=64), img_size=32, patch_size=8)");
