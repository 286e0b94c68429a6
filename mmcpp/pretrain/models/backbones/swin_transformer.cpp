#include "mmcpp/pretrain/models/backbones/swin_transformer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/engine/model/weight_init.h"
#include "mmcpp/pretrain/models/utils/dict_update.h"
#include "mmcpp/pretrain/models/utils/embed.h"
#include "mmcpp/pretrain/models/utils/helpers.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

Value ln_cfg() { return make_dict({{"type", Value("LN")}}); }

Value drop_path_cfg(double p) {
  return make_dict({{"type", Value("DropPath")}, {"drop_prob", Value(p)}});
}

// cfgs[i] when cfgs is a sequence, else cfgs itself (a dict).
Value nth_cfg(const Value& cfgs, std::size_t i, const std::string& what) {
  if (!cfgs.is_sequence()) return cfgs;
  if (cfgs.items().size() <= i)
    throw Error("IndexError", what + " has fewer entries than needed (" +
                                  std::to_string(cfgs.items().size()) + ")");
  return cfgs.items()[i];
}

}  // namespace

// ---------------------------------------------------------------- SwinBlock

SwinBlockOptions::SwinBlockOptions() {
  attn_cfgs = Value::dict();
  ffn_cfgs = Value::dict();
  norm_cfg = ln_cfg();
}

SwinBlockOptions SwinBlockOptions::read(registry::BuildArgs& a) {
  SwinBlockOptions o;
  o.embed_dims = a.require_int("embed_dims");
  o.num_heads = a.require_int("num_heads");
  o.window_size = a.get_int("window_size", o.window_size);
  o.shift = a.get_bool("shift", o.shift);
  o.ffn_ratio = a.get_float("ffn_ratio", o.ffn_ratio);
  o.drop_path = a.get_float("drop_path", o.drop_path);
  o.pad_small_map = a.get_bool("pad_small_map", o.pad_small_map);
  o.attn_cfgs = a.value_or("attn_cfgs", o.attn_cfgs);
  o.ffn_cfgs = a.value_or("ffn_cfgs", o.ffn_cfgs);
  o.norm_cfg = a.value_or("norm_cfg", o.norm_cfg);
  o.with_cp = a.get_bool("with_cp", o.with_cp);
  o.init_cfg = a.value_or("init_cfg", o.init_cfg);
  return o;
}

SwinBlockImpl::SwinBlockImpl(SwinBlockOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  Value attn = make_dict({{"embed_dims", Value(op.embed_dims)},
                          {"num_heads", Value(op.num_heads)},
                          {"shift_size", Value(op.shift ? op.window_size / 2 : 0)},
                          {"window_size", Value(op.window_size)},
                          {"dropout_layer", drop_path_cfg(op.drop_path)},
                          {"pad_small_map", Value(op.pad_small_map)}});
  attn = dict_updated(attn, op.attn_cfgs, "attn_cfgs");
  norm1_ = engine::register_layer(*this, "norm1",
                                  mmcv::build_norm_layer(op.norm_cfg, op.embed_dims).second);
  {
    registry::BuildArgs args("ShiftWindowMSA", attn);
    auto ao = ShiftWindowMSAOptions::read(args);
    args.check_all_used();
    attn_ = register_module("attn", ShiftWindowMSA(ao));
  }
  Value ffn = make_dict(
      {{"embed_dims", Value(op.embed_dims)},
       {"feedforward_channels",
        Value(static_cast<std::int64_t>(static_cast<double>(op.embed_dims) * op.ffn_ratio))},
       {"num_fcs", Value(2)},
       {"ffn_drop", Value(0)},
       {"dropout_layer", drop_path_cfg(op.drop_path)},
       {"act_cfg", make_dict({{"type", Value("GELU")}})}});
  ffn = dict_updated(ffn, op.ffn_cfgs, "ffn_cfgs");
  norm2_ = engine::register_layer(*this, "norm2",
                                  mmcv::build_norm_layer(op.norm_cfg, op.embed_dims).second);
  ffn_ = register_module("ffn", mmcv::FFN(mmcv::FFNOptions::from_dict(ffn)));
}

