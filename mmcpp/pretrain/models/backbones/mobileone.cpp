#include "mmcpp/pretrain/models/backbones/mobileone.h"

#include <torch/torch.h>

#include <algorithm>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/activation.h"
#include "mmcpp/cv/cnn/bricks/conv.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/pretrain/models/utils/fuse_conv_bn.h"
#include "mmcpp/pretrain/models/utils/inverted_residual.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

// ---------------------------------------------------------------- MobileOneBlock

MobileOneBlockOptions::MobileOneBlockOptions() {
  norm_cfg = make_dict({{"type", Value("BN")}});
  act_cfg = make_dict({{"type", Value("ReLU")}});
}

engine::Sequential MobileOneBlockImpl::create_conv_bn(std::int64_t kernel_size,
                                                      std::int64_t dilation,
                                                      std::int64_t padding) const {
  const auto& o = options_;
  auto seq = engine::Sequential();
  seq->push_back("conv", mmcv::build_conv_layer(o.conv_cfg, {},
                                                {{"in_channels", Value(o.in_channels)},
                                                 {"out_channels", Value(o.out_channels)},
                                                 {"kernel_size", Value(kernel_size)},
                                                 {"groups", Value(o.groups)},
                                                 {"stride", Value(o.stride)},
                                                 {"dilation", Value(dilation)},
                                                 {"padding", Value(padding)},
                                                 {"bias", Value(false)}}));
  seq->push_back("norm", mmcv::build_norm_layer(o.norm_cfg, o.out_channels).second);
  return seq;
}

MobileOneBlockImpl::MobileOneBlockImpl(MobileOneBlockOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  if (!op.se_cfg.is_none() && !op.se_cfg.is_dict())
    throw Error("AssertionError", "MobileOneBlock: se_cfg must be None or a dict");
  if (op.se_cfg.is_dict()) {
    if (op.se_cfg.as_dict().contains("channels"))
      throw Error("TypeError", "SELayer: got multiple values for keyword argument 'channels'");
    Value cfg = make_dict({{"channels", Value(op.out_channels)}});
    const Value se = op.se_cfg.deep_copy();
    for (const auto& [k, v] : se.as_dict().entries()) cfg.as_dict().set(k, v);
    se_ = engine::register_layer(*this, "se", engine::Layer(build_se_layer(cfg).ptr()));
  } else {
    se_ = engine::register_layer(*this, "se", engine::Layer(torch::nn::Identity().ptr()));
  }
  if (op.deploy) {
    branch_reparam_ =
        engine::register_layer(*this, "branch_reparam",
                               mmcv::build_conv_layer(op.conv_cfg, {},
                                                      {{"in_channels", Value(op.in_channels)},
                                                       {"out_channels", Value(op.out_channels)},
                                                       {"kernel_size", Value(op.kernel_size)},
                                                       {"groups", Value(op.groups)},
                                                       {"stride", Value(op.stride)},
                                                       {"padding", Value(op.padding)},
                                                       {"dilation", Value(op.dilation)},
                                                       {"bias", Value(true)}}));
  } else {
    if (op.out_channels == op.in_channels && op.stride == 1)
      branch_norm_ = engine::register_layer(
          *this, "branch_norm", mmcv::build_norm_layer(op.norm_cfg, op.in_channels).second);
    if (op.kernel_size > 1)
      branch_scale_ = register_module("branch_scale", create_conv_bn(1, 1, 0));
    branch_conv_list_ = register_module("branch_conv_list", engine::ModuleList());
    for (std::int64_t i = 0; i < op.num_convs; ++i)
      branch_conv_list_->push_back(create_conv_bn(op.kernel_size, op.dilation, op.padding).ptr());
  }
  act_ = engine::register_layer(*this, "act", mmcv::build_activation_layer(op.act_cfg));
}

