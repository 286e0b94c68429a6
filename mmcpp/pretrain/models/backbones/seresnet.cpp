#include "mmcpp/pretrain/models/backbones/seresnet.h"

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/backbones/resnext.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

namespace {
ResNetOptions checked(ResNetOptions o) {
  if (!bottleneck_arch_settings().count(o.depth))
    throw Error("KeyError", "invalid depth " + std::to_string(o.depth) + " for SEResNet");
  if (!o.se_ratio) o.se_ratio = 16;
  o.block_class = {"SEBottleneck", {"Bottleneck"}};
  return o;
}
}  // namespace

SEResNetImpl::SEResNetImpl(ResNetOptions options)
    : ResNetImpl(checked(std::move(options)), bottleneck_arch_settings()) {}

std::shared_ptr<SEResNetImpl> SEResNetImpl::from_config(registry::BuildArgs& args) {
  ResNetOptions o;
  o.depth = args.require_int("depth");
  o.se_ratio = args.get_int("se_ratio", 16);
  o.read(args);
  return std::make_shared<SEResNetImpl>(o);
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::SEResNetImpl, "SEResNet",
                  "dict(type='SEResNet', depth=50)");
