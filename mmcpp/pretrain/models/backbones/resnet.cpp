#include "mmcpp/pretrain/models/backbones/resnet.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/activation.h"
#include "mmcpp/cv/cnn/bricks/conv.h"
#include "mmcpp/cv/cnn/bricks/conv_module.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/engine/model/weight_init.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

constexpr double kEps = 1.0e-5;

engine::Layer drop_path_or_identity(double rate) {
  if (rate > kEps) return engine::Layer(mmcv::DropPath(rate).ptr());
  return engine::Layer(torch::nn::Identity().ptr());
}

Value default_norm_cfg() { return make_dict({{"type", Value("BN")}}); }

}  // namespace

ResBlockOptions::ResBlockOptions() {
  norm_cfg = default_norm_cfg();
  act_cfg = make_dict({{"type", Value("ReLU")}, {"inplace", Value(true)}});
}

// ---------------------------------------------------------------- BasicBlock

BasicBlockImpl::BasicBlockImpl(ResBlockOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  if (op.expansion != 1) throw Error("AssertionError", "BasicBlock: expansion must be 1");
  if (op.out_channels % op.expansion != 0)
    throw Error("AssertionError", "BasicBlock: out_channels must be divisible by expansion");
  const std::int64_t mid = op.out_channels / op.expansion;
  auto [n1, norm1] = mmcv::build_norm_layer(op.norm_cfg, mid, 1);
  auto [n2, norm2] = mmcv::build_norm_layer(op.norm_cfg, op.out_channels, 2);
  conv1_ = engine::register_layer(
      *this, "conv1",
      mmcv::build_conv_layer(op.conv_cfg, {Value(op.in_channels), Value(mid), Value(3)},
                             {{"stride", Value(op.stride)},
                              {"padding", Value(op.dilation)},
                              {"dilation", Value(op.dilation)},
                              {"bias", Value(false)}}));
  norm1_ = engine::register_layer(*this, n1, norm1);
  conv2_ = engine::register_layer(
      *this, "conv2",
      mmcv::build_conv_layer(op.conv_cfg, {Value(mid), Value(op.out_channels), Value(3)},
                             {{"padding", Value(1)}, {"bias", Value(false)}}));
  norm2_ = engine::register_layer(*this, n2, norm2);
  relu_ = engine::register_layer(*this, "relu", mmcv::build_activation_layer(op.act_cfg));
  if (op.downsample) engine::register_layer(*this, "downsample", op.downsample);
  drop_path_ = engine::register_layer(*this, "drop_path", drop_path_or_identity(op.drop_path_rate));
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor identity = x;
  torch::Tensor out = relu_(norm1_(conv1_(x)));
  out = norm2_(conv2_(out));
  if (options_.downsample) identity = options_.downsample(x);
  out = drop_path_(out);
  out += identity;
  return relu_(out);
}

// ---------------------------------------------------------------- Bottleneck

