#include "mmcpp/pretrain/models/backbones/swin_transformer_v2.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/engine/model/weight_init.h"
#include "mmcpp/pretrain/models/utils/dict_update.h"
#include "mmcpp/pretrain/models/utils/helpers.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

Value ln_cfg() { return make_dict({{"type", Value("LN")}}); }

Value nth(const Value& cfgs, std::size_t i, const std::string& what) {
  if (!cfgs.is_sequence()) return cfgs;
  if (cfgs.items().size() <= i)
    throw Error("IndexError", what + " has fewer entries than needed (" +
                                  std::to_string(cfgs.items().size()) + ")");
  return cfgs.items()[i];
}

bool is_pretrained(const Value& init_cfg) {
  if (!init_cfg.is_dict()) return false;
  const Value* t = init_cfg.as_dict().find("type");
  return t && t->is_str() && t->as_str() == "Pretrained";
}

}  // namespace

// ---------------------------------------------------------------- SwinBlockV2

SwinBlockV2Impl::SwinBlockV2Impl(const Value& cfg) {
  registry::BuildArgs a("SwinBlockV2", cfg);
  const std::int64_t embed_dims = a.require_int("embed_dims");
  const std::int64_t num_heads = a.require_int("num_heads");
  const std::int64_t window_size = a.get_int("window_size", 8);
  const bool shift = a.get_bool("shift", false);
  extra_norm_ = a.get_bool("extra_norm", false);
  const double ffn_ratio = a.get_float("ffn_ratio", 4.);
  const double drop_path = a.get_float("drop_path", 0.);
  const bool pad_small_map = a.get_bool("pad_small_map", false);
  const Value attn_cfgs = a.value_or("attn_cfgs", Value::dict());
  const Value ffn_cfgs = a.value_or("ffn_cfgs", Value::dict());
  const Value norm_cfg = a.value_or("norm_cfg", ln_cfg());
  a.get_bool("with_cp", false);  // no effect on the results
  const mmcv::Size2 pws =
      mmcv::to_2tuple(a.value_or("pretrained_window_size", Value(0)), "pretrained_window_size");
  set_init_cfg(a.value_or("init_cfg", Value()));
  a.check_all_used();
  const Value drop = make_dict({{"type", Value("DropPath")}, {"drop_prob", Value(drop_path)}});

  Value attn = make_dict({{"embed_dims", Value(embed_dims)},
                          {"num_heads", Value(num_heads)},
                          {"shift_size", Value(shift ? window_size / 2 : 0)},
                          {"window_size", Value(window_size)},
                          {"dropout_layer", drop},
                          {"pad_small_map", Value(pad_small_map)}});
  attn = dict_updated(attn, attn_cfgs, "attn_cfgs");
  attn.as_dict().set(Value("window_msa"), Value("WindowMSAV2"));
  attn.as_dict().set(Value("pretrained_window_size"),
                     Value::tuple({Value(pws.first), Value(pws.second)}));
  {
    registry::BuildArgs args("ShiftWindowMSA", attn);
    auto ao = ShiftWindowMSAOptions::read(args);
    args.check_all_used();
    attn_ = register_module("attn", ShiftWindowMSA(ao));
  }
  norm1_ =
      engine::register_layer(*this, "norm1", mmcv::build_norm_layer(norm_cfg, embed_dims).second);
  Value ffn =
      make_dict({{"embed_dims", Value(embed_dims)},
                 {"feedforward_channels",
                  Value(static_cast<std::int64_t>(static_cast<double>(embed_dims) * ffn_ratio))},
                 {"num_fcs", Value(2)},
                 {"ffn_drop", Value(0)},
                 {"dropout_layer", drop},
                 {"act_cfg", make_dict({{"type", Value("GELU")}})},
                 {"add_identity", Value(false)}});
  ffn = dict_updated(ffn, ffn_cfgs, "ffn_cfgs");
  ffn_ = register_module("ffn", mmcv::FFN(mmcv::FFNOptions::from_dict(ffn)));
  norm2_ =
      engine::register_layer(*this, "norm2", mmcv::build_norm_layer(norm_cfg, embed_dims).second);
  if (extra_norm_)
    norm3_ =
        engine::register_layer(*this, "norm3", mmcv::build_norm_layer(norm_cfg, embed_dims).second);
}