torch::Tensor MobileOneBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor out;
  if (options_.deploy) {
    out = branch_reparam_(x);
  } else {
    auto add = [&out](const torch::Tensor& y) { out = out.defined() ? out + y : y; };
    if (branch_norm_) add(branch_norm_(x));
    if (branch_scale_) add(branch_scale_->forward(x));
    for (std::size_t i = 0; i < branch_conv_list_->size(); ++i)
      add(branch_conv_list_->at<engine::SequentialImpl>(i).forward(x));
    if (!out.defined())
      throw Error("TypeError", "MobileOneBlock: a block without branches has no tensor output");
  }
  return act_(se_(out));
}

std::pair<torch::Tensor, torch::Tensor> MobileOneBlockImpl::reparameterize() const {
  const auto& o = options_;
  torch::Tensor w, b;
  auto accumulate = [&](const torch::Tensor& wi, const torch::Tensor& bi) {
    w = w.defined() ? w + wi : wi;
    b = b.defined() ? b + bi : bi;
  };
  auto fuse = [](const engine::SequentialImpl& s) {
    return fuse_conv_bn(s.get("conv").as<torch::nn::Conv2dImpl>()->weight, s.get("norm").module());
  };
  for (std::size_t i = 0; i < branch_conv_list_->size(); ++i) {
    auto [wi, bi] = fuse(branch_conv_list_->at<engine::SequentialImpl>(i));
    accumulate(wi, bi);
  }
  if (branch_scale_) {
    auto [ws, bs] = fuse(*branch_scale_);
    const std::int64_t pad = o.kernel_size / 2;
    accumulate(torch::constant_pad_nd(ws, {pad, pad, pad, pad}, 0), bs);
  }
  if (branch_norm_) {
    auto* bn = branch_norm_.as<torch::nn::BatchNorm2dImpl>();
    if (!bn) throw Error("AssertionError", "Switch is not allowed when norm_cfg['type'] != 'BN'.");
    auto [wn, bnb] = fuse_conv_bn(
        identity_kernel(o.in_channels, o.groups, o.kernel_size, bn->weight.options()), *bn);
    accumulate(wn, bnb);
  }
  if (!w.defined())
    throw Error("TypeError", "MobileOneBlock: a block without branches cannot be fused");
  return {w, b};
}

void MobileOneBlockImpl::switch_to_deploy() {
  auto& o = options_;
  if (o.deploy) return;
  if (!o.norm_cfg.is_dict() || !o.norm_cfg.as_dict().contains("type") ||
      o.norm_cfg.as_dict().find("type")->str() != "BN")
    throw Error("AssertionError", "Switch is not allowed when norm_cfg['type'] != 'BN'.");
  torch::NoGradGuard no_grad;
  auto [w, b] = reparameterize();
  branch_reparam_ = engine::register_layer(
      *this, "branch_reparam",
      mmcv::build_conv_layer(o.conv_cfg, {Value(o.in_channels), Value(o.out_channels)},
                             {{"kernel_size", Value(o.kernel_size)},
                              {"stride", Value(o.stride)},
                              {"padding", Value(o.padding)},
                              {"dilation", Value(o.dilation)},
                              {"groups", Value(o.groups)},
                              {"bias", Value(true)}}));
  auto* conv = branch_reparam_.as<torch::nn::Conv2dImpl>();
  if (!conv) throw Error("TypeError", "MobileOneBlock: branch_reparam must be a Conv2d");
  conv->weight.set_data(w.detach().clone());
  conv->bias.set_data(b.detach().clone());
  for (auto& p : parameters()) p.detach_();
  unregister_module("branch_conv_list");
  if (branch_scale_) unregister_module("branch_scale");
  if (branch_norm_) unregister_module("branch_norm");
  branch_conv_list_ = nullptr;
  branch_scale_ = nullptr;
  branch_norm_ = engine::Layer();
  o.deploy = true;
}

// ---------------------------------------------------------------- MobileOne