BottleneckImpl::BottleneckImpl(ResBlockOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  if (op.style != "pytorch" && op.style != "caffe")
    throw Error("AssertionError",
                "Bottleneck: style must be 'pytorch' or 'caffe', got '" + op.style + "'");
  if (op.out_channels % op.expansion != 0)
    throw Error("AssertionError", "Bottleneck: out_channels must be divisible by expansion");
  mid_channels_ = op.out_channels / op.expansion;
  if (op.groups != 1) {  // ResNeXt
    if (mid_channels_ % op.base_channels != 0)
      throw Error("AssertionError",
                  "ResNeXt Bottleneck: mid channels must be divisible by "
                  "base_channels");
    mid_channels_ = op.groups * op.width_per_group * mid_channels_ / op.base_channels;
  }
  const std::int64_t conv1_stride = op.style == "pytorch" ? 1 : op.stride;
  const std::int64_t conv2_stride = op.style == "pytorch" ? op.stride : 1;
  auto [n1, norm1] = mmcv::build_norm_layer(op.norm_cfg, mid_channels_, 1);
  auto [n2, norm2] = mmcv::build_norm_layer(op.norm_cfg, mid_channels_, 2);
  auto [n3, norm3] = mmcv::build_norm_layer(op.norm_cfg, op.out_channels, 3);
  conv1_ = engine::register_layer(
      *this, "conv1",
      mmcv::build_conv_layer(
          op.conv_cfg, {Value(op.in_channels), Value(mid_channels_)},
          {{"kernel_size", Value(1)}, {"stride", Value(conv1_stride)}, {"bias", Value(false)}}));
  norm1_ = engine::register_layer(*this, n1, norm1);
  mmcv::Kwargs conv2_kwargs = {{"kernel_size", Value(3)},
                               {"stride", Value(conv2_stride)},
                               {"padding", Value(op.dilation)},
                               {"dilation", Value(op.dilation)}};
  if (op.groups != 1) conv2_kwargs.emplace_back("groups", Value(op.groups));
  conv2_kwargs.emplace_back("bias", Value(false));
  conv2_ = engine::register_layer(
      *this, "conv2",
      mmcv::build_conv_layer(op.conv_cfg, {Value(mid_channels_), Value(mid_channels_)},
                             conv2_kwargs));
  norm2_ = engine::register_layer(*this, n2, norm2);
  conv3_ = engine::register_layer(
      *this, "conv3",
      mmcv::build_conv_layer(op.conv_cfg, {Value(mid_channels_), Value(op.out_channels)},
                             {{"kernel_size", Value(1)}, {"bias", Value(false)}}));
  norm3_ = engine::register_layer(*this, n3, norm3);
  relu_ = engine::register_layer(*this, "relu", mmcv::build_activation_layer(op.act_cfg));
  if (op.downsample) engine::register_layer(*this, "downsample", op.downsample);
  drop_path_ = engine::register_layer(*this, "drop_path", drop_path_or_identity(op.drop_path_rate));
  if (op.se_ratio)
    se_layer_ =
        register_module("se_layer", SELayer(SELayerOptions(op.out_channels).ratio(*op.se_ratio)));
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x) {
  torch::Tensor identity = x;
  torch::Tensor out = relu_(norm1_(conv1_(x)));
  out = relu_(norm2_(conv2_(out)));
  out = norm3_(conv3_(out));
  if (se_layer_) out = se_layer_(out);  // SEBottleneck: no drop path
  if (options_.downsample) identity = options_.downsample(x);
  if (!se_layer_) out = drop_path_(out);
  out += identity;
  return relu_(out);
}

// ---------------------------------------------------------------- ResLayer

ResLayerImpl::ResLayerImpl(ResBlockType type, std::int64_t num_blocks, std::int64_t in_channels,
                           std::int64_t out_channels, std::int64_t stride, bool avg_down,
                           const ResBlockOptions& block, const std::vector<double>& drop_path_rates)
    : out_channels_(out_channels) {
  if (static_cast<std::int64_t>(drop_path_rates.size()) != num_blocks)
    throw Error("AssertionError", "Please check the length of drop_path_rate");
  engine::Layer downsample;
  if (stride != 1 || in_channels != out_channels) {
    auto seq = engine::LayerSequential();
    std::int64_t conv_stride = stride;
    if (avg_down && stride != 1) {
      conv_stride = 1;
      seq->push_back(engine::Layer(
          torch::nn::AvgPool2d(
              torch::nn::AvgPool2dOptions(stride).stride(stride).ceil_mode(true).count_include_pad(
                  false))
              .ptr()));
    }
    seq->push_back(mmcv::build_conv_layer(
        block.conv_cfg, {Value(in_channels), Value(out_channels)},
        {{"kernel_size", Value(1)}, {"stride", Value(conv_stride)}, {"bias", Value(false)}}));
    seq->push_back(mmcv::build_norm_layer(block.norm_cfg, out_channels).second);
    downsample = engine::Layer(seq.ptr());
  }
  for (std::int64_t i = 0; i < num_blocks; ++i) {
    ResBlockOptions o = block;
    o.in_channels = i == 0 ? in_channels : out_channels;
    o.out_channels = out_channels;
    o.stride = i == 0 ? stride : 1;
    o.downsample = i == 0 ? downsample : engine::Layer();
    o.drop_path_rate = drop_path_rates[static_cast<std::size_t>(i)];
    if (type == ResBlockType::Basic)
      push_back(engine::Layer(BasicBlock(o).ptr()));
    else
      push_back(engine::Layer(Bottleneck(o).ptr()));
  }
}

// ---------------------------------------------------------------- ResNet

const std::map<std::int64_t, ResNetArch>& resnet_arch_settings() {
  static const std::map<std::int64_t, ResNetArch> arch = {
      {18, {ResBlockType::Basic, {2, 2, 2, 2}}},
      {34, {ResBlockType::Basic, {3, 4, 6, 3}}},
      {50, {ResBlockType::Bottleneck, {3, 4, 6, 3}}},
      {101, {ResBlockType::Bottleneck, {3, 4, 23, 3}}},
      {152, {ResBlockType::Bottleneck, {3, 8, 36, 3}}}};
  return arch;
}

