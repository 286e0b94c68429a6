#include "mmcpp/pretrain/models/backbones/beit.h"

#include <torch/nn/modules/linear.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
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

Value window_value(const std::optional<std::pair<std::int64_t, std::int64_t>>& w) {
  if (!w) return Value();
  return Value::tuple({Value(w->first), Value(w->second)});
}

}  // namespace

// ---------------------------------------------------------------- RelativePositionBias

RelativePositionBiasImpl::RelativePositionBiasImpl(std::pair<std::int64_t, std::int64_t> window,
                                                   std::int64_t num_heads, bool with_cls_token)
    : window_size_(window) {
  const auto [wh, ww] = window;
  const std::int64_t extra = with_cls_token ? 3 : 0;
  relative_position_bias_table =
      register_parameter("relative_position_bias_table",
                         torch::zeros({(2 * wh - 1) * (2 * ww - 1) + extra, num_heads}));
  relative_position_index = register_buffer("relative_position_index",
                                            beit_relative_position_index(wh, ww, with_cls_token));
}

torch::Tensor RelativePositionBiasImpl::forward() {
  const std::int64_t n = window_size_.first * window_size_.second + 1;
  return relative_position_bias_table.index_select(0, relative_position_index.view(-1))
      .view({n, n, -1})
      .permute({2, 0, 1})
      .contiguous();
}

// ---------------------------------------------------------------- BEiTTransformerEncoderLayer

BEiTTransformerEncoderLayerOptions::BEiTTransformerEncoderLayerOptions() {
  act_cfg = make_dict({{"type", Value("GELU")}});
  norm_cfg = make_dict({{"type", Value("LN")}});
  attn_cfg = Value::dict();
  ffn_cfg = make_dict({{"add_identity", Value(false)}});
}

BEiTTransformerEncoderLayerOptions BEiTTransformerEncoderLayerOptions::read(
    registry::BuildArgs& a) {
  BEiTTransformerEncoderLayerOptions o;
  o.embed_dims = a.require_int("embed_dims");
  o.num_heads = a.require_int("num_heads");
  o.feedforward_channels = a.require_int("feedforward_channels");
  o.layer_scale_init_value = a.require("layer_scale_init_value").as_number();
  Value ws = a.require("window_size");
  if (!ws.is_none()) {
    if (!ws.is_sequence() || ws.items().size() != 2)
      throw Error("AssertionError", "BEiTTransformerEncoderLayer: window_size must be (Wh, Ww)");
    o.window_size = std::make_pair(ws.items()[0].as_int(), ws.items()[1].as_int());
  }
  o.use_rel_pos_bias = a.require("use_rel_pos_bias").truthy();
  o.drop_rate = a.get_float("drop_rate", o.drop_rate);
  o.attn_drop_rate = a.get_float("attn_drop_rate", o.attn_drop_rate);
  o.drop_path_rate = a.get_float("drop_path_rate", o.drop_path_rate);
  o.num_fcs = a.get_int("num_fcs", o.num_fcs);
  o.bias = a.value_or("bias", o.bias);
  o.act_cfg = a.value_or("act_cfg", o.act_cfg);
  o.norm_cfg = a.value_or("norm_cfg", o.norm_cfg);
  o.attn_cfg = a.value_or("attn_cfg", o.attn_cfg);
  o.ffn_cfg = a.value_or("ffn_cfg", o.ffn_cfg);
  o.init_cfg = a.value_or("init_cfg", o.init_cfg);
  return o;
}

