#include "mmcpp/pretrain/models/backbones/convnext.h"

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/torch.h>

#include <algorithm>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/activation.h"
#include "mmcpp/cv/cnn/bricks/conv.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

std::vector<std::int64_t> int_list(const Value& v, const std::string& what) {
  if (!v.is_sequence())
    throw Error("AssertionError",
                "ConvNeXt: the \"" + what + "\" of arch should be a sequence, got " + v.repr());
  std::vector<std::int64_t> out;
  for (const auto& x : v.items()) out.push_back(x.as_int());
  return out;
}

engine::Layer linear_or_conv1x1(bool linear, std::int64_t in, std::int64_t out) {
  if (linear) return engine::Layer(torch::nn::Linear(in, out).ptr());
  return mmcv::build_conv_layer(Value(), {Value(in), Value(out)}, {{"kernel_size", Value(1)}});
}

// Calls a norm built by MMPretrain's build_norm_layer with a data_format, as
// ConvNeXtBlock does (only LayerNorm2d takes one).
torch::Tensor norm_with_format(const engine::Layer& norm, const torch::Tensor& x,
                               const std::string& data_format) {
  if (auto* ln = norm.as<LayerNorm2dImpl>()) return ln->forward(x, data_format);
  throw Error("TypeError",
              "ConvNeXtBlock: forward() got an unexpected keyword argument 'data_format' (the "
              "norm layer must be LN2d)");
}

}  // namespace

// ---------------------------------------------------------------- ConvNeXtBlock

ConvNeXtBlockOptions::ConvNeXtBlockOptions() {
  dw_conv_cfg = make_dict({{"kernel_size", Value(7)}, {"padding", Value(3)}});
  norm_cfg = make_dict({{"type", Value("LN2d")}, {"eps", Value(1e-6)}});
  act_cfg = make_dict({{"type", Value("GELU")}});
}

ConvNeXtBlockImpl::ConvNeXtBlockImpl(ConvNeXtBlockOptions o) : options_(std::move(o)) {
  const auto& op = options_;
  const std::int64_t c = op.in_channels;
  mmcv::Kwargs dw = {{"groups", Value(c)}};
  for (const auto& [k, v] : op.dw_conv_cfg.as_dict().entries()) dw.emplace_back(k.as_str(), v);
  depthwise_conv_ = engine::register_layer(
      *this, "depthwise_conv", mmcv::build_conv_layer(Value(), {Value(c), Value(c)}, dw));
  norm_ = engine::register_layer(*this, "norm", build_norm_layer(op.norm_cfg, c));
  const auto mid = static_cast<std::int64_t>(op.mlp_ratio * static_cast<double>(c));
  pointwise_conv1_ = engine::register_layer(*this, "pointwise_conv1",
                                            linear_or_conv1x1(op.linear_pw_conv, c, mid));
  act_ = engine::register_layer(*this, "act", mmcv::build_activation_layer(op.act_cfg));
  pointwise_conv2_ = engine::register_layer(*this, "pointwise_conv2",
                                            linear_or_conv1x1(op.linear_pw_conv, mid, c));
  if (op.use_grn) grn_ = register_module("grn", GRN(mid));
  if (op.layer_scale_init_value > 0)
    gamma_ = register_parameter("gamma", op.layer_scale_init_value * torch::ones({c}));
  if (op.drop_path_rate > 0.)
    drop_path_ = engine::register_layer(*this, "drop_path",
                                        engine::Layer(mmcv::DropPath(op.drop_path_rate).ptr()));
  else
    drop_path_ =
        engine::register_layer(*this, "drop_path", engine::Layer(torch::nn::Identity().ptr()));
}