torch::Tensor SwinBlockImpl::forward(const torch::Tensor& input, mmcv::Size2 hw_shape) {
  // with_cp only trades memory for compute; the result is the same.
  torch::Tensor x = attn_->forward(norm1_(input), hw_shape) + input;
  return ffn_->forward(norm2_(x), x);
}

// ---------------------------------------------------------------- SwinBlockSequence

SwinBlockSequenceOptions::SwinBlockSequenceOptions() {
  downsample_cfg = Value::dict();
  block_cfgs = Value::dict();
}

SwinBlockSequenceOptions SwinBlockSequenceOptions::read(registry::BuildArgs& a) {
  SwinBlockSequenceOptions o;
  o.embed_dims = a.require_int("embed_dims");
  o.depth = a.require_int("depth");
  o.num_heads = a.require_int("num_heads");
  o.window_size = a.get_int("window_size", o.window_size);
  o.downsample = a.get_bool("downsample", o.downsample);
  o.downsample_cfg = a.value_or("downsample_cfg", o.downsample_cfg);
  o.drop_paths = a.value_or("drop_paths", o.drop_paths);
  o.block_cfgs = a.value_or("block_cfgs", o.block_cfgs);
  o.with_cp = a.get_bool("with_cp", o.with_cp);
  o.pad_small_map = a.get_bool("pad_small_map", o.pad_small_map);
  o.init_cfg = a.value_or("init_cfg", o.init_cfg);
  return o;
}

SwinBlockSequenceImpl::SwinBlockSequenceImpl(SwinBlockSequenceOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  blocks_ = register_module("blocks", engine::ModuleList());
  for (std::int64_t i = 0; i < op.depth; ++i) {
    const auto idx = static_cast<std::size_t>(i);
    Value dp =
        op.drop_paths.is_sequence() ? nth_cfg(op.drop_paths, idx, "drop_paths") : op.drop_paths;
    Value block = make_dict({{"embed_dims", Value(op.embed_dims)},
                             {"num_heads", Value(op.num_heads)},
                             {"window_size", Value(op.window_size)},
                             {"shift", Value(i % 2 != 0)},
                             {"drop_path", dp},
                             {"with_cp", Value(op.with_cp)},
                             {"pad_small_map", Value(op.pad_small_map)}});
    block = dict_updated(block, nth_cfg(op.block_cfgs, idx, "block_cfgs"), "block_cfgs");
    registry::BuildArgs args("SwinBlock", block);
    auto bo = SwinBlockOptions::read(args);
    args.check_all_used();
    blocks_->push_back(std::make_shared<SwinBlockImpl>(bo));
  }
  if (op.downsample) {
    Value ds = make_dict({{"in_channels", Value(op.embed_dims)},
                          {"out_channels", Value(2 * op.embed_dims)},
                          {"norm_cfg", ln_cfg()}});
    ds = dict_updated(ds, op.downsample_cfg, "downsample_cfg");
    downsample_ =
        register_module("downsample", mmcv::PatchMerging(mmcv::PatchMergingOptions::from_dict(ds)));
  }
}

std::int64_t SwinBlockSequenceImpl::out_channels() const {
  return downsample_ ? downsample_->out_channels() : options_.embed_dims;
}

std::pair<torch::Tensor, mmcv::Size2> SwinBlockSequenceImpl::forward(const torch::Tensor& input,
                                                                     mmcv::Size2 in_shape,
                                                                     bool do_downsample) {
  torch::Tensor x = input;
  for (std::size_t i = 0; i < blocks_->size(); ++i)
    x = blocks_->at<SwinBlockImpl>(i).forward(x, in_shape);
  if (downsample_ && do_downsample) return downsample_->forward(x, in_shape);
  return {x, in_shape};
}

// ---------------------------------------------------------------- SwinTransformer

