#include "mmcpp/pretrain/models/backbones/vision_transformer.h"

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
#include "mmcpp/pretrain/models/utils/helpers.h"
#include "mmcpp/pretrain/models/utils/norm.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

// np.linspace(0, stop, n) as float64.

bool is_pretrained_init(const Value& init_cfg) {
  if (!init_cfg.is_dict()) return false;
  const Value* t = init_cfg.as_dict().find("type");
  return t && t->is_str() && t->as_str() == "Pretrained";
}

}  // namespace

// ---------------------------------------------------------------- TransformerEncoderLayer

TransformerEncoderLayerOptions::TransformerEncoderLayerOptions() {
  act_cfg = make_dict({{"type", Value("GELU")}});
  norm_cfg = make_dict({{"type", Value("LN")}});
}

TransformerEncoderLayerOptions TransformerEncoderLayerOptions::read(registry::BuildArgs& a) {
  TransformerEncoderLayerOptions o;
  o.embed_dims = a.require_int("embed_dims");
  o.num_heads = a.require_int("num_heads");
  o.feedforward_channels = a.require_int("feedforward_channels");
  o.layer_scale_init_value = a.get_float("layer_scale_init_value", o.layer_scale_init_value);
  o.drop_rate = a.get_float("drop_rate", o.drop_rate);
  o.attn_drop_rate = a.get_float("attn_drop_rate", o.attn_drop_rate);
  o.drop_path_rate = a.get_float("drop_path_rate", o.drop_path_rate);
  o.num_fcs = a.get_int("num_fcs", o.num_fcs);
  o.qkv_bias = a.get_bool("qkv_bias", o.qkv_bias);
  o.ffn_type = a.get_str("ffn_type", o.ffn_type);
  o.act_cfg = a.value_or("act_cfg", o.act_cfg);
  o.norm_cfg = a.value_or("norm_cfg", o.norm_cfg);
  o.init_cfg = a.value_or("init_cfg", o.init_cfg);
  return o;
}

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(TransformerEncoderLayerOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  const Value drop_path =
      make_dict({{"type", Value("DropPath")}, {"drop_prob", Value(op.drop_path_rate)}});
  ln1_ = engine::register_layer(*this, "ln1", build_norm_layer(op.norm_cfg, op.embed_dims));
  MultiheadAttentionOptions ao;
  ao.embed_dims = op.embed_dims;
  ao.num_heads = op.num_heads;
  ao.attn_drop = op.attn_drop_rate;
  ao.proj_drop = op.drop_rate;
  ao.dropout_layer = drop_path;
  ao.qkv_bias = op.qkv_bias;
  ao.layer_scale_init_value = op.layer_scale_init_value;
  attn_ = register_module("attn", MultiheadAttention(ao));
  ln2_ = engine::register_layer(*this, "ln2", build_norm_layer(op.norm_cfg, op.embed_dims));
  if (op.ffn_type == "origin") {
    mmcv::FFNOptions fo;
    fo.embed_dims = op.embed_dims;
    fo.feedforward_channels = op.feedforward_channels;
    fo.num_fcs = op.num_fcs;
    fo.ffn_drop = op.drop_rate;
    fo.dropout_layer = drop_path;
    fo.act_cfg = op.act_cfg;
    fo.layer_scale_init_value = op.layer_scale_init_value;
    ffn_ = register_module("ffn", mmcv::FFN(fo));
  } else if (op.ffn_type == "swiglu_fused") {
    SwiGLUFFNOptions so;
    so.embed_dims = op.embed_dims;
    so.feedforward_channels = op.feedforward_channels;
    so.layer_scale_init_value = op.layer_scale_init_value;
    so.fused = true;
    swiglu_ = register_module("ffn", SwiGLUFFN(so));
  } else {
    throw Error("NotImplementedError",
                "TransformerEncoderLayer: unknown ffn_type '" + op.ffn_type + "'");
  }
}