ResNetOptions::ResNetOptions() {
  norm_cfg = make_dict({{"type", Value("BN")}, {"requires_grad", Value(true)}});
  Value kaiming =
      make_dict({{"type", Value("Kaiming")}, {"layer", Value::list({Value("Conv2d")})}});
  Value constant = make_dict({{"type", Value("Constant")},
                              {"val", Value(1)},
                              {"layer", Value::list({Value("_BatchNorm"), Value("GroupNorm")})}});
  init_cfg = Value::list({kaiming, constant});
}

void ResNetOptions::read(registry::BuildArgs& a) {
  in_channels = a.get_int("in_channels", in_channels);
  stem_channels = a.get_int("stem_channels", stem_channels);
  base_channels = a.get_int("base_channels", base_channels);
  expansion = a.get_opt_int("expansion");
  num_stages = a.get_int("num_stages", num_stages);
  strides = a.get_int_list("strides", strides);
  dilations = a.get_int_list("dilations", dilations);
  Value oi = a.value("out_indices");
  if (oi.is_int())
    out_indices = {oi.as_int()};
  else if (!oi.is_none())
    out_indices = a.get_int_list("out_indices", out_indices);
  style = a.get_str("style", style);
  deep_stem = a.get_bool("deep_stem", deep_stem);
  avg_down = a.get_bool("avg_down", avg_down);
  frozen_stages = a.get_int("frozen_stages", frozen_stages);
  conv_cfg = a.value("conv_cfg");
  if (a.has("norm_cfg")) norm_cfg = a.value("norm_cfg");
  norm_eval = a.get_bool("norm_eval", norm_eval);
  with_cp = a.get_bool("with_cp", with_cp);
  zero_init_residual = a.get_bool("zero_init_residual", zero_init_residual);
  if (a.has("init_cfg")) init_cfg = a.value("init_cfg");
  drop_path_rate = a.get_float("drop_path_rate", drop_path_rate);
}

ResNetImpl::ResNetImpl(ResNetOptions options, const std::map<std::int64_t, ResNetArch>& arch)
    : ResNetImpl(std::move(options), arch, NoStem{}) {
  make_stem_layer();
  build_stages();
}

ResNetImpl::ResNetImpl(ResNetOptions options, const std::map<std::int64_t, ResNetArch>& arch,
                       NoStem)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  auto it = arch.find(o.depth);
  if (it == arch.end())
    throw Error("KeyError", "invalid depth " + std::to_string(o.depth) + " for resnet");
  if (o.num_stages < 1 || o.num_stages > 4)
    throw Error("AssertionError", "ResNet: num_stages must be in [1, 4]");
  if (static_cast<std::int64_t>(o.strides.size()) != o.num_stages ||
      static_cast<std::int64_t>(o.dilations.size()) != o.num_stages)
    throw Error("AssertionError", "ResNet: len(strides) == len(dilations) == num_stages");
  if (o.out_indices.empty() ||
      *std::max_element(o.out_indices.begin(), o.out_indices.end()) >= o.num_stages)
    throw Error("AssertionError", "ResNet: max(out_indices) must be < num_stages");
  block_ = it->second.block;
  arch_stage_blocks_ = it->second.stage_blocks;
  stage_blocks_.assign(arch_stage_blocks_.begin(), arch_stage_blocks_.begin() + o.num_stages);
  const std::int64_t dflt = block_ == ResBlockType::Basic ? 1 : 4;
  if (o.expansion && *o.expansion <= 0)
    throw Error("AssertionError", "ResNet: expansion must be positive");
  expansion_ = o.expansion.value_or(dflt);
}

