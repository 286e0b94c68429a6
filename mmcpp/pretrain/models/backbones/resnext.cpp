#include "mmcpp/pretrain/models/backbones/resnext.h"

#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

const std::map<std::int64_t, ResNetArch>& bottleneck_arch_settings() {
  static const std::map<std::int64_t, ResNetArch> arch = {
      {50, {ResBlockType::Bottleneck, {3, 4, 6, 3}}},
      {101, {ResBlockType::Bottleneck, {3, 4, 23, 3}}},
      {152, {ResBlockType::Bottleneck, {3, 8, 36, 3}}}};
  return arch;
}

ResNeXtImpl::ResNeXtImpl(ResNetOptions options)
    : ResNetImpl(
          [&] {
            options.block_class = {"Bottleneck", {"Bottleneck"}};
            return std::move(options);
          }(),
          bottleneck_arch_settings()) {}

std::shared_ptr<ResNeXtImpl> ResNeXtImpl::from_config(registry::BuildArgs& args) {
  ResNetOptions o;
  o.depth = args.require_int("depth");
  o.groups = args.get_int("groups", 32);
  o.width_per_group = args.get_int("width_per_group", 4);
  o.read(args);
  return std::make_shared<ResNeXtImpl>(o);
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::ResNeXtImpl, "ResNeXt",
                  "dict(type='ResNeXt', depth=50, groups=32, width_per_group=4)");