BEiTTransformerEncoderLayerImpl::BEiTTransformerEncoderLayerImpl(
    BEiTTransformerEncoderLayerOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  const Value drop_path =
      make_dict({{"type", Value("DropPath")}, {"drop_prob", Value(op.drop_path_rate)}});
  // TransformerEncoderLayer's ln1, attn, ln2, ffn (attn and ffn replaced in place).
  ln1_ = engine::register_layer(*this, "ln1", build_norm_layer(op.norm_cfg, op.embed_dims));
  Value attn = make_dict({{"window_size", window_value(op.window_size)},
                          {"use_rel_pos_bias", Value(op.use_rel_pos_bias)},
                          {"qk_scale", Value()},
                          {"embed_dims", Value(op.embed_dims)},
                          {"num_heads", Value(op.num_heads)},
                          {"attn_drop", Value(op.attn_drop_rate)},
                          {"proj_drop", Value(op.drop_rate)},
                          {"bias", op.bias}});
  attn = dict_updated(attn, op.attn_cfg, "attn_cfg");
  attn_ = register_module("attn", BEiTAttention(BEiTAttentionOptions::from_dict(attn)));
  ln2_ = engine::register_layer(*this, "ln2", build_norm_layer(op.norm_cfg, op.embed_dims));
  Value ffn = make_dict({{"embed_dims", Value(op.embed_dims)},
                         {"feedforward_channels", Value(op.feedforward_channels)},
                         {"num_fcs", Value(op.num_fcs)},
                         {"ffn_drop", Value(op.drop_rate)},
                         {"dropout_layer", drop_path},
                         {"act_cfg", op.act_cfg}});
  ffn = dict_updated(ffn, op.ffn_cfg, "ffn_cfg");
  ffn_ = register_module("ffn", mmcv::FFN(mmcv::FFNOptions::from_dict(ffn)));
  drop_path_ = engine::register_layer(*this, "drop_path", mmcv::build_dropout(drop_path));
  if (op.layer_scale_init_value > 0) {
    gamma_1 =
        register_parameter("gamma_1", torch::full({op.embed_dims}, op.layer_scale_init_value));
    gamma_2 =
        register_parameter("gamma_2", torch::full({op.embed_dims}, op.layer_scale_init_value));
  }
}

void BEiTTransformerEncoderLayerImpl::init_weights() {
  engine::BaseModule::init_weights();
  torch::NoGradGuard no_grad;
  for (const auto& m : ffn_->modules()) {
    if (auto* lin = dynamic_cast<torch::nn::LinearImpl*>(m.get())) {
      torch::nn::init::xavier_uniform_(lin->weight);
      if (lin->bias.defined()) torch::nn::init::normal_(lin->bias, 0, 1e-6);
    }
  }
}

torch::Tensor BEiTTransformerEncoderLayerImpl::forward(const torch::Tensor& input,
                                                       const torch::Tensor& rel_pos_bias) {
  torch::Tensor a = attn_->forward(ln1_(input), rel_pos_bias);
  if (gamma_1.defined()) a = gamma_1 * a;
  torch::Tensor x = input + drop_path_(a);
  torch::Tensor f = ffn_->forward(ln2_(x));
  if (gamma_2.defined()) f = gamma_2 * f;
  return x + drop_path_(f);
}

// ---------------------------------------------------------------- BEiTViT

const std::map<std::string, ViTArch>& beit_arch_zoo() {
  static const std::map<std::string, ViTArch> zoo = [] {
    std::map<std::string, ViTArch> z;
    auto add = [&z](std::initializer_list<const char*> names, ViTArch a) {
      for (const char* n : names) z.emplace(n, a);
    };
    add({"s", "small"}, {768, 8, 8, 768 * 3});
    add({"b", "base"}, {768, 12, 12, 3072});
    add({"l", "large"}, {1024, 24, 16, 4096});
    add({"eva-g", "eva-giant"}, {1408, 40, 16, 6144});
    add({"deit-t", "deit-tiny"}, {192, 12, 3, 192 * 4});
    add({"deit-s", "deit-small"}, {384, 12, 6, 384 * 4});
    add({"deit-b", "deit-base"}, {768, 12, 12, 768 * 4});
    return z;
  }();
  return zoo;
}

BEiTViTOptions::BEiTViTOptions() {
  norm_cfg = make_dict({{"type", Value("LN")}, {"eps", Value(1e-6)}});
  patch_cfg = Value::dict();
  layer_cfgs = Value::dict();
}

void BEiTViTOptions::read(registry::BuildArgs& a) {
  arch = a.value_or("arch", arch);
  img_size = a.value_or("img_size", img_size);
  patch_size = a.value_or("patch_size", patch_size);
  in_channels = a.get_int("in_channels", in_channels);
  out_indices = a.get_int_list("out_indices", out_indices);
  drop_rate = a.get_float("drop_rate", drop_rate);
  drop_path_rate = a.get_float("drop_path_rate", drop_path_rate);
  bias = a.value_or("bias", bias);
  norm_cfg = a.value_or("norm_cfg", norm_cfg);
  final_norm = a.get_bool("final_norm", final_norm);
  out_type = a.get_str("out_type", out_type);
  with_cls_token = a.get_bool("with_cls_token", with_cls_token);
  frozen_stages = a.get_int("frozen_stages", frozen_stages);
  use_abs_pos_emb = a.get_bool("use_abs_pos_emb", use_abs_pos_emb);
  use_rel_pos_bias = a.get_bool("use_rel_pos_bias", use_rel_pos_bias);
  use_shared_rel_pos_bias = a.get_bool("use_shared_rel_pos_bias", use_shared_rel_pos_bias);
  interpolate_mode = a.get_str("interpolate_mode", interpolate_mode);
  layer_scale_init_value = a.get_float("layer_scale_init_value", layer_scale_init_value);
  patch_cfg = a.value_or("patch_cfg", patch_cfg);
  layer_cfgs = a.value_or("layer_cfgs", layer_cfgs);
  init_cfg = a.value_or("init_cfg", init_cfg);
}