void ResNetImpl::make_stem_layer() {
  const auto& o = options_;
  if (o.deep_stem) {
    stem_ = register_module("stem", engine::LayerSequential());
    const std::int64_t half = o.stem_channels / 2;
    std::vector<std::pair<std::int64_t, std::int64_t>> io = {
        {o.in_channels, half}, {half, half}, {half, o.stem_channels}};
    for (std::size_t i = 0; i < io.size(); ++i)
      stem_->push_back(engine::Layer(
          mmcv::ConvModule(mmcv::ConvModuleOptions(io[i].first, io[i].second, Value(3))
                               .stride(Value(i == 0 ? 2 : 1))
                               .padding(Value(1))
                               .conv_cfg(o.conv_cfg)
                               .norm_cfg(o.norm_cfg)
                               .inplace(true))
              .ptr()));
  } else {
    conv1_ = engine::register_layer(
        *this, "conv1",
        mmcv::build_conv_layer(o.conv_cfg, {Value(o.in_channels), Value(o.stem_channels)},
                               {{"kernel_size", Value(7)},
                                {"stride", Value(2)},
                                {"padding", Value(3)},
                                {"bias", Value(false)}}));
    auto [name, norm1] = mmcv::build_norm_layer(o.norm_cfg, o.stem_channels, 1);
    norm1_ = engine::register_layer(*this, name, norm1);
    relu_ = engine::register_layer(
        *this, "relu", engine::Layer(torch::nn::ReLU(torch::nn::ReLUOptions(true)).ptr()));
  }
  maxpool_ = engine::register_layer(
      *this, "maxpool",
      engine::Layer(
          torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(2).padding(1)).ptr()));
}

void ResNetImpl::build_stages() {
  const auto& o = options_;
  ResBlockOptions block;
  block.expansion = expansion_;
  block.style = o.style;
  block.with_cp = o.with_cp;
  block.conv_cfg = o.conv_cfg;
  block.norm_cfg = o.norm_cfg;
  block.groups = o.groups;
  block.width_per_group = o.width_per_group;
  block.base_channels = o.base_channels;
  block.se_ratio = o.se_ratio;
  block.python_class = block_ == ResBlockType::Basic
                           ? engine::PythonClass{"BasicBlock", {"BaseModule"}}
                           : o.block_class;

  // Stochastic depth decay rule over the whole arch (torch.linspace, float32).
  std::int64_t total_depth = 0;
  for (auto n : arch_stage_blocks_) total_depth += n;
  torch::Tensor lin = torch::linspace(0, o.drop_path_rate, total_depth);
  std::vector<double> dpr;
  for (std::int64_t i = 0; i < total_depth; ++i) dpr.push_back(lin[i].item<float>());

  std::int64_t in = o.stem_channels;
  std::int64_t out = o.base_channels * expansion_;
  std::size_t offset = 0;
  for (std::size_t i = 0; i < stage_blocks_.size(); ++i) {
    const std::int64_t n = stage_blocks_[i];
    block.dilation = o.dilations[i];
    std::vector<double> rates(
        dpr.begin() + static_cast<std::ptrdiff_t>(offset),
        dpr.begin() + static_cast<std::ptrdiff_t>(offset + static_cast<std::size_t>(n)));
    offset += static_cast<std::size_t>(n);
    auto layer = ResLayer(block_, n, in, out, o.strides[i], o.avg_down, block, rates);
    register_module("layer" + std::to_string(i + 1), layer);
    res_layers_.push_back(layer);
    in = out;
    out *= 2;
  }
  feat_dim_ = res_layers_.back()->out_channels();
  freeze_stages();
}

void ResNetImpl::freeze_stages() {
  if (options_.frozen_stages >= 0) {
    if (options_.deep_stem) {
      freeze(*stem_);
    } else {
      norm1_.module().eval();
      for (auto* m : {&conv1_.module(), &norm1_.module()})
        for (auto& p : m->parameters()) p.set_requires_grad(false);
    }
  }
  for (std::int64_t i = 1;
       i <= options_.frozen_stages && i <= static_cast<std::int64_t>(res_layers_.size()); ++i)
    freeze(*res_layers_[static_cast<std::size_t>(i - 1)]);
}

void ResNetImpl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
  if (on && options_.norm_eval) set_batch_norms_eval(*this);
}

void ResNetImpl::init_weights() {
  BaseBackboneImpl::init_weights();
  const Value& cfg = init_cfg();
  if (cfg.is_dict()) {
    const Value* t = cfg.as_dict().find("type");
    if (t && t->is_str() && t->as_str() == "Pretrained") return;  // keep the loaded weights
  }
  if (!options_.zero_init_residual) return;
  for (const auto& m : modules(/*include_self=*/false)) {
    if (auto* b = dynamic_cast<BottleneckImpl*>(m.get()))
      engine::constant_init(b->norm3().module(), 0);
    else if (auto* b2 = dynamic_cast<BasicBlockImpl*>(m.get()))
      engine::constant_init(b2->norm2().module(), 0);
  }
}

torch::Tensor ResNetImpl::forward_stages(torch::Tensor x, Feats& outs) {
  const auto& oi = options_.out_indices;
  for (std::size_t i = 0; i < res_layers_.size(); ++i) {
    x = res_layers_[i]->forward(x);
    if (std::find(oi.begin(), oi.end(), static_cast<std::int64_t>(i)) != oi.end())
      outs.push_back(x);
  }
  return x;
}

