#include "mmcpp/pretrain/models/heads/deit_head.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

DeiTClsHeadImpl::DeiTClsHeadImpl(std::int64_t num_classes, std::int64_t in_channels,
                                 std::optional<std::int64_t> hidden_dim, config::Value act_cfg,
                                 ClsHeadOptions options)
    : VisionTransformerClsHeadImpl(num_classes, in_channels, hidden_dim, std::move(act_cfg),
                                   std::move(options)) {
  head_dist_ = torch::nn::Linear(hidden_dim ? *hidden_dim : in_channels, num_classes);
  layers_->push_back("head_dist", engine::Layer(head_dist_.ptr()));
}

std::shared_ptr<DeiTClsHeadImpl> DeiTClsHeadImpl::from_config(registry::BuildArgs& args) {
  auto a = VisionTransformerClsHeadArgs::read(args);
  return std::make_shared<DeiTClsHeadImpl>(a.num_classes, a.in_channels, a.hidden_dim, a.act_cfg,
                                           a.options);
}

torch::Tensor DeiTClsHeadImpl::pre_logits(const Feats& feats) {
  torch::Tensor feat = ClsHeadImpl::pre_logits(feats);
  if (feat.size(0) != 2 && feat.size(0) != 3)
    throw Error("ValueError",
                "DeiTClsHead: the last feature should stack (cls_token, dist_token), "
                "got shape " +
                    c10::str(feat.sizes()));
  torch::Tensor cls_token = feat[feat.size(0) - 2];
  torch::Tensor dist_token = feat[feat.size(0) - 1];
  if (hidden_dim_) {
    cls_token = act_(pre_logits_(cls_token));
    dist_token = act_(pre_logits_(dist_token));
  }
  return torch::stack({cls_token, dist_token});
}

torch::Tensor DeiTClsHeadImpl::forward(const Feats& feats) {
  torch::Tensor tokens = pre_logits(feats);
  return (head_(tokens[0]) + head_dist_(tokens[1])) / 2;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::DeiTClsHeadImpl, "DeiTClsHead",
                  "dict(type='DeiTClsHead', num_classes=10, in_channels=64)");