const std::map<std::string, SwinArch>& swin_arch_zoo() {
  static const std::map<std::string, SwinArch> zoo = [] {
    std::map<std::string, SwinArch> z;
    auto add = [&z](std::initializer_list<const char*> names, SwinArch a) {
      for (const char* n : names) z.emplace(n, a);
    };
    add({"t", "tiny"}, {96, {2, 2, 6, 2}, {3, 6, 12, 24}});
    add({"s", "small"}, {96, {2, 2, 18, 2}, {3, 6, 12, 24}});
    add({"b", "base"}, {128, {2, 2, 18, 2}, {4, 8, 16, 32}});
    add({"l", "large"}, {192, {2, 2, 18, 2}, {6, 12, 24, 48}});
    return z;
  }();
  return zoo;
}

SwinTransformerOptions::SwinTransformerOptions() {
  norm_cfg = ln_cfg();
  stage_cfgs = Value::dict();
  patch_cfg = Value::dict();
}

void SwinTransformerOptions::read(registry::BuildArgs& a) {
  arch = a.value_or("arch", arch);
  img_size = a.value_or("img_size", img_size);
  patch_size = a.value_or("patch_size", patch_size);
  in_channels = a.get_int("in_channels", in_channels);
  window_size = a.get_int("window_size", window_size);
  drop_rate = a.get_float("drop_rate", drop_rate);
  drop_path_rate = a.get_float("drop_path_rate", drop_path_rate);
  if (a.has("out_indices")) {
    Value oi = a.value("out_indices");
    out_indices = oi.is_int() ? std::vector<std::int64_t>{oi.as_int()}
                              : a.get_int_list("out_indices", out_indices);
  }
  out_after_downsample = a.get_bool("out_after_downsample", out_after_downsample);
  use_abs_pos_embed = a.get_bool("use_abs_pos_embed", use_abs_pos_embed);
  interpolate_mode = a.get_str("interpolate_mode", interpolate_mode);
  with_cp = a.get_bool("with_cp", with_cp);
  frozen_stages = a.get_int("frozen_stages", frozen_stages);
  norm_eval = a.get_bool("norm_eval", norm_eval);
  pad_small_map = a.get_bool("pad_small_map", pad_small_map);
  norm_cfg = a.value_or("norm_cfg", norm_cfg);
  stage_cfgs = a.value_or("stage_cfgs", stage_cfgs);
  patch_cfg = a.value_or("patch_cfg", patch_cfg);
  init_cfg = a.value_or("init_cfg", init_cfg);
}

namespace {

SwinArch resolve_swin_arch(const Value& arch) {
  if (arch.is_str()) {
    std::string name = arch.as_str();
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    auto it = swin_arch_zoo().find(name);
    if (it == swin_arch_zoo().end()) {
      std::string known;
      for (const auto& [k, _] : swin_arch_zoo()) known += (known.empty() ? "" : ", ") + k;
      throw Error("AssertionError", "Arch " + name + " is not in default archs {" + known + "}");
    }
    return it->second;
  }
  const std::string msg = "Custom arch needs a dict with keys {embed_dims, depths, num_heads}";
  if (!arch.is_dict() || arch.as_dict().size() != 3) throw Error("AssertionError", msg);
  const Value* e = arch.as_dict().find("embed_dims");
  const Value* d = arch.as_dict().find("depths");
  const Value* h = arch.as_dict().find("num_heads");
  if (!e || !d || !h || !d->is_sequence() || !h->is_sequence()) throw Error("AssertionError", msg);
  SwinArch a;
  a.embed_dims = e->as_int();
  for (const auto& x : d->items()) a.depths.push_back(x.as_int());
  for (const auto& x : h->items()) a.num_heads.push_back(x.as_int());
  return a;
}

}  // namespace