void TransformerEncoderLayerImpl::init_weights() {
  engine::BaseModule::init_weights();
  torch::NoGradGuard no_grad;
  torch::nn::Module& ffn = ffn_ ? static_cast<torch::nn::Module&>(*ffn_) : *swiglu_;
  for (const auto& m : ffn.modules()) {
    if (auto* lin = dynamic_cast<torch::nn::LinearImpl*>(m.get())) {
      torch::nn::init::xavier_uniform_(lin->weight);
      if (lin->bias.defined()) torch::nn::init::normal_(lin->bias, 0, 1e-6);
    }
  }
}

torch::Tensor TransformerEncoderLayerImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = input + attn_->forward(ln1_(input));
  return ffn_ ? ffn_->forward(ln2_(x), x) : swiglu_->forward(ln2_(x), x);
}

// ---------------------------------------------------------------- VisionTransformer

const std::map<std::string, ViTArch>& vit_arch_zoo() {
  static const std::map<std::string, ViTArch> zoo = [] {
    std::map<std::string, ViTArch> z;
    auto add = [&z](std::initializer_list<const char*> names, ViTArch a) {
      for (const char* n : names) z.emplace(n, a);
    };
    add({"s", "small"}, {768, 8, 8, 768 * 3});
    add({"b", "base"}, {768, 12, 12, 3072});
    add({"l", "large"}, {1024, 24, 16, 4096});
    add({"h", "huge"}, {1280, 32, 16, 5120});
    add({"eva-g", "eva-giant"}, {1408, 40, 16, 6144});
    add({"deit-t", "deit-tiny"}, {192, 12, 3, 192 * 4});
    add({"deit-s", "deit-small", "dinov2-s", "dinov2-small"}, {384, 12, 6, 384 * 4});
    add({"deit-b", "deit-base"}, {768, 12, 12, 768 * 4});
    add({"dinov2-g", "dinov2-giant"}, {1536, 40, 24, 6144});
    return z;
  }();
  return zoo;
}

VisionTransformerOptions::VisionTransformerOptions() {
  norm_cfg = make_dict({{"type", Value("LN")}, {"eps", Value(1e-6)}});
  patch_cfg = Value::dict();
  layer_cfgs = Value::dict();
}

void VisionTransformerOptions::read(registry::BuildArgs& a) {
  arch = a.value_or("arch", arch);
  img_size = a.value_or("img_size", img_size);
  patch_size = a.value_or("patch_size", patch_size);
  in_channels = a.get_int("in_channels", in_channels);
  if (a.has("out_indices")) {
    Value oi = a.value("out_indices");
    out_indices = oi.is_int() ? std::vector<std::int64_t>{oi.as_int()}
                              : a.get_int_list("out_indices", out_indices);
  }
  drop_rate = a.get_float("drop_rate", drop_rate);
  drop_path_rate = a.get_float("drop_path_rate", drop_path_rate);
  qkv_bias = a.get_bool("qkv_bias", qkv_bias);
  norm_cfg = a.value_or("norm_cfg", norm_cfg);
  final_norm = a.get_bool("final_norm", final_norm);
  out_type = a.get_str("out_type", out_type);
  with_cls_token = a.get_bool("with_cls_token", with_cls_token);
  frozen_stages = a.get_int("frozen_stages", frozen_stages);
  interpolate_mode = a.get_str("interpolate_mode", interpolate_mode);
  layer_scale_init_value = a.get_float("layer_scale_init_value", layer_scale_init_value);
  patch_cfg = a.value_or("patch_cfg", patch_cfg);
  layer_cfgs = a.value_or("layer_cfgs", layer_cfgs);
  pre_norm = a.get_bool("pre_norm", pre_norm);
  init_cfg = a.value_or("init_cfg", init_cfg);
}