Feats ResNetImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = options_.deep_stem ? stem_->forward(input) : relu_(norm1_(conv1_(input)));
  x = maxpool_(x);
  Feats outs;
  forward_stages(x, outs);
  return outs;
}

std::pair<std::int64_t, std::int64_t> ResNetImpl::get_layer_depth(const std::string& param_name,
                                                                  const std::string& prefix) const {
  const auto& d = stage_blocks_;
  if (d.size() < 3) throw Error("NotImplementedError", "get_layer_depth needs 3+ stages");
  std::int64_t blk2, blk3;
  if (d[1] == 4 && d[2] == 6) {
    blk2 = 2, blk3 = 3;
  } else if (d[1] == 4 && d[2] == 23) {
    blk2 = 2, blk3 = 3;
  } else if (d[1] == 8 && d[2] == 36) {
    blk2 = 4, blk3 = 4;
  } else if (d[1] == 24 && d[2] == 36) {
    blk2 = 4, blk3 = 4;
  } else if (d[1] == 30 && d[2] == 48) {
    blk2 = 5, blk3 = 6;
  } else {
    throw Error("NotImplementedError", "get_layer_depth: unsupported ResNet stage depths");
  }
  const auto n2 = static_cast<std::int64_t>(std::ceil(static_cast<double>(d[1]) / blk2 - 1e-5));
  const auto n3 = static_cast<std::int64_t>(std::ceil(static_cast<double>(d[2]) / blk3 - 1e-5));
  const std::int64_t n = 2 + n2 + n3;
  const std::int64_t max_layer_id = n + 1;
  if (param_name.rfind(prefix, 0) != 0) return {max_layer_id, max_layer_id + 1};
  if (param_name.rfind("backbone.layer", 0) == 0) {
    // 'backbone.layer{stage}.{block}.…'
    std::size_t dot1 = param_name.find('.');
    std::size_t dot2 = param_name.find('.', dot1 + 1);
    std::size_t dot3 = param_name.find('.', dot2 + 1);
    const std::int64_t stage = std::stoll(param_name.substr(dot1 + 6, dot2 - dot1 - 6));
    const std::int64_t block = std::stoll(param_name.substr(dot2 + 1, dot3 - dot2 - 1));
    std::int64_t layer_id;
    if (stage == 1)
      layer_id = 1;
    else if (stage == 2)
      layer_id = 2 + block / blk2;
    else if (stage == 3)
      layer_id = 2 + n2 + block / blk3;
    else
      layer_id = n;
    return {layer_id, max_layer_id + 1};
  }
  return {0, max_layer_id + 1};
}

namespace {

// ResNetV1c/V1d(**kwargs) fix deep_stem/avg_down: giving them is a TypeError.
void reject(registry::BuildArgs& args, const char* cls) {
  for (const char* k : {"deep_stem", "avg_down"})
    if (args.has(k))
      throw Error(
          "TypeError",
          std::string(cls) + ": __init__() got multiple values for keyword argument '" + k + "'");
}

}  // namespace

std::shared_ptr<ResNetImpl> ResNetImpl::from_config(registry::BuildArgs& args) {
  ResNetOptions o;
  o.depth = args.require_int("depth");
  o.read(args);
  return std::make_shared<ResNetImpl>(o);
}

std::shared_ptr<ResNetV1cImpl> ResNetV1cImpl::from_config(registry::BuildArgs& args) {
  reject(args, "ResNetV1c");
  ResNetOptions o;
  o.depth = args.require_int("depth");
  o.read(args);
  o.deep_stem = true;
  o.avg_down = false;
  return std::make_shared<ResNetV1cImpl>(o);
}

std::shared_ptr<ResNetV1dImpl> ResNetV1dImpl::from_config(registry::BuildArgs& args) {
  reject(args, "ResNetV1d");
  ResNetOptions o;
  o.depth = args.require_int("depth");
  o.read(args);
  o.deep_stem = true;
  o.avg_down = true;
  return std::make_shared<ResNetV1dImpl>(o);
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::ResNetImpl, "ResNet",
                  "dict(type='ResNet', depth=18)");
MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::ResNetV1cImpl, "ResNetV1c",
                  "dict(type='ResNetV1c', depth=50)");
MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::ResNetV1dImpl, "ResNetV1d",
                  "dict(type='ResNetV1d', depth=50)");
