#include "mmcpp/pretrain/models/backbones/seresnext.h"

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/backbones/resnext.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

namespace {
ResNetOptions checked(ResNetOptions o) {
  if (!bottleneck_arch_settings().count(o.depth))
    throw Error("KeyError", "invalid depth " + std::to_string(o.depth) + " for SEResNet");
  if (!o.se_ratio) o.se_ratio = 16;
  o.block_class = {"SEBottleneck", {"SEBottleneck"}};
  return o;
}
}  // namespace

SEResNeXtImpl::SEResNeXtImpl(ResNetOptions options)
    : ResNetImpl(checked(std::move(options)), bottleneck_arch_settings()) {}

std::shared_ptr<SEResNeXtImpl> SEResNeXtImpl::from_config(registry::BuildArgs& args) {
  ResNetOptions o;
  o.depth = args.require_int("depth");
  o.groups = args.get_int("groups", 32);
  o.width_per_group = args.get_int("width_per_group", 4);
  o.se_ratio = args.get_int("se_ratio", 16);
  o.read(args);
  return std::make_shared<SEResNeXtImpl>(o);
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::SEResNeXtImpl, "SEResNeXt",
                  "dict(type='SEResNeXt', depth=50, groups=32, width_per_group=4)");