const std::vector<std::pair<std::string, MobileOneArch>>& mobileone_arch_zoo() {
  static const std::vector<std::pair<std::string, MobileOneArch>> zoo = {
      {"s0", {{2, 8, 10, 1}, {0.75, 1.0, 1.0, 2.0}, {4, 4, 4, 4}, {0, 0, 0, 0}}},
      {"s1", {{2, 8, 10, 1}, {1.5, 1.5, 2.0, 2.5}, {1, 1, 1, 1}, {0, 0, 0, 0}}},
      {"s2", {{2, 8, 10, 1}, {1.5, 2.0, 2.5, 4.0}, {1, 1, 1, 1}, {0, 0, 0, 0}}},
      {"s3", {{2, 8, 10, 1}, {2.0, 2.5, 3.0, 4.0}, {1, 1, 1, 1}, {0, 0, 0, 0}}},
      {"s4", {{2, 8, 10, 1}, {3.0, 3.5, 3.5, 4.0}, {1, 1, 1, 1}, {0, 0, 5, 1}}}};
  return zoo;
}

MobileOneOptions::MobileOneOptions() {
  norm_cfg = make_dict({{"type", Value("BN")}});
  act_cfg = make_dict({{"type", Value("ReLU")}});
  se_cfg = make_dict({{"ratio", Value(16)}});
  init_cfg = Value::list(
      {make_dict({{"type", Value("Kaiming")}, {"layer", Value::list({Value("Conv2d")})}}),
       make_dict({{"type", Value("Constant")},
                  {"val", Value(1)},
                  {"layer", Value::list({Value("_BatchNorm")})}})});
}

MobileOneImpl::MobileOneImpl(MobileOneOptions options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  auto& o = options_;
  const auto& a = o.arch;
  if (a.num_blocks.size() != 4 || a.width_factor.size() != 4 || a.num_conv_branches.size() != 4 ||
      a.num_se_blocks.size() != 4)
    throw Error("AssertionError", "the value of each key in arch must be list with 4 items.");

  auto block = [&](std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t num_convs,
                   std::int64_t stride, std::int64_t padding, std::int64_t groups,
                   const Value& se_cfg) {
    MobileOneBlockOptions b;
    b.in_channels = in;
    b.out_channels = out;
    b.kernel_size = kernel;
    b.num_convs = num_convs;
    b.stride = stride;
    b.padding = padding;
    b.groups = groups;
    b.se_cfg = se_cfg;
    b.conv_cfg = o.conv_cfg;
    b.norm_cfg = o.norm_cfg;
    b.act_cfg = o.act_cfg;
    b.deploy = o.deploy;
    return MobileOneBlock(b);
  };
  const std::int64_t base_channels[4] = {64, 128, 256, 512};
  std::int64_t in_planes = std::min<std::int64_t>(
      64, static_cast<std::int64_t>(static_cast<double>(base_channels[0]) * a.width_factor[0]));
  stage0_ = register_module("stage0", block(o.in_channels, in_planes, 3, 1, 2, 1, 1, Value()));
  for (std::size_t i = 0; i < 4; ++i) {
    const auto planes =
        static_cast<std::int64_t>(static_cast<double>(base_channels[i]) * a.width_factor[i]);
    const std::int64_t num_blocks = a.num_blocks[i], num_se = a.num_se_blocks[i];
    if (num_se > num_blocks)
      throw Error("ValueError", "Number of SE blocks cannot exceed number of layers.");
    auto stage = engine::Sequential();
    for (std::int64_t j = 0; j < num_blocks; ++j) {
      const Value se = j >= num_blocks - num_se ? o.se_cfg : Value();
      // Depthwise 3x3, then pointwise 1x1.
      stage->push_back(engine::Layer(
          block(in_planes, in_planes, 3, a.num_conv_branches[i], j == 0 ? 2 : 1, 1, in_planes, se)
              .ptr()));
      stage->push_back(
          engine::Layer(block(in_planes, planes, 1, a.num_conv_branches[i], 1, 0, 1, se).ptr()));
      in_planes = planes;
    }
    stages_.push_back(register_module("stage" + std::to_string(i + 1), stage));
  }
  for (auto& idx : o.out_indices) {
    const std::int64_t given = idx;
    if (idx < 0) idx += static_cast<std::int64_t>(stages_.size());
    if (idx < 0 || idx > static_cast<std::int64_t>(stages_.size()))
      throw Error("AssertionError", "Invalid out_indices " + std::to_string(given) + ".");
  }
}

