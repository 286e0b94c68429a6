#include "mmcpp/pretrain/models/heads/levit_head.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/pretrain/models/backbones/levit.h"
#include "mmcpp/pretrain/models/utils/norm.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;

BatchNormLinearImpl::BatchNormLinearImpl(std::int64_t in_channels, std::int64_t out_channels,
                                         const Value& norm_cfg) {
  bn_ = engine::register_layer(*this, "bn", build_norm_layer(norm_cfg, in_channels));
  linear_ = register_module("linear", torch::nn::Linear(in_channels, out_channels));
}

torch::Tensor BatchNormLinearImpl::forward(const torch::Tensor& x) {
  return linear_->forward(bn_(x));
}

engine::Layer BatchNormLinearImpl::fuse() const {
  torch::NoGradGuard no_grad;
  auto [scale, shift] = levit_bn_scale_shift(bn_);
  auto fused = torch::nn::Linear(linear_->options);
  fused->to(linear_->weight.device(), linear_->weight.scalar_type());
  fused->weight.copy_(linear_->weight * scale.unsqueeze(0));
  fused->bias.copy_(torch::matmul(linear_->weight, shift.unsqueeze(1)).view(-1) + linear_->bias);
  return engine::Layer(fused.ptr());
}

LeViTClsHeadImpl::LeViTClsHeadImpl(std::int64_t num_classes, bool distillation,
                                   std::int64_t in_channels, bool deploy, ClsHeadOptions options)
    : ClsHeadImpl(std::move(options)), distillation_(distillation) {
  const Value bn1d = mmcv::make_dict({{"type", Value("BN1d")}});
  head_ = engine::register_layer(
      *this, "head", engine::Layer(BatchNormLinear(in_channels, num_classes, bn1d).ptr()));
  if (distillation_)
    head_dist_ = engine::register_layer(
        *this, "head_dist", engine::Layer(BatchNormLinear(in_channels, num_classes, bn1d).ptr()));
  if (deploy) switch_to_deploy();
}

std::shared_ptr<LeViTClsHeadImpl> LeViTClsHeadImpl::from_config(registry::BuildArgs& args) {
  const std::int64_t num_classes = args.get_int("num_classes", 1000);
  const bool distillation = args.get_bool("distillation", true);
  const Value in = args.value("in_channels");
  if (!in.is_int())
    throw Error("TypeError",
                "LeViTClsHead: in_channels must be an int (BatchNorm1d's "
                "num_features), got " +
                    in.repr());
  const bool deploy = args.get_bool("deploy", false);
  return std::make_shared<LeViTClsHeadImpl>(num_classes, distillation, in.as_int(), deploy,
                                            ClsHeadOptions::read(args));
}

torch::Tensor LeViTClsHeadImpl::forward(const Feats& feats) {
  torch::Tensor x = pre_logits(feats);
  if (!distillation_) return head_(x);
  if (is_training())
    throw Error("NotImplementedError", "MMPretrain doesn't support training in distillation mode.");
  return (head_(x) + head_dist_(x)) / 2;
}

void LeViTClsHeadImpl::switch_to_deploy() {
  if (deploy_) return;
  auto fuse = [this](engine::Layer& layer, const char* name) {
    if (auto* bl = layer.as<BatchNormLinearImpl>()) {
      layer = bl->fuse();
      replace_module(name, layer.ptr());
    }
  };
  fuse(head_, "head");
  if (head_dist_) fuse(head_dist_, "head_dist");
  deploy_ = true;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::LeViTClsHeadImpl, "LeViTClsHead",
                  "dict(type='LeViTClsHead', num_classes=10, in_channels=64)");