namespace {

ViTArch resolve_arch(const Value& arch) {
  if (arch.is_str()) {
    std::string name = arch.as_str();
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    auto it = vit_arch_zoo().find(name);
    if (it == vit_arch_zoo().end()) {
      std::string known;
      for (const auto& [k, _] : vit_arch_zoo()) known += (known.empty() ? "" : ", ") + k;
      throw Error("AssertionError", "Arch " + name + " is not in default archs {" + known + "}");
    }
    return it->second;
  }
  const char* keys[] = {"embed_dims", "num_layers", "num_heads", "feedforward_channels"};
  if (!arch.is_dict())
    throw Error("AssertionError",
                "Custom arch needs a dict with keys {embed_dims, num_layers, num_heads, "
                "feedforward_channels}");
  std::int64_t v[4];
  for (int i = 0; i < 4; ++i) {
    const Value* x = arch.as_dict().find(keys[i]);
    if (!x)
      throw Error("AssertionError",
                  "Custom arch needs a dict with keys {embed_dims, num_layers, num_heads, "
                  "feedforward_channels}");
    v[i] = x->as_int();
  }
  return {v[0], v[1], v[2], v[3]};
}

}  // namespace

VisionTransformerImpl::VisionTransformerImpl(VisionTransformerOptions options)
    : VisionTransformerImpl(std::move(options), 1) {}

VisionTransformerImpl::VisionTransformerImpl(VisionTransformerOptions o,
                                             std::int64_t num_extra_tokens, bool build_layers)
    : BaseBackboneImpl(o.init_cfg), options_(std::move(o)), num_extra_tokens_(num_extra_tokens) {
  const auto& op = options_;
  arch_ = resolve_arch(op.arch);
  // Patch embedding.
  Value patch = make_dict({{"in_channels", Value(op.in_channels)},
                           {"input_size", op.img_size},
                           {"embed_dims", Value(arch_.embed_dims)},
                           {"conv_type", Value("Conv2d")},
                           {"kernel_size", op.patch_size},
                           {"stride", op.patch_size},
                           {"bias", Value(!op.pre_norm)}});
  patch = dict_updated(patch, op.patch_cfg, "patch_cfg");
  patch_embed_ =
      register_module("patch_embed", mmcv::PatchEmbed(mmcv::PatchEmbedOptions::from_dict(patch)));
  if (!patch_embed_->init_out_size())
    throw Error("TypeError", "VisionTransformer: the patch embedding needs an input_size");
  patch_resolution_ = *patch_embed_->init_out_size();
  const std::int64_t num_patches = patch_resolution_.first * patch_resolution_.second;

  static const char* kOutTypes = "{'raw', 'cls_token', 'featmap', 'avg_featmap'}";
  if (op.out_type != "raw" && op.out_type != "cls_token" && op.out_type != "featmap" &&
      op.out_type != "avg_featmap")
    throw Error("ValueError",
                "Unsupported `out_type` " + op.out_type + ", please choose from " + kOutTypes);
  if (op.with_cls_token) {
    cls_token = register_parameter("cls_token", torch::zeros({1, 1, arch_.embed_dims}));
  } else if (op.out_type != "cls_token") {
    num_extra_tokens_ = 0;
  } else {
    throw Error("ValueError", "with_cls_token must be True when `out_type=\"cls_token\"`.");
  }
  pos_embed = register_parameter(
      "pos_embed", torch::zeros({1, num_patches + num_extra_tokens_, arch_.embed_dims}));
  drop_after_pos_ = register_module("drop_after_pos", torch::nn::Dropout(op.drop_rate));

  out_indices_ = op.out_indices;
  for (auto& idx : out_indices_) {
    const std::int64_t given = idx;
    if (idx < 0) idx += arch_.num_layers;
    if (idx < 0 || idx > arch_.num_layers)
      throw Error("AssertionError", "Invalid out_indices " + std::to_string(given));
  }

  const std::vector<double> dpr = linspace(op.drop_path_rate, arch_.num_layers);
  layers_ = register_module("layers", engine::ModuleList());
  for (std::int64_t i = 0; build_layers && i < arch_.num_layers; ++i) {
    Value layer = make_dict({{"embed_dims", Value(arch_.embed_dims)},
                             {"num_heads", Value(arch_.num_heads)},
                             {"feedforward_channels", Value(arch_.feedforward_channels)},
                             {"layer_scale_init_value", Value(op.layer_scale_init_value)},
                             {"drop_rate", Value(op.drop_rate)},
                             {"drop_path_rate", Value(dpr[static_cast<std::size_t>(i)])},
                             {"qkv_bias", Value(op.qkv_bias)},
                             {"norm_cfg", op.norm_cfg}});
    Value extra = op.layer_cfgs;
    if (op.layer_cfgs.is_sequence()) {
      if (static_cast<std::int64_t>(op.layer_cfgs.items().size()) <= i)
        throw Error("IndexError", "VisionTransformer: layer_cfgs has fewer entries (" +
                                      std::to_string(op.layer_cfgs.items().size()) +
                                      ") than num_layers (" + std::to_string(arch_.num_layers) +
                                      ")");
      extra = op.layer_cfgs.items()[static_cast<std::size_t>(i)];
    }
    layer = dict_updated(layer, extra, "layer_cfgs");
    registry::BuildArgs args("TransformerEncoderLayer", layer);
    auto lo = TransformerEncoderLayerOptions::read(args);
    args.check_all_used();
    layers_->push_back(std::make_shared<TransformerEncoderLayerImpl>(lo));
  }
  pre_norm_ = engine::register_layer(*this, "pre_norm",
                                     op.pre_norm ? build_norm_layer(op.norm_cfg, arch_.embed_dims)
                                                 : engine::Layer(torch::nn::Identity().ptr()));
  if (op.final_norm)
    ln1_ = engine::register_layer(*this, "ln1", build_norm_layer(op.norm_cfg, arch_.embed_dims));
  if (op.out_type == "avg_featmap")
    ln2_ = engine::register_layer(*this, "ln2", build_norm_layer(op.norm_cfg, arch_.embed_dims));
  if (build_layers && op.frozen_stages > 0) freeze_stages();
}