torch::Tensor SwinBlockV2Impl::forward(const torch::Tensor& input, mmcv::Size2 hw_shape) {
  torch::Tensor x = norm1_(attn_->forward(input, hw_shape)) + input;
  x = norm2_(ffn_->forward(x)) + x;
  if (extra_norm_) x = norm3_(x);
  return x;
}

// ---------------------------------------------------------------- SwinBlockV2Sequence

SwinBlockV2SequenceImpl::SwinBlockV2SequenceImpl(const Value& cfg) {
  registry::BuildArgs a("SwinBlockV2Sequence", cfg);
  const std::int64_t embed_dims = a.require_int("embed_dims");
  const std::int64_t depth = a.require_int("depth");
  const std::int64_t num_heads = a.require_int("num_heads");
  const std::int64_t window_size = a.get_int("window_size", 8);
  const bool downsample = a.get_bool("downsample", false);
  const Value downsample_cfg = a.value_or("downsample_cfg", Value::dict());
  const Value drop_paths = a.value_or("drop_paths", Value(0.));
  const Value block_cfgs = a.value_or("block_cfgs", Value::dict());
  const bool with_cp = a.get_bool("with_cp", false);
  const bool pad_small_map = a.get_bool("pad_small_map", false);
  const std::int64_t every = a.get_int("extra_norm_every_n_blocks", 0);
  const Value pws = a.value_or("pretrained_window_size", Value(0));
  set_init_cfg(a.value_or("init_cfg", Value()));
  a.check_all_used();
  if (downsample) {
    out_channels_ = 2 * embed_dims;
    Value ds = make_dict({{"in_channels", Value(embed_dims)},
                          {"out_channels", Value(out_channels_)},
                          {"norm_cfg", ln_cfg()}});
    ds = dict_updated(ds, downsample_cfg, "downsample_cfg");
    downsample_ = register_module("downsample", PatchMerging(PatchMergingOptions::from_dict(ds)));
  } else {
    out_channels_ = embed_dims;
  }
  blocks_ = register_module("blocks", engine::ModuleList());
  for (std::int64_t i = 0; i < depth; ++i) {
    const auto idx = static_cast<std::size_t>(i);
    Value block = make_dict(
        {{"embed_dims", Value(out_channels_)},
         {"num_heads", Value(num_heads)},
         {"window_size", Value(window_size)},
         {"shift", Value(i % 2 != 0)},
         {"extra_norm", Value(every != 0 && (i + 1) % every == 0)},
         {"drop_path", drop_paths.is_sequence() ? nth(drop_paths, idx, "drop_paths") : drop_paths},
         {"with_cp", Value(with_cp)},
         {"pad_small_map", Value(pad_small_map)},
         {"pretrained_window_size", pws}});
    block = dict_updated(block, nth(block_cfgs, idx, "block_cfgs"), "block_cfgs");
    blocks_->push_back(std::make_shared<SwinBlockV2Impl>(block));
  }
}

std::pair<torch::Tensor, mmcv::Size2> SwinBlockV2SequenceImpl::forward(const torch::Tensor& input,
                                                                       mmcv::Size2 in_shape) {
  torch::Tensor x = input;
  mmcv::Size2 out_shape = in_shape;
  if (downsample_) std::tie(x, out_shape) = downsample_->forward(x, in_shape);
  for (std::size_t i = 0; i < blocks_->size(); ++i)
    x = blocks_->at<SwinBlockV2Impl>(i).forward(x, out_shape);
  return {x, out_shape};
}

// ---------------------------------------------------------------- SwinTransformerV2

