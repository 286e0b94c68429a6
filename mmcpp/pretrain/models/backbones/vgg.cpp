#include "mmcpp/pretrain/models/backbones/vgg.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/conv_module.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

const std::map<std::int64_t, std::vector<std::int64_t>>& arch_settings() {
  static const std::map<std::int64_t, std::vector<std::int64_t>> a = {
      {11, {1, 1, 2, 2, 2}}, {13, {2, 2, 2, 2, 2}}, {16, {2, 2, 3, 3, 3}}, {19, {2, 2, 4, 4, 4}}};
  return a;
}

}  // namespace

VGGOptions::VGGOptions() {
  act_cfg = make_dict({{"type", Value("ReLU")}});
  init_cfg = Value::list(
      {make_dict({{"type", Value("Kaiming")}, {"layer", Value::list({Value("Conv2d")})}}),
       make_dict({{"type", Value("Constant")},
                  {"val", Value(1.)},
                  {"layer", Value::list({Value("_BatchNorm")})}}),
       make_dict({{"type", Value("Normal")},
                  {"std", Value(0.01)},
                  {"layer", Value::list({Value("Linear")})}})});
}

VGGImpl::VGGImpl(VGGOptions options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  auto it = arch_settings().find(o.depth);
  if (it == arch_settings().end())
    throw Error("KeyError", "invalid depth " + std::to_string(o.depth) + " for vgg");
  if (o.num_stages < 1 || o.num_stages > 5)
    throw Error("AssertionError", "VGG: num_stages must be in [1, 5]");
  if (static_cast<std::int64_t>(o.dilations.size()) != o.num_stages)
    throw Error("AssertionError", "VGG: len(dilations) must equal num_stages");
  out_indices_ = o.out_indices.value_or(
      std::vector<std::int64_t>{o.num_classes > 0 ? std::int64_t{5} : std::int64_t{4}});
  if (out_indices_.empty() ||
      *std::max_element(out_indices_.begin(), out_indices_.end()) > o.num_stages)
    throw Error("AssertionError", "VGG: max(out_indices) must be <= num_stages");

  features_ = register_module("features", engine::LayerSequential());
  std::int64_t in = 3, start = 0;
  for (std::int64_t i = 0; i < o.num_stages; ++i) {
    const std::int64_t num_blocks = it->second[static_cast<std::size_t>(i)];
    const std::int64_t out = i < 4 ? (std::int64_t{64} << i) : 512;
    const std::int64_t dilation = o.dilations[static_cast<std::size_t>(i)];
    for (std::int64_t b = 0; b < num_blocks; ++b) {
      features_->push_back(engine::Layer(mmcv::ConvModule(mmcv::ConvModuleOptions(in, out, Value(3))
                                                              .dilation(Value(dilation))
                                                              .padding(Value(dilation))
                                                              .bias(Value(true))
                                                              .conv_cfg(o.conv_cfg)
                                                              .norm_cfg(o.norm_cfg)
                                                              .act_cfg(o.act_cfg))
                                             .ptr()));
      in = out;
    }
    features_->push_back(engine::Layer(
        torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).stride(2).ceil_mode(o.ceil_mode))
            .ptr()));
    range_sub_modules_.push_back({start, start + num_blocks + 1});
    start += num_blocks + 1;
  }
  if (!o.with_last_pool) {
    // nn.Sequential(*vgg_layers) without the last pooling layer.
    auto trimmed = engine::LayerSequential();
    for (std::size_t j = 0; j + 1 < features_->size(); ++j) trimmed->push_back((*features_)[j]);
    features_ = replace_module("features", trimmed);
    range_sub_modules_.back()[1] -= 1;
  }
  if (o.num_classes > 0) {
    classifier_ = register_module("classifier", engine::LayerSequential());
    classifier_->push_back(engine::Layer(torch::nn::Linear(512 * 7 * 7, 4096).ptr()));
    classifier_->push_back(engine::Layer(torch::nn::ReLU(true).ptr()));
    classifier_->push_back(engine::Layer(torch::nn::Dropout().ptr()));
    classifier_->push_back(engine::Layer(torch::nn::Linear(4096, 4096).ptr()));
    classifier_->push_back(engine::Layer(torch::nn::ReLU(true).ptr()));
    classifier_->push_back(engine::Layer(torch::nn::Dropout().ptr()));
    classifier_->push_back(engine::Layer(torch::nn::Linear(4096, o.num_classes).ptr()));
  }
}

std::shared_ptr<VGGImpl> VGGImpl::from_config(registry::BuildArgs& a) {
  VGGOptions o;
  o.depth = a.require_int("depth");
  o.num_classes = a.get_int("num_classes", o.num_classes);
  o.num_stages = a.get_int("num_stages", o.num_stages);
  o.dilations = a.get_int_list("dilations", o.dilations);
  if (a.has("out_indices") && !a.value("out_indices").is_none())
    o.out_indices = a.get_int_list("out_indices", {});
  o.frozen_stages = a.get_int("frozen_stages", o.frozen_stages);
  o.conv_cfg = a.value("conv_cfg");
  o.norm_cfg = a.value("norm_cfg");
  if (a.has("act_cfg")) o.act_cfg = a.value("act_cfg");
  o.norm_eval = a.get_bool("norm_eval", o.norm_eval);
  o.ceil_mode = a.get_bool("ceil_mode", o.ceil_mode);
  o.with_last_pool = a.get_bool("with_last_pool", o.with_last_pool);
  if (a.has("init_cfg")) o.init_cfg = a.value("init_cfg");
  return std::make_shared<VGGImpl>(o);
}

Feats VGGImpl::forward(const torch::Tensor& input) {
  Feats outs;
  torch::Tensor x = input;
  for (std::size_t i = 0; i < range_sub_modules_.size(); ++i) {
    for (std::int64_t j = range_sub_modules_[i][0]; j < range_sub_modules_[i][1]; ++j)
      x = (*features_)[static_cast<std::size_t>(j)](x);
    if (std::find(out_indices_.begin(), out_indices_.end(), static_cast<std::int64_t>(i)) !=
        out_indices_.end())
      outs.push_back(x);
  }
  if (classifier_) {
    x = x.view({x.size(0), -1});
    outs.push_back(classifier_->forward(x));
  }
  return outs;
}

void VGGImpl::freeze_stages() {
  for (std::int64_t i = 0; i < options_.frozen_stages; ++i) {
    if (static_cast<std::size_t>(i) >= range_sub_modules_.size())
      throw Error("IndexError", "VGG: frozen_stages is out of range");
    const auto& r = range_sub_modules_[static_cast<std::size_t>(i)];
    for (std::int64_t j = r[0]; j < r[1]; ++j)
      freeze((*features_)[static_cast<std::size_t>(j)].module());
  }
}

void VGGImpl::train(bool on) {
  BaseBackboneImpl::train(on);
  freeze_stages();
  if (on && options_.norm_eval) set_batch_norms_eval(*this);
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::VGGImpl, "VGG",
                  "dict(type='VGG', depth=11, norm_cfg=dict(type='BN'))");