namespace {

ViTArch resolve_beit_arch(const Value& arch) {
  static const char* kKeys = "{embed_dims, num_layers, num_heads, feedforward_channels}";
  if (arch.is_str()) {
    std::string name = arch.as_str();
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    auto it = beit_arch_zoo().find(name);
    if (it == beit_arch_zoo().end()) {
      std::string known;
      for (const auto& [k, _] : beit_arch_zoo()) known += (known.empty() ? "" : ", ") + k;
      throw Error("AssertionError", "Arch " + name + " is not in default archs {" + known + "}");
    }
    return it->second;
  }
  if (!arch.is_dict())
    throw Error("AssertionError", std::string("Custom arch needs a dict with keys ") + kKeys);
  const char* keys[] = {"embed_dims", "num_layers", "num_heads", "feedforward_channels"};
  std::int64_t v[4];
  for (int i = 0; i < 4; ++i) {
    const Value* x = arch.as_dict().find(keys[i]);
    if (!x)
      throw Error("AssertionError", std::string("Custom arch needs a dict with keys ") + kKeys);
    v[i] = x->as_int();
  }
  return {v[0], v[1], v[2], v[3]};
}

}  // namespace

BEiTViTImpl::BEiTViTImpl(BEiTViTOptions o) : BaseBackboneImpl(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  arch_ = resolve_beit_arch(op.arch);
  Value patch = make_dict({{"in_channels", Value(op.in_channels)},
                           {"input_size", op.img_size},
                           {"embed_dims", Value(arch_.embed_dims)},
                           {"conv_type", Value("Conv2d")},
                           {"kernel_size", op.patch_size},
                           {"stride", op.patch_size}});
  patch = dict_updated(patch, op.patch_cfg, "patch_cfg");
  patch_embed_ =
      register_module("patch_embed", mmcv::PatchEmbed(mmcv::PatchEmbedOptions::from_dict(patch)));
  if (!patch_embed_->init_out_size())
    throw Error("TypeError", "BEiTViT: the patch embedding needs an input_size");
  patch_resolution_ = *patch_embed_->init_out_size();
  const std::int64_t num_patches = patch_resolution_.first * patch_resolution_.second;

  if (op.out_type != "raw" && op.out_type != "cls_token" && op.out_type != "featmap" &&
      op.out_type != "avg_featmap")
    throw Error("ValueError", "Unsupported `out_type` " + op.out_type +
                                  ", please choose from {'raw', 'cls_token', 'featmap', "
                                  "'avg_featmap'}");
  if (op.with_cls_token) {
    cls_token = register_parameter("cls_token", torch::zeros({1, 1, arch_.embed_dims}));
  } else if (op.out_type != "cls_token") {
    num_extra_tokens_ = 0;
  } else {
    throw Error("ValueError", "with_cls_token must be True when `out_type=\"cls_token\"`.");
  }
  if (op.use_abs_pos_emb)
    pos_embed = register_parameter(
        "pos_embed", torch::zeros({1, num_patches + num_extra_tokens_, arch_.embed_dims}));
  drop_after_pos_ = register_module("drop_after_pos", torch::nn::Dropout(op.drop_rate));

  if (op.use_rel_pos_bias && op.use_shared_rel_pos_bias)
    throw Error("AssertionError",
                "`use_rel_pos_bias` and `use_shared_rel_pos_bias` cannot be set to True at the "
                "same time");
  if (op.use_shared_rel_pos_bias)
    rel_pos_bias_ =
        register_module("rel_pos_bias", RelativePositionBias(patch_resolution_, arch_.num_heads));

  out_indices_ = op.out_indices;
  for (auto& idx : out_indices_) {
    const std::int64_t given = idx;
    if (idx < 0) idx += arch_.num_layers;
    if (idx < 0 || idx > arch_.num_layers)
      throw Error("AssertionError", "Invalid out_indices " + std::to_string(given));
  }

  const std::vector<double> dpr = linspace(op.drop_path_rate, arch_.num_layers);
  layers_ = register_module("layers", engine::ModuleList());
  for (std::int64_t i = 0; i < arch_.num_layers; ++i) {
    Value layer = make_dict({{"embed_dims", Value(arch_.embed_dims)},
                             {"num_heads", Value(arch_.num_heads)},
                             {"feedforward_channels", Value(arch_.feedforward_channels)},
                             {"layer_scale_init_value", Value(op.layer_scale_init_value)},
                             {"window_size", window_value(patch_resolution_)},
                             {"use_rel_pos_bias", Value(op.use_rel_pos_bias)},
                             {"drop_rate", Value(op.drop_rate)},
                             {"drop_path_rate", Value(dpr[static_cast<std::size_t>(i)])},
                             {"bias", op.bias},
                             {"norm_cfg", op.norm_cfg}});
    Value extra = op.layer_cfgs;
    if (op.layer_cfgs.is_sequence()) {
      if (static_cast<std::int64_t>(op.layer_cfgs.items().size()) <= i)
        throw Error("IndexError", "BEiTViT: layer_cfgs has fewer entries (" +
                                      std::to_string(op.layer_cfgs.items().size()) +
                                      ") than num_layers (" + std::to_string(arch_.num_layers) +
                                      ")");
      extra = op.layer_cfgs.items()[static_cast<std::size_t>(i)];
    }
    layer = dict_updated(layer, extra, "layer_cfgs");
    registry::BuildArgs args("BEiTTransformerEncoderLayer", layer);
    auto lo = BEiTTransformerEncoderLayerOptions::read(args);
    args.check_all_used();
    layers_->push_back(std::make_shared<BEiTTransformerEncoderLayerImpl>(lo));
  }
  if (op.final_norm)
    ln1_ = engine::register_layer(*this, "ln1", build_norm_layer(op.norm_cfg, arch_.embed_dims));
  if (op.out_type == "avg_featmap")
    ln2_ = engine::register_layer(*this, "ln2", build_norm_layer(op.norm_cfg, arch_.embed_dims));
  if (op.frozen_stages > 0) freeze_stages();
}