const std::map<std::string, SwinV2Arch>& swin_v2_arch_zoo() {
  static const std::map<std::string, SwinV2Arch> zoo = [] {
    std::map<std::string, SwinV2Arch> z;
    auto add = [&z](std::initializer_list<const char*> names, SwinV2Arch a) {
      for (const char* n : names) z.emplace(n, a);
    };
    add({"t", "tiny"}, {96, {2, 2, 6, 2}, {3, 6, 12, 24}, 0});
    add({"s", "small"}, {96, {2, 2, 18, 2}, {3, 6, 12, 24}, 0});
    add({"b", "base"}, {128, {2, 2, 18, 2}, {4, 8, 16, 32}, 0});
    add({"l", "large"}, {192, {2, 2, 18, 2}, {6, 12, 24, 48}, 0});
    add({"h", "huge"}, {352, {2, 2, 18, 2}, {8, 16, 32, 64}, 6});
    add({"g", "giant"}, {512, {2, 2, 42, 4}, {16, 32, 64, 128}, 6});
    return z;
  }();
  return zoo;
}

namespace {

SwinV2Arch resolve_v2_arch(const Value& arch) {
  if (arch.is_str()) {
    std::string name = arch.as_str();
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    auto it = swin_v2_arch_zoo().find(name);
    if (it == swin_v2_arch_zoo().end()) {
      std::string known;
      for (const auto& [k, _] : swin_v2_arch_zoo()) known += (known.empty() ? "" : ", ") + k;
      throw Error("AssertionError", "Arch " + name + " is not in default archs {" + known + "}");
    }
    return it->second;
  }
  const std::string msg =
      "Custom arch needs a dict with keys {embed_dims, depths, num_heads, "
      "extra_norm_every_n_blocks}";
  if (!arch.is_dict() || arch.as_dict().size() != 4) throw Error("AssertionError", msg);
  const Value* e = arch.as_dict().find("embed_dims");
  const Value* d = arch.as_dict().find("depths");
  const Value* h = arch.as_dict().find("num_heads");
  const Value* x = arch.as_dict().find("extra_norm_every_n_blocks");
  if (!e || !d || !h || !x || !d->is_sequence() || !h->is_sequence())
    throw Error("AssertionError", msg);
  SwinV2Arch a;
  a.embed_dims = e->as_int();
  for (const auto& v : d->items()) a.depths.push_back(v.as_int());
  for (const auto& v : h->items()) a.num_heads.push_back(v.as_int());
  a.extra_norm_every_n_blocks = x->as_int();
  return a;
}

}  // namespace