SwinTransformerImpl::SwinTransformerImpl(SwinTransformerOptions o)
    : BaseBackboneImpl(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  arch_ = resolve_swin_arch(op.arch);
  const auto num_layers = static_cast<std::int64_t>(arch_.depths.size());
  Value patch = make_dict({{"in_channels", Value(op.in_channels)},
                           {"input_size", op.img_size},
                           {"embed_dims", Value(arch_.embed_dims)},
                           {"conv_type", Value("Conv2d")},
                           {"kernel_size", op.patch_size},
                           {"stride", op.patch_size},
                           {"norm_cfg", ln_cfg()}});
  patch = dict_updated(patch, op.patch_cfg, "patch_cfg");
  patch_embed_ =
      register_module("patch_embed", mmcv::PatchEmbed(mmcv::PatchEmbedOptions::from_dict(patch)));
  if (!patch_embed_->init_out_size())
    throw Error("TypeError", "SwinTransformer: the patch embedding needs an input_size");
  patch_resolution_ = *patch_embed_->init_out_size();
  if (op.use_abs_pos_embed)
    absolute_pos_embed = register_parameter(
        "absolute_pos_embed",
        torch::zeros({1, patch_resolution_.first * patch_resolution_.second, arch_.embed_dims}));
  drop_after_pos_ = register_module("drop_after_pos", torch::nn::Dropout(op.drop_rate));

  std::int64_t total_depth = 0;
  for (auto d : arch_.depths) total_depth += d;
  torch::Tensor lin = torch::linspace(0, op.drop_path_rate, total_depth);
  std::vector<double> dpr;
  for (std::int64_t i = 0; i < total_depth; ++i) dpr.push_back(lin[i].item<float>());

  stages_ = register_module("stages", engine::ModuleList());
  std::vector<std::int64_t> embed_dims = {arch_.embed_dims};
  std::size_t offset = 0;
  for (std::int64_t i = 0; i < num_layers; ++i) {
    const auto idx = static_cast<std::size_t>(i);
    if (idx >= arch_.num_heads.size())
      throw Error("ValueError", "SwinTransformer: arch num_heads is shorter than depths");
    const std::int64_t depth = arch_.depths[idx];
    Value drop_paths = Value::list();
    for (std::int64_t k = 0; k < depth && offset + static_cast<std::size_t>(k) < dpr.size(); ++k)
      drop_paths.items().push_back(Value(dpr[offset + static_cast<std::size_t>(k)]));
    Value stage = make_dict({{"embed_dims", Value(embed_dims.back())},
                             {"depth", Value(depth)},
                             {"num_heads", Value(arch_.num_heads[idx])},
                             {"window_size", Value(op.window_size)},
                             {"downsample", Value(i < num_layers - 1)},
                             {"drop_paths", drop_paths},
                             {"with_cp", Value(op.with_cp)},
                             {"pad_small_map", Value(op.pad_small_map)}});
    stage = dict_updated(stage, nth_cfg(op.stage_cfgs, idx, "stage_cfgs"), "stage_cfgs");
    registry::BuildArgs args("SwinBlockSequence", stage);
    auto so = SwinBlockSequenceOptions::read(args);
    args.check_all_used();
    auto s = std::make_shared<SwinBlockSequenceImpl>(so);
    stages_->push_back(s);
    offset += static_cast<std::size_t>(depth);
    embed_dims.push_back(s->out_channels());
  }
  if (op.out_after_downsample)
    num_features_.assign(embed_dims.begin() + 1, embed_dims.end());
  else
    num_features_.assign(embed_dims.begin(), embed_dims.end() - 1);
  for (std::int64_t i : op.out_indices) {
    const auto n = static_cast<std::int64_t>(num_features_.size());
    const std::int64_t k = i < 0 ? i + n : i;
    if (k < 0 || k >= n)
      throw Error("IndexError", "SwinTransformer: out_indices " + std::to_string(i) +
                                    " is out of range for " + std::to_string(n) + " stages");
    engine::Layer norm = op.norm_cfg.is_none()
                             ? engine::Layer(torch::nn::Identity().ptr())
                             : mmcv::build_norm_layer(op.norm_cfg, num_features_[k]).second;
    norms_[i] = engine::register_layer(*this, "norm" + std::to_string(i), norm);
  }
}