std::shared_ptr<BEiTViTImpl> BEiTViTImpl::from_config(registry::BuildArgs& args) {
  BEiTViTOptions o;
  o.read(args);
  return std::make_shared<BEiTViTImpl>(o);
}

void BEiTViTImpl::init_weights() {
  BaseBackboneImpl::init_weights();
  const Value& ic = init_cfg();
  const bool pretrained = ic.is_dict() && ic.as_dict().find("type") &&
                          ic.as_dict().find("type")->is_str() &&
                          ic.as_dict().find("type")->as_str() == "Pretrained";
  if (!pretrained && pos_embed.defined()) {
    torch::NoGradGuard no_grad;
    engine::trunc_normal_(pos_embed, 0, 0.02);
  }
}

void BEiTViTImpl::freeze_stages() {
  auto no_grad = [](torch::nn::Module& m) {
    for (auto& p : m.parameters()) p.set_requires_grad(false);
  };
  if (pos_embed.defined()) pos_embed.set_requires_grad(false);
  drop_after_pos_->eval();
  patch_embed_->eval();
  no_grad(*patch_embed_);
  if (cls_token.defined()) cls_token.set_requires_grad(false);
  for (std::int64_t i = 1; i <= options_.frozen_stages; ++i) {
    if (i > static_cast<std::int64_t>(layers_->size()))
      throw Error("IndexError", "index " + std::to_string(i - 1) + " is out of range");
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

void BEiTViTImpl::load_state_dict_pre_hook(engine::StateDict& sd, const std::string& prefix) {
  auto find = [&sd](const std::string& key) {
    return std::find_if(sd.begin(), sd.end(), [&](const auto& kv) { return kv.first == key; });
  };
  // _prepare_pos_embed.
  if (pos_embed.defined()) {
    auto it = find(prefix + "pos_embed");
    if (it != sd.end() && it->second.is_tensor() && it->second.as_tensor().dim() == 3) {
      torch::Tensor ckpt = it->second.as_tensor();
      if (!options_.with_cls_token && ckpt.size(1) == pos_embed.size(1) + 1) {
        ckpt = ckpt.slice(1, 1);
        it->second = io::PyObject::tensor(ckpt);
      }
      if (ckpt.sizes() != pos_embed.sizes()) {
        print_log("Resize the pos_embed shape from " + torch_size(ckpt.sizes()) + " to " +
                      torch_size(pos_embed.sizes()) + ".",
                  LogLevel::Info);
        const auto side = static_cast<std::int64_t>(
            std::sqrt(static_cast<double>(ckpt.size(1) - num_extra_tokens_)));
        it->second = io::PyObject::tensor(resize_pos_embed(
            ckpt, {side, side}, patch_resolution_, options_.interpolate_mode, num_extra_tokens_));
      }
    }
  }
  // _prepare_relative_position_bias_table (as MMPretrain, the shared table's
  // key is looked up without the prefix).
  auto shared = find("rel_pos_bias.relative_position_bias_table");
  if (options_.use_rel_pos_bias && shared != sd.end() && shared->second.is_tensor()) {
    print_log("Expand the shared relative position embedding to each transformer block.",
              LogLevel::Info);
    torch::Tensor table = shared->second.as_tensor();
    sd.erase(shared);
    auto index = find("rel_pos_bias.relative_position_index");
    if (index != sd.end()) sd.erase(index);
    for (std::int64_t i = 0; i < arch_.num_layers; ++i) {
      const std::string key = "layers." + std::to_string(i) + ".attn.relative_position_bias_table";
      auto it = find(key);
      if (it != sd.end())
        it->second = io::PyObject::tensor(table.clone());
      else
        sd.emplace_back(key, io::PyObject::tensor(table.clone()));
    }
  }
  for (const auto& item : named_parameters()) {
    const std::string& name = item.key();
    const torch::Tensor& param = item.value();
    if (name.find("relative_position_bias_table") == std::string::npos) continue;
    auto it = find(prefix + name);
    if (it == sd.end() || !it->second.is_tensor()) continue;
    const torch::Tensor ckpt = it->second.as_tensor();
    if (ckpt.dim() != 2 || ckpt.size(0) == param.size(0)) continue;
    // The last 3 rows are the cls-token entries, kept as they are.
    const auto src = static_cast<std::int64_t>(std::sqrt(static_cast<double>(ckpt.size(0) - 3)));
    const auto dst = static_cast<std::int64_t>(std::sqrt(static_cast<double>(param.size(0) - 3)));
    torch::Tensor resized =
        torch::cat({resize_relative_position_bias_table(
                        src, dst, ckpt.slice(0, 0, ckpt.size(0) - 3), ckpt.size(1)),
                    ckpt.slice(0, ckpt.size(0) - 3).to(torch::kFloat32)},
                   0);
    print_log("Resize the relative_position_bias_table from " + torch_size(ckpt.sizes()) + " to " +
                  torch_size(resized.sizes()),
              LogLevel::Info);
    it->second = io::PyObject::tensor(resized);
    std::string index_key = prefix + name;
    index_key.replace(index_key.find("bias_table"), 10, "index");
    auto index = find(index_key);
    if (index != sd.end()) sd.erase(index);
  }
}

torch::Tensor BEiTViTImpl::format_output(const torch::Tensor& x, mmcv::Size2 hw) {
  const std::string& t = options_.out_type;
  if (t == "raw") return x;
  if (t == "cls_token") return x.select(1, 0);
  torch::Tensor patch_token = x.slice(1, num_extra_tokens_);
  if (t == "featmap")
    return patch_token.reshape({x.size(0), hw.first, hw.second, -1}).permute({0, 3, 1, 2});
  return ln2_(patch_token.mean(1));  // avg_featmap
}

Feats BEiTViTImpl::forward(const torch::Tensor& input) {
  const std::int64_t B = input.size(0);
  auto [x, hw] = patch_embed_->forward(input);
  if (cls_token.defined()) x = torch::cat({cls_token.expand({B, -1, -1}), x}, 1);
  if (pos_embed.defined())
    x = x + resize_pos_embed(pos_embed, patch_resolution_, hw, options_.interpolate_mode,
                             num_extra_tokens_);
  x = drop_after_pos_->forward(x);
  torch::Tensor rel_pos_bias = rel_pos_bias_ ? rel_pos_bias_->forward() : torch::Tensor();
  Feats outs;
  const auto n = static_cast<std::int64_t>(layers_->size());
  for (std::int64_t i = 0; i < n; ++i) {
    x = layers_->at<BEiTTransformerEncoderLayerImpl>(static_cast<std::size_t>(i))
            .forward(x, rel_pos_bias);
    if (i == n - 1 && options_.final_norm) x = ln1_(x);
    if (std::find(out_indices_.begin(), out_indices_.end(), i) != out_indices_.end())
      outs.push_back(format_output(x, hw));
  }
  return outs;
}

std::pair<std::int64_t, std::int64_t> BEiTViTImpl::get_layer_depth(
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

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::BEiTViTImpl, "BEiTViT",
                  "dict(type='BEiTViT', arch=dict(embed_dims=32, num_layers=2, num_heads=2, "
                  "feedforward_channels=64), img_size=32, patch_size=8)");