SwinTransformerV2Impl::SwinTransformerV2Impl(registry::BuildArgs& a)
    : BaseBackboneImpl(a.value_or("init_cfg", Value())) {
  arch_ = resolve_v2_arch(a.value_or("arch", Value("tiny")));
  const Value img_size = a.value_or("img_size", Value(256));
  const Value patch_size = a.value_or("patch_size", Value(4));
  const std::int64_t in_channels = a.get_int("in_channels", 3);
  const Value window_size = a.value_or("window_size", Value(8));
  const double drop_rate = a.get_float("drop_rate", 0.);
  const double drop_path_rate = a.get_float("drop_path_rate", 0.1);
  out_indices_ = {3};
  if (a.has("out_indices")) {
    Value oi = a.value("out_indices");
    out_indices_ = oi.is_int() ? std::vector<std::int64_t>{oi.as_int()}
                               : a.get_int_list("out_indices", out_indices_);
  }
  use_abs_pos_embed_ = a.get_bool("use_abs_pos_embed", false);
  interpolate_mode_ = a.get_str("interpolate_mode", interpolate_mode_);
  const bool with_cp = a.get_bool("with_cp", false);
  frozen_stages_ = a.get_int("frozen_stages", -1);
  norm_eval_ = a.get_bool("norm_eval", false);
  const bool pad_small_map = a.get_bool("pad_small_map", false);
  const Value norm_cfg = a.value_or("norm_cfg", ln_cfg());
  const Value stage_cfgs = a.value_or("stage_cfgs", Value::dict());
  const Value patch_cfg = a.value_or("patch_cfg", Value::dict());
  const std::vector<std::int64_t> pretrained_window_sizes =
      a.get_int_list("pretrained_window_sizes", {0, 0, 0, 0});

  const auto num_layers = arch_.depths.size();
  std::vector<std::int64_t> window_sizes;
  if (window_size.is_int()) {
    window_sizes.assign(num_layers, window_size.as_int());
  } else if (window_size.is_sequence()) {
    if (window_size.items().size() != num_layers)
      throw Error("AssertionError",
                  "Length of window_sizes " + std::to_string(window_size.items().size()) +
                      " is not equal to length of stages " + std::to_string(num_layers) + ".");
    for (const auto& w : window_size.items()) window_sizes.push_back(w.as_int());
  } else {
    throw Error("TypeError", "window_size should be a Sequence or int.");
  }

  Value patch = make_dict({{"in_channels", Value(in_channels)},
                           {"input_size", img_size},
                           {"embed_dims", Value(arch_.embed_dims)},
                           {"conv_type", Value("Conv2d")},
                           {"kernel_size", patch_size},
                           {"stride", patch_size},
                           {"norm_cfg", ln_cfg()}});
  patch = dict_updated(patch, patch_cfg, "patch_cfg");
  patch_embed_ =
      register_module("patch_embed", mmcv::PatchEmbed(mmcv::PatchEmbedOptions::from_dict(patch)));
  if (!patch_embed_->init_out_size())
    throw Error("TypeError", "SwinTransformerV2: the patch embedding needs an input_size");
  patch_resolution_ = *patch_embed_->init_out_size();
  if (use_abs_pos_embed_)
    absolute_pos_embed = register_parameter(
        "absolute_pos_embed",
        torch::zeros({1, patch_resolution_.first * patch_resolution_.second, arch_.embed_dims}));
  drop_after_pos_ = register_module("drop_after_pos", torch::nn::Dropout(drop_rate));

  std::int64_t total = 0;
  for (auto d : arch_.depths) total += d;
  torch::Tensor lin = torch::linspace(0, drop_path_rate, total);
  std::vector<double> dpr;
  for (std::int64_t i = 0; i < total; ++i) dpr.push_back(lin[i].item<float>());

  stages_ = register_module("stages", engine::ModuleList());
  std::vector<std::int64_t> embed_dims = {arch_.embed_dims};
  std::size_t offset = 0;
  for (std::size_t i = 0; i < num_layers; ++i) {
    if (i >= arch_.num_heads.size() || i >= pretrained_window_sizes.size())
      throw Error("IndexError",
                  "SwinTransformerV2: num_heads / pretrained_window_sizes are "
                  "shorter than depths");
    Value drop_paths = Value::list();
    for (std::int64_t k = 0;
         k < arch_.depths[i] && offset + static_cast<std::size_t>(k) < dpr.size(); ++k)
      drop_paths.items().push_back(Value(dpr[offset + static_cast<std::size_t>(k)]));
    Value stage = make_dict({{"embed_dims", Value(embed_dims.back())},
                             {"depth", Value(arch_.depths[i])},
                             {"num_heads", Value(arch_.num_heads[i])},
                             {"window_size", Value(window_sizes[i])},
                             {"downsample", Value(i > 0)},
                             {"drop_paths", drop_paths},
                             {"with_cp", Value(with_cp)},
                             {"pad_small_map", Value(pad_small_map)},
                             {"extra_norm_every_n_blocks", Value(arch_.extra_norm_every_n_blocks)},
                             {"pretrained_window_size", Value(pretrained_window_sizes[i])},
                             {"downsample_cfg", make_dict({{"use_post_norm", Value(true)}})}});
    stage = dict_updated(stage, nth(stage_cfgs, i, "stage_cfgs"), "stage_cfgs");
    auto s = std::make_shared<SwinBlockV2SequenceImpl>(stage);
    stages_->push_back(s);
    offset += static_cast<std::size_t>(arch_.depths[i]);
    embed_dims.push_back(s->out_channels());
  }
  for (std::int64_t i : out_indices_) {
    const auto n = static_cast<std::int64_t>(embed_dims.size());
    const std::int64_t k = i + 1 < 0 ? i + 1 + n : i + 1;
    if (k < 0 || k >= n)
      throw Error("IndexError",
                  "SwinTransformerV2: out_indices " + std::to_string(i) + " is out of range");
    norms_[i] = engine::register_layer(
        *this, "norm" + std::to_string(i),
        norm_cfg.is_none() ? engine::Layer(torch::nn::Identity().ptr())
                           : mmcv::build_norm_layer(norm_cfg, embed_dims[k]).second);
  }
}

std::shared_ptr<SwinTransformerV2Impl> SwinTransformerV2Impl::from_config(
    registry::BuildArgs& args) {
  return std::make_shared<SwinTransformerV2Impl>(args);
}