torch::Tensor ConvNeXtBlockImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = depthwise_conv_(input);
  if (options_.linear_pw_conv) {
    x = x.permute({0, 2, 3, 1});
    x = norm_with_format(norm_, x, "channel_last");
    x = act_(pointwise_conv1_(x));
    if (grn_) x = grn_->forward(x, "channel_last");
    x = pointwise_conv2_(x).permute({0, 3, 1, 2});
  } else {
    x = norm_with_format(norm_, x, "channel_first");
    x = act_(pointwise_conv1_(x));
    if (grn_) x = grn_->forward(x, "channel_first");
    x = pointwise_conv2_(x);
  }
  if (gamma_.defined()) x = x.mul(gamma_.view({1, -1, 1, 1}));
  return input + drop_path_(x);
}

// ---------------------------------------------------------------- ConvNeXt

const std::vector<std::pair<std::string, ConvNeXtArch>>& convnext_arch_settings() {
  static const std::vector<std::pair<std::string, ConvNeXtArch>> arch = {
      {"atto", {{2, 2, 6, 2}, {40, 80, 160, 320}}},
      {"femto", {{2, 2, 6, 2}, {48, 96, 192, 384}}},
      {"pico", {{2, 2, 6, 2}, {64, 128, 256, 512}}},
      {"nano", {{2, 2, 8, 2}, {80, 160, 320, 640}}},
      {"tiny", {{3, 3, 9, 3}, {96, 192, 384, 768}}},
      {"small", {{3, 3, 27, 3}, {96, 192, 384, 768}}},
      {"base", {{3, 3, 27, 3}, {128, 256, 512, 1024}}},
      {"large", {{3, 3, 27, 3}, {192, 384, 768, 1536}}},
      {"xlarge", {{3, 3, 27, 3}, {256, 512, 1024, 2048}}},
      {"huge", {{3, 3, 27, 3}, {352, 704, 1408, 2816}}}};
  return arch;
}

ConvNeXtOptions::ConvNeXtOptions() {
  arch = convnext_arch_settings()[4].second;  // tiny
  norm_cfg = make_dict({{"type", Value("LN2d")}, {"eps", Value(1e-6)}});
  act_cfg = make_dict({{"type", Value("GELU")}});
  init_cfg = Value::list({make_dict({{"type", Value("TruncNormal")},
                                     {"layer", Value::list({Value("Conv2d"), Value("Linear")})},
                                     {"std", Value(.02)},
                                     {"bias", Value(0.)}}),
                          make_dict({{"type", Value("Constant")},
                                     {"layer", Value::list({Value("LayerNorm")})},
                                     {"val", Value(1.)},
                                     {"bias", Value(0.)}})});
}

ConvNeXtOptions::ConvNeXtOptions(registry::BuildArgs& a) : ConvNeXtOptions() {
  Value av = a.has("arch") ? a.value("arch") : Value("tiny");
  if (av.is_str()) {
    const auto& table = convnext_arch_settings();
    auto it = std::find_if(table.begin(), table.end(),
                           [&](const auto& e) { return e.first == av.as_str(); });
    if (it == table.end()) {
      std::string names;
      for (const auto& e : table) names += (names.empty() ? "'" : ", '") + e.first + "'";
      throw Error("AssertionError", "ConvNeXt: Unavailable arch '" + av.as_str() +
                                        "', please choose from ({" + names + "}) or pass a dict.");
    }
    arch = it->second;
  } else if (av.is_dict()) {
    const auto& d = av.as_dict();
    if (!d.contains("depths") || !d.contains("channels")) {
      std::string keys;
      for (const auto& [k, v] : d.entries()) keys += (keys.empty() ? "'" : ", '") + k.str() + "'";
      throw Error(
          "AssertionError",
          "ConvNeXt: The arch dict must have \"depths\" and \"channels\", but got [" + keys + "].");
    }
    arch.depths = int_list(*d.find("depths"), "depths");
    arch.channels = int_list(*d.find("channels"), "channels");
  } else {
    throw Error("TypeError", "ConvNeXt: arch must be a str or a dict, got " + av.repr());
  }
  in_channels = a.get_int("in_channels", in_channels);
  stem_patch_size = a.get_int("stem_patch_size", stem_patch_size);
  if (a.has("norm_cfg")) norm_cfg = a.value("norm_cfg");
  if (a.has("act_cfg")) act_cfg = a.value("act_cfg");
  linear_pw_conv = a.get_bool("linear_pw_conv", linear_pw_conv);
  use_grn = a.get_bool("use_grn", use_grn);
  drop_path_rate = a.get_float("drop_path_rate", drop_path_rate);
  layer_scale_init_value = a.get_float("layer_scale_init_value", layer_scale_init_value);
  Value oi = a.has("out_indices") ? a.value("out_indices") : Value(-1);
  if (oi.is_int())
    out_indices = {oi.as_int()};
  else
    out_indices = a.get_int_list("out_indices", out_indices);
  frozen_stages = a.get_int("frozen_stages", frozen_stages);
  gap_before_final_norm = a.get_bool("gap_before_final_norm", gap_before_final_norm);
  with_cp = a.get_bool("with_cp", with_cp);
  if (a.has("init_cfg")) init_cfg = a.value("init_cfg");
}

