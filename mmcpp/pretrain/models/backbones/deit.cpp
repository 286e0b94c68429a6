#include "mmcpp/pretrain/models/backbones/deit.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/model/weight_init.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

DistilledVisionTransformerImpl::DistilledVisionTransformerImpl(VisionTransformerOptions options)
    : VisionTransformerImpl(std::move(options), 2) {
  dist_token = register_parameter("dist_token", torch::zeros({1, 1, embed_dims()}));
}

std::shared_ptr<DistilledVisionTransformerImpl> DistilledVisionTransformerImpl::from_config(
    registry::BuildArgs& args) {
  if (args.has("with_cls_token"))
    throw Error("TypeError",
                "VisionTransformer.__init__() got multiple values for keyword argument "
                "'with_cls_token'");
  VisionTransformerOptions o;
  o.arch = config::Value("deit-base");
  o.read(args);
  o.with_cls_token = true;
  return std::make_shared<DistilledVisionTransformerImpl>(o);
}

void DistilledVisionTransformerImpl::init_weights() {
  VisionTransformerImpl::init_weights();
  const auto& cfg = init_cfg();
  const config::Value* t = cfg.is_dict() ? cfg.as_dict().find("type") : nullptr;
  if (!(t && t->is_str() && t->as_str() == "Pretrained"))
    engine::trunc_normal_(dist_token, 0, 0.02);
}

Feats DistilledVisionTransformerImpl::forward(const torch::Tensor& input) {
  mmcv::Size2 hw;
  torch::Tensor x = embed(input, {dist_token}, hw);
  return run_layers(x, hw);
}

torch::Tensor DistilledVisionTransformerImpl::format_output(const torch::Tensor& x,
                                                            mmcv::Size2 hw) {
  if (options_.out_type == "cls_token") return torch::stack({x.select(1, 0), x.select(1, 1)});
  return VisionTransformerImpl::format_output(x, hw);
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::DistilledVisionTransformerImpl,
                  "DistilledVisionTransformer",
                  "dict(type='DistilledVisionTransformer', arch=dict(embed_dims=32, "
                  "num_layers=2, num_heads=2, feedforward_channels=64), img_size=32, "
                  "patch_size=8)");