std::shared_ptr<SwinTransformerImpl> SwinTransformerImpl::from_config(registry::BuildArgs& args) {
  SwinTransformerOptions o;
  o.read(args);
  return std::make_shared<SwinTransformerImpl>(o);
}

void SwinTransformerImpl::init_weights() {
  BaseBackboneImpl::init_weights();
  const Value& cfg = init_cfg();
  if (cfg.is_dict()) {
    const Value* t = cfg.as_dict().find("type");
    if (t && t->is_str() && t->as_str() == "Pretrained") return;
  }
  if (options_.use_abs_pos_embed) engine::trunc_normal_(absolute_pos_embed, 0, 0.02);
}

Feats SwinTransformerImpl::forward(const torch::Tensor& input) {
  auto [x, hw] = patch_embed_->forward(input);
  if (options_.use_abs_pos_embed)
    x = x +
        resize_pos_embed(absolute_pos_embed, patch_resolution_, hw, options_.interpolate_mode, 0);
  x = drop_after_pos_(x);
  Feats outs;
  const auto& oi = options_.out_indices;
  for (std::size_t i = 0; i < stages_->size(); ++i) {
    auto& stage = stages_->at<SwinBlockSequenceImpl>(i);
    std::tie(x, hw) = stage.forward(x, hw, options_.out_after_downsample);
    const auto si = static_cast<std::int64_t>(i);
    if (std::find(oi.begin(), oi.end(), si) != oi.end()) {
      torch::Tensor out = norms_.at(si)(x);
      out =
          out.view({-1, hw.first, hw.second, num_features_[i]}).permute({0, 3, 1, 2}).contiguous();
      outs.push_back(out);
    }
    if (stage.downsample() && !options_.out_after_downsample)
      std::tie(x, hw) = stage.downsample()->forward(x, hw);
  }
  return outs;
}

void SwinTransformerImpl::freeze_stages() {
  auto no_grad = [](torch::nn::Module& m) {
    for (auto& p : m.parameters()) p.set_requires_grad(false);
  };
  if (options_.frozen_stages >= 0) {
    patch_embed_->eval();
    no_grad(*patch_embed_);
  }
  for (std::int64_t i = 0; i <= options_.frozen_stages; ++i) {
    if (i >= static_cast<std::int64_t>(stages_->size()))
      throw Error("IndexError",
                  "SwinTransformer: frozen_stages " + std::to_string(options_.frozen_stages) +
                      " is out of range for " + std::to_string(stages_->size()) + " stages");
    auto& m = *(*stages_)[static_cast<std::size_t>(i)];
    m.eval();
    no_grad(m);
  }
  for (const auto& [i, norm] : norms_)
    if (i <= options_.frozen_stages) no_grad(norm.module());
}

void SwinTransformerImpl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
  if (on && options_.norm_eval) set_batch_norms_eval(*this);
}