ConvNeXtImpl::ConvNeXtImpl(ConvNeXtOptions options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  if (o.arch.depths.size() != o.arch.channels.size())
    throw Error("AssertionError",
                "ConvNeXt: The \"depths\" and \"channels\" should be both sequence with the "
                "same length.");
  const std::size_t num_stages = o.arch.depths.size();
  for (std::int64_t i : o.out_indices) {
    std::int64_t idx = i;
    if (idx < 0) {
      idx = 4 + i;  // MMPretrain counts from 4 whatever the number of stages
      if (idx < 0)
        throw Error("AssertionError", "ConvNeXt: Invalid out_indices " + std::to_string(i));
    }
    out_indices_.push_back(idx);
  }

  std::int64_t total = 0;
  for (auto d : o.arch.depths) total += d;
  torch::Tensor lin = torch::linspace(0, o.drop_path_rate, total);
  std::vector<double> dpr;
  for (std::int64_t i = 0; i < total; ++i) dpr.push_back(lin[i].item<float>());

  downsample_layers_ = register_module("downsample_layers", engine::ModuleList());
  auto stem = engine::LayerSequential();
  stem->push_back(mmcv::build_conv_layer(
      Value(), {Value(o.in_channels), Value(o.arch.channels[0])},
      {{"kernel_size", Value(o.stem_patch_size)}, {"stride", Value(o.stem_patch_size)}}));
  stem->push_back(build_norm_layer(o.norm_cfg, o.arch.channels[0]));
  downsample_layers_->push_back(stem.ptr());
  downsample_.push_back(stem);

  stages_ = register_module("stages", torch::nn::ModuleList());
  std::size_t block_idx = 0;
  for (std::size_t i = 0; i < num_stages; ++i) {
    const std::int64_t channels = o.arch.channels[i];
    if (i >= 1) {
      auto ds = engine::LayerSequential();
      ds->push_back(build_norm_layer(o.norm_cfg, o.arch.channels[i - 1]));
      ds->push_back(mmcv::build_conv_layer(Value(),
                                           {Value(o.arch.channels[i - 1]), Value(channels)},
                                           {{"kernel_size", Value(2)}, {"stride", Value(2)}}));
      downsample_layers_->push_back(ds.ptr());
      downsample_.push_back(ds);
    }
    auto stage = engine::Sequential();
    for (std::int64_t j = 0; j < o.arch.depths[i]; ++j) {
      ConvNeXtBlockOptions b;
      b.in_channels = channels;
      b.drop_path_rate = dpr[block_idx + static_cast<std::size_t>(j)];
      b.norm_cfg = o.norm_cfg;
      b.act_cfg = o.act_cfg;
      b.linear_pw_conv = o.linear_pw_conv;
      b.layer_scale_init_value = o.layer_scale_init_value;
      b.use_grn = o.use_grn;
      b.with_cp = o.with_cp;
      stage->push_back(engine::Layer(ConvNeXtBlock(b).ptr()));
    }
    block_idx += static_cast<std::size_t>(o.arch.depths[i]);
    stages_->push_back(stage.ptr());
    stage_seq_.push_back(stage);
    const bool is_out = std::find(out_indices_.begin(), out_indices_.end(),
                                  static_cast<std::int64_t>(i)) != out_indices_.end();
    norms_.push_back(is_out ? engine::register_layer(*this, "norm" + std::to_string(i),
                                                     build_norm_layer(o.norm_cfg, channels))
                            : engine::Layer());
  }
  freeze_stages();
}

