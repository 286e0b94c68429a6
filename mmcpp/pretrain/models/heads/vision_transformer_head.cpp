#include "mmcpp/pretrain/models/heads/vision_transformer_head.h"

#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/activation.h"
#include "mmcpp/engine/model/weight_init.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;

VisionTransformerClsHeadArgs VisionTransformerClsHeadArgs::read(registry::BuildArgs& args) {
  VisionTransformerClsHeadArgs a;
  a.num_classes = args.require_int("num_classes");
  a.in_channels = args.require_int("in_channels");
  a.hidden_dim = args.get_opt_int("hidden_dim");
  if (args.has("act_cfg")) {
    a.act_cfg = args.value("act_cfg");
  } else {
    a.act_cfg = Value::dict(false);
    a.act_cfg.as_dict().set("type", Value("Tanh"));
  }
  Value init = Value::dict(false);
  init.as_dict().set("type", Value("Constant"));
  init.as_dict().set("layer", Value("Linear"));
  init.as_dict().set("val", Value(0));
  a.options = ClsHeadOptions::read(args, init);
  return a;
}

VisionTransformerClsHeadImpl::VisionTransformerClsHeadImpl(std::int64_t num_classes,
                                                           std::int64_t in_channels,
                                                           std::optional<std::int64_t> hidden_dim,
                                                           Value act_cfg, ClsHeadOptions options)
    : ClsHeadImpl(std::move(options)),
      num_classes_(num_classes),
      in_channels_(in_channels),
      hidden_dim_(hidden_dim),
      act_cfg_(std::move(act_cfg)) {
  if (num_classes <= 0)
    throw Error("ValueError",
                "num_classes=" + std::to_string(num_classes) + " must be a positive integer");
  layers_ = register_module("layers", engine::Sequential());
  if (!hidden_dim_) {
    head_ = torch::nn::Linear(in_channels, num_classes);
    layers_->push_back("head", engine::Layer(head_.ptr()));
  } else {
    pre_logits_ = torch::nn::Linear(in_channels, *hidden_dim_);
    act_ = mmcv::build_activation_layer(act_cfg_);
    head_ = torch::nn::Linear(*hidden_dim_, num_classes);
    layers_->push_back("pre_logits", engine::Layer(pre_logits_.ptr()));
    layers_->push_back("act", act_);
    layers_->push_back("head", engine::Layer(head_.ptr()));
  }
}

std::shared_ptr<VisionTransformerClsHeadImpl> VisionTransformerClsHeadImpl::from_config(
    registry::BuildArgs& args) {
  auto a = VisionTransformerClsHeadArgs::read(args);
  return std::make_shared<VisionTransformerClsHeadImpl>(a.num_classes, a.in_channels, a.hidden_dim,
                                                        a.act_cfg, a.options);
}

void VisionTransformerClsHeadImpl::init_weights() {
  ClsHeadImpl::init_weights();
  if (pre_logits_) {
    engine::trunc_normal_(pre_logits_->weight, 0,
                          std::sqrt(1.0 / static_cast<double>(pre_logits_->options.in_features())));
    torch::NoGradGuard no_grad;
    pre_logits_->bias.zero_();
  }
}

torch::Tensor VisionTransformerClsHeadImpl::pre_logits(const Feats& feats) {
  torch::Tensor cls_token = ClsHeadImpl::pre_logits(feats);
  if (!hidden_dim_) return cls_token;
  return act_(pre_logits_(cls_token));
}

torch::Tensor VisionTransformerClsHeadImpl::forward(const Feats& feats) {
  return head_(pre_logits(feats));
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::VisionTransformerClsHeadImpl,
                  "VisionTransformerClsHead",
                  "dict(type='VisionTransformerClsHead', num_classes=10, in_channels=64)");