std::shared_ptr<VisionTransformerImpl> VisionTransformerImpl::from_config(
    registry::BuildArgs& args) {
  VisionTransformerOptions o;
  o.read(args);
  return std::make_shared<VisionTransformerImpl>(o);
}

void VisionTransformerImpl::init_weights() {
  BaseBackboneImpl::init_weights();
  if (!is_pretrained_init(init_cfg()) && pos_embed.defined())
    engine::trunc_normal_(pos_embed, 0, 0.02);
}

void VisionTransformerImpl::freeze_stages() {
  auto no_grad = [](torch::nn::Module& m) {
    for (auto& p : m.parameters()) p.set_requires_grad(false);
  };
  if (pos_embed.defined()) pos_embed.set_requires_grad(false);
  drop_after_pos_->eval();
  patch_embed_->eval();
  no_grad(*patch_embed_);
  no_grad(pre_norm_.module());
  if (cls_token.defined()) cls_token.set_requires_grad(false);
  for (std::int64_t i = 1; i <= options_.frozen_stages; ++i) {
    if (i > static_cast<std::int64_t>(layers_->size()))
      throw Error("IndexError", "VisionTransformer: frozen_stages " +
                                    std::to_string(options_.frozen_stages) +
                                    " is larger than the number of layers");
    auto& m = *(*layers_)[static_cast<std::size_t>(i - 1)];
    m.eval();
    no_grad(m);
  }
  if (options_.frozen_stages == static_cast<std::int64_t>(layers_->size())) {
    if (options_.final_norm) {
      ln1_.module().eval();
      no_grad(ln1_.module());
    }
    if (options_.out_type == "avg_featmap") {
      ln2_.module().eval();
      no_grad(ln2_.module());
    }
  }
}