std::shared_ptr<ConvNeXtImpl> ConvNeXtImpl::from_config(registry::BuildArgs& args) {
  return std::make_shared<ConvNeXtImpl>(ConvNeXtOptions(args));
}

Feats ConvNeXtImpl::forward(const torch::Tensor& input) {
  Feats outs;
  torch::Tensor x = input;
  for (std::size_t i = 0; i < stage_seq_.size(); ++i) {
    // As Python's zip-free indexing: a stage without its downsample layer is an IndexError.
    if (i >= downsample_.size())
      throw Error("IndexError", "ConvNeXt: index " + std::to_string(i) + " is out of range");
    x = downsample_[i]->forward(x);
    x = stage_seq_[i]->forward(x);
    if (norms_[i]) {
      if (options_.gap_before_final_norm)
        outs.push_back(norms_[i](x.mean({-2, -1}, /*keepdim=*/true)).flatten(1));
      else
        outs.push_back(norms_[i](x));
    }
  }
  return outs;
}

void ConvNeXtImpl::freeze_stages() {
  for (std::int64_t i = 0; i < options_.frozen_stages; ++i) {
    const auto k = static_cast<std::size_t>(i);
    if (k >= downsample_.size() || k >= stage_seq_.size())
      throw Error("IndexError", "ConvNeXt: frozen_stages " +
                                    std::to_string(options_.frozen_stages) + " is out of range");
    freeze(*downsample_[k]);
    freeze(*stage_seq_[k]);
  }
}

void ConvNeXtImpl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
}

std::pair<std::int64_t, std::int64_t> ConvNeXtImpl::get_layer_depth(
    const std::string& param_name, const std::string& prefix) const {
  const auto& d = options_.arch.depths;
  const std::int64_t max_layer_id = d.size() >= 2 && d[d.size() - 2] > 9 ? 12 : 6;
  if (param_name.rfind(prefix, 0) != 0) return {max_layer_id + 1, max_layer_id + 2};
  const std::string name = param_name.substr(prefix.size());
  auto field = [&](std::size_t n) {
    std::size_t pos = 0;
    for (std::size_t k = 0; k < n; ++k) pos = name.find('.', pos) + 1;
    return std::stoll(name.substr(pos, name.find('.', pos) - pos));
  };
  std::int64_t layer_id;
  if (name.rfind("downsample_layers", 0) == 0) {
    const std::int64_t stage_id = field(1);
    if (stage_id == 0)
      layer_id = 0;
    else if (stage_id == 1 || stage_id == 2)
      layer_id = stage_id + 1;
    else
      layer_id = max_layer_id;
  } else if (name.rfind("stages", 0) == 0) {
    const std::int64_t stage_id = field(1);
    const std::int64_t block_id = field(2);
    if (stage_id == 0 || stage_id == 1)
      layer_id = stage_id + 1;
    else if (stage_id == 2)
      layer_id = 3 + block_id / 3;
    else
      layer_id = max_layer_id;
  } else {
    layer_id = max_layer_id + 1;
  }
  return {layer_id, max_layer_id + 2};
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::ConvNeXtImpl, "ConvNeXt",
                  "dict(type='ConvNeXt', arch='atto')");