void SwinTransformerImpl::load_state_dict_pre_hook(engine::StateDict& sd,
                                                   const std::string& prefix) {
  auto find = [&sd](const std::string& key) {
    return std::find_if(sd.begin(), sd.end(), [&](const auto& kv) { return kv.first == key; });
  };
  // _prepare_abs_pos_embed
  if (options_.use_abs_pos_embed) {
    auto it = find(prefix + "absolute_pos_embed");
    if (it != sd.end() && it->second.is_tensor() && it->second.as_tensor().dim() == 3 &&
        it->second.as_tensor().sizes() != absolute_pos_embed.sizes()) {
      torch::Tensor ckpt = it->second.as_tensor();
      print_log("Resize the absolute_pos_embed shape from " + torch_size(ckpt.sizes()) + " to " +
                    torch_size(absolute_pos_embed.sizes()) + ".",
                LogLevel::Info);
      const auto side = static_cast<std::int64_t>(std::sqrt(static_cast<double>(ckpt.size(1))));
      it->second = io::PyObject::tensor(
          resize_pos_embed(ckpt, {side, side}, patch_resolution_, options_.interpolate_mode, 0));
    }
  }
  // _prepare_relative_position_bias_table: a table made for another window
  // size is resampled (MMPretrain's scipy bicubic) and the checkpoint's index
  // buffer dropped, so the model keeps its own.
  for (const auto& item : named_parameters()) {
    const std::string& key = item.key();
    const torch::Tensor& value = item.value();
    if (key.find("relative_position_bias_table") == std::string::npos) continue;
    auto it = find(prefix + key);
    if (it == sd.end() || !it->second.is_tensor()) continue;
    const torch::Tensor ckpt = it->second.as_tensor();
    if (ckpt.dim() != 2 || ckpt.size(0) == value.size(0)) continue;
    const auto src = static_cast<std::int64_t>(std::sqrt(static_cast<double>(ckpt.size(0))));
    const auto dst = static_cast<std::int64_t>(std::sqrt(static_cast<double>(value.size(0))));
    torch::Tensor resized = resize_relative_position_bias_table(src, dst, ckpt, ckpt.size(1));
    print_log("Resize the relative_position_bias_table from " + torch_size(ckpt.sizes()) + " to " +
                  torch_size(resized.sizes()),
              LogLevel::Info);
    it->second = io::PyObject::tensor(resized);
    std::string index_key = prefix + key;
    index_key.replace(index_key.find("bias_table"), 10, "index");
    auto index = find(index_key);
    if (index != sd.end()) sd.erase(index);
  }
  // _load_from_state_dict's upgrade of checkpoints without version metadata:
  // `norm.` -> `norm{last stage}.`, and `attn_mask` buffers dropped.
  const std::string last = "norm" + std::to_string(stages_->size() - 1) + ".";
  for (auto& kv : sd) {
    const std::string& k = kv.first;
    if (k.rfind("norm.", 0) == 0 || k.rfind("backbone.norm.", 0) == 0) {
      std::string nk;
      for (std::size_t pos = 0;;) {  // str.replace: every occurrence
        std::size_t f = k.find("norm.", pos);
        if (f == std::string::npos) {
          nk += k.substr(pos);
          break;
        }
        nk += k.substr(pos, f - pos) + last;
        pos = f + 5;
      }
      kv.first = nk;
    }
  }
  sd.erase(std::remove_if(
               sd.begin(), sd.end(),
               [](const auto& kv) { return kv.first.find("attn_mask") != std::string::npos; }),
           sd.end());
}

std::pair<std::int64_t, std::int64_t> SwinTransformerImpl::get_layer_depth(
    const std::string& param_name, const std::string& prefix) const {
  std::int64_t total = 0;
  for (auto d : arch_.depths) total += d;
  const std::int64_t num_layers = total + 2;
  if (param_name.rfind(prefix, 0) != 0) return {num_layers - 1, num_layers};
  const std::string name = param_name.substr(prefix.size());
  if (name.rfind("patch_embed", 0) == 0) return {0, num_layers};
  if (name.rfind("stages", 0) == 0) {
    std::vector<std::string> parts;
    std::size_t pos = 0;
    for (std::size_t f; (f = name.find('.', pos)) != std::string::npos; pos = f + 1)
      parts.push_back(name.substr(pos, f - pos));
    parts.push_back(name.substr(pos));
    const auto stage_id = static_cast<std::size_t>(std::stoll(parts.at(1)));
    const std::string& block_id = parts.at(3);
    std::int64_t depth = 0;
    if (block_id == "reduction" || block_id == "norm") {
      for (std::size_t s = 0; s <= stage_id && s < arch_.depths.size(); ++s)
        depth += arch_.depths[s];
    } else {
      for (std::size_t s = 0; s < stage_id && s < arch_.depths.size(); ++s)
        depth += arch_.depths[s];
      depth += std::stoll(block_id) + 1;
    }
    return {depth, num_layers};
  }
  return {num_layers - 1, num_layers};
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::SwinTransformerImpl, "SwinTransformer",
                  "dict(type='SwinTransformer', arch=dict(embed_dims=16, depths=[2, 2], "
                  "num_heads=[2, 4]), img_size=32, window_size=4, out_indices=(1, ))");