void VisionTransformerImpl::load_state_dict_pre_hook(engine::StateDict& state_dict,
                                                     const std::string& prefix) {
  const std::string name = prefix + "pos_embed";
  auto it = std::find_if(state_dict.begin(), state_dict.end(),
                         [&](const auto& kv) { return kv.first == name; });
  if (it == state_dict.end() || !it->second.is_tensor()) return;
  torch::Tensor ckpt = it->second.as_tensor();
  if (ckpt.dim() != 3) return;  // left to the size-mismatch report
  if (!options_.with_cls_token && ckpt.size(1) == pos_embed.size(1) + 1) {
    ckpt = ckpt.slice(1, 1);  // drop the cls token's row
    it->second = io::PyObject::tensor(ckpt);
  }
  if (ckpt.sizes() == pos_embed.sizes()) return;
  print_log("Resize the pos_embed shape from " + torch_size(ckpt.sizes()) + " to " +
                torch_size(pos_embed.sizes()) + ".",
            LogLevel::Info);
  const auto side =
      static_cast<std::int64_t>(std::sqrt(static_cast<double>(ckpt.size(1) - num_extra_tokens_)));
  it->second = io::PyObject::tensor(resize_pos_embed(ckpt, {side, side}, patch_resolution_,
                                                     options_.interpolate_mode, num_extra_tokens_));
}

torch::Tensor VisionTransformerImpl::embed(const torch::Tensor& input,
                                           const std::vector<torch::Tensor>& extra,
                                           mmcv::Size2& hw) {
  const std::int64_t B = input.size(0);
  auto [x, resolution] = patch_embed_->forward(input);
  hw = resolution;
  std::vector<torch::Tensor> parts;
  if (cls_token.defined()) parts.push_back(cls_token.expand({B, -1, -1}));
  for (const auto& t : extra) parts.push_back(t.expand({B, -1, -1}));
  if (!parts.empty()) {
    parts.push_back(x);
    x = torch::cat(parts, 1);
  }
  x = x + resize_pos_embed(pos_embed, patch_resolution_, hw, options_.interpolate_mode,
                           num_extra_tokens_);
  return drop_after_pos_(x);
}

Feats VisionTransformerImpl::run_layers(torch::Tensor x, mmcv::Size2 hw) {
  Feats outs;
  const auto n = static_cast<std::int64_t>(layers_->size());
  for (std::int64_t i = 0; i < n; ++i) {
    x = layers_->at<TransformerEncoderLayerImpl>(static_cast<std::size_t>(i)).forward(x);
    if (i == n - 1 && options_.final_norm) x = ln1_(x);
    if (std::find(out_indices_.begin(), out_indices_.end(), i) != out_indices_.end())
      outs.push_back(format_output(x, hw));
  }
  return outs;
}

Feats VisionTransformerImpl::forward(const torch::Tensor& input) {
  mmcv::Size2 hw;
  torch::Tensor x = embed(input, {}, hw);
  x = pre_norm_(x);
  return run_layers(x, hw);
}

torch::Tensor VisionTransformerImpl::format_output(const torch::Tensor& x, mmcv::Size2 hw) {
  const std::string& t = options_.out_type;
  if (t == "raw") return x;
  if (t == "cls_token") return x.select(1, 0);
  torch::Tensor patch_token = x.slice(1, num_extra_tokens_);
  if (t == "featmap")
    return patch_token.reshape({x.size(0), hw.first, hw.second, -1}).permute({0, 3, 1, 2});
  return ln2_(patch_token.mean(1));  // avg_featmap
}

std::pair<std::int64_t, std::int64_t> VisionTransformerImpl::get_layer_depth(
    const std::string& param_name, const std::string& prefix) const {
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

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::VisionTransformerImpl,
                  "VisionTransformer",
                  "dict(type='VisionTransformer', arch=dict(embed_dims=32, num_layers=2, "
                  "num_heads=2, feedforward_channels=64), img_size=32, patch_size=8)");