void SwinTransformerV2Impl::init_weights() {
  BaseBackboneImpl::init_weights();
  if (is_pretrained(init_cfg())) return;
  if (use_abs_pos_embed_) engine::trunc_normal_(absolute_pos_embed, 0, 0.02);
}

Feats SwinTransformerV2Impl::forward(const torch::Tensor& input) {
  auto [x, hw] = patch_embed_->forward(input);
  if (use_abs_pos_embed_)
    x = x + resize_pos_embed(absolute_pos_embed, patch_resolution_, hw, interpolate_mode_, 0);
  x = drop_after_pos_(x);
  Feats outs;
  for (std::size_t i = 0; i < stages_->size(); ++i) {
    auto& stage = stages_->at<SwinBlockV2SequenceImpl>(i);
    std::tie(x, hw) = stage.forward(x, hw);
    const auto si = static_cast<std::int64_t>(i);
    if (std::find(out_indices_.begin(), out_indices_.end(), si) != out_indices_.end())
      outs.push_back(norms_.at(si)(x)
                         .view({-1, hw.first, hw.second, stage.out_channels()})
                         .permute({0, 3, 1, 2})
                         .contiguous());
  }
  return outs;
}

void SwinTransformerV2Impl::freeze_stages() {
  auto no_grad = [](torch::nn::Module& m) {
    for (auto& p : m.parameters()) p.set_requires_grad(false);
  };
  if (frozen_stages_ >= 0) {
    patch_embed_->eval();
    no_grad(*patch_embed_);
  }
  for (std::int64_t i = 0; i <= frozen_stages_; ++i) {
    if (i >= static_cast<std::int64_t>(stages_->size()))
      throw Error("IndexError", "SwinTransformerV2: frozen_stages " +
                                    std::to_string(frozen_stages_) + " is out of range");
    auto& m = *(*stages_)[static_cast<std::size_t>(i)];
    m.eval();
    no_grad(m);
  }
  for (const auto& [i, norm] : norms_)
    if (i <= frozen_stages_) no_grad(norm.module());
}

void SwinTransformerV2Impl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
  if (on && norm_eval_) set_batch_norms_eval(*this);
}

void SwinTransformerV2Impl::load_state_dict_pre_hook(engine::StateDict& sd,
                                                     const std::string& prefix) {
  if (use_abs_pos_embed_) {
    auto it = std::find_if(sd.begin(), sd.end(), [&](const auto& kv) {
      return kv.first == prefix + "absolute_pos_embed";
    });
    if (it != sd.end() && it->second.is_tensor() && it->second.as_tensor().dim() == 3 &&
        it->second.as_tensor().sizes() != absolute_pos_embed.sizes()) {
      torch::Tensor ckpt = it->second.as_tensor();
      print_log("Resize the absolute_pos_embed shape from " + torch_size(ckpt.sizes()) + " to " +
                    torch_size(absolute_pos_embed.sizes()) + ".",
                LogLevel::Info);
      const auto side = static_cast<std::int64_t>(std::sqrt(static_cast<double>(ckpt.size(1))));
      it->second = io::PyObject::tensor(
          resize_pos_embed(ckpt, {side, side}, patch_resolution_, interpolate_mode_, 0));
    }
  }
  print_log(
      "Delete `relative_position_index` and `relative_coords_table` since we always re-init "
      "these params according to the `window_size`, which might cause unwanted but unworried "
      "warnings when loading checkpoint.",
      LogLevel::Info);
  sd.erase(std::remove_if(sd.begin(), sd.end(),
                          [](const auto& kv) {
                            return kv.first.find("relative_position_index") != std::string::npos ||
                                   kv.first.find("relative_coords_table") != std::string::npos;
                          }),
           sd.end());
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::SwinTransformerV2Impl,
                  "SwinTransformerV2",
                  "dict(type='SwinTransformerV2', arch=dict(embed_dims=16, depths=[2, 2], "
                  "num_heads=[2, 4], extra_norm_every_n_blocks=0), img_size=32, window_size=4, "
                  "out_indices=(1, ), pretrained_window_sizes=[0, 0])");