std::shared_ptr<MobileOneImpl> MobileOneImpl::from_config(registry::BuildArgs& args) {
  MobileOneOptions o;
  Value av = args.require("arch");
  if (av.is_str()) {
    const auto& zoo = mobileone_arch_zoo();
    auto it =
        std::find_if(zoo.begin(), zoo.end(), [&](const auto& e) { return e.first == av.as_str(); });
    if (it == zoo.end())
      throw Error("AssertionError", "\"arch\": \"" + av.as_str() +
                                        "\" is not one of the ['s0', 's1', 's2', 's3', 's4']");
    o.arch = it->second;
  } else if (av.is_dict()) {
    const auto& d = av.as_dict();
    for (const auto& [k, v] : d.entries())
      if (!v.is_sequence() || v.items().size() != 4)
        throw Error("AssertionError",
                    "the value of " + k.str() + " in arch must be list with 4 items.");
    auto need = [&](const char* key) -> const Value& {
      const Value* v = d.find(key);
      if (!v) throw Error("KeyError", std::string("MobileOne: the arch dict needs '") + key + "'");
      return *v;
    };
    for (const auto& x : need("num_blocks").items()) o.arch.num_blocks.push_back(x.as_int());
    for (const auto& x : need("width_factor").items()) o.arch.width_factor.push_back(x.as_number());
    for (const auto& x : need("num_conv_branches").items())
      o.arch.num_conv_branches.push_back(x.as_int());
    for (const auto& x : need("num_se_blocks").items()) o.arch.num_se_blocks.push_back(x.as_int());
  } else {
    throw Error("TypeError",
                "Expect \"arch\" to be either a string or a dict, got " + av.type_name());
  }
  o.in_channels = args.get_int("in_channels", o.in_channels);
  o.out_indices = args.get_int_list("out_indices", o.out_indices);
  o.frozen_stages = args.get_int("frozen_stages", o.frozen_stages);
  o.conv_cfg = args.value("conv_cfg");
  if (args.has("norm_cfg")) o.norm_cfg = args.value("norm_cfg");
  if (args.has("act_cfg")) o.act_cfg = args.value("act_cfg");
  if (args.has("se_cfg")) o.se_cfg = args.value("se_cfg");
  o.deploy = args.get_bool("deploy", o.deploy);
  o.norm_eval = args.get_bool("norm_eval", o.norm_eval);
  if (args.has("init_cfg")) o.init_cfg = args.value("init_cfg");
  return std::make_shared<MobileOneImpl>(o);
}

Feats MobileOneImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = stage0_->forward(input);
  Feats outs;
  const auto& oi = options_.out_indices;
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    x = stages_[i]->forward(x);
    if (std::find(oi.begin(), oi.end(), static_cast<std::int64_t>(i)) != oi.end())
      outs.push_back(x);
  }
  return outs;
}

void MobileOneImpl::freeze_stages() {
  if (options_.frozen_stages >= 0) freeze(*stage0_);
  for (std::int64_t i = 0; i < options_.frozen_stages; ++i) {
    if (static_cast<std::size_t>(i) >= stages_.size())
      throw Error("AttributeError",
                  "'MobileOne' object has no attribute 'stage" + std::to_string(i + 1) + "'");
    freeze(*stages_[static_cast<std::size_t>(i)]);
  }
}

void MobileOneImpl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
  if (on && options_.norm_eval) set_batch_norms_eval(*this);
}

void MobileOneImpl::switch_to_deploy() {
  for (const auto& m : modules(/*include_self=*/false))
    if (auto* b = dynamic_cast<MobileOneBlockImpl*>(m.get())) b->switch_to_deploy();
  options_.deploy = true;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::MobileOneImpl, "MobileOne",
                  "dict(type='MobileOne', arch='s0')");
