#include "mmcpp/pretrain/models/necks/hr_fuse.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/conv_module.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/pretrain/models/backbones/resnet.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

HRFuseScalesOptions::HRFuseScalesOptions() {
  norm_cfg = make_dict({{"type", Value("BN")}, {"momentum", Value(0.1)}});
  init_cfg =
      make_dict({{"type", Value("Normal")}, {"layer", Value("Linear")}, {"std", Value(0.01)}});
}

HRFuseScalesImpl::HRFuseScalesImpl(HRFuseScalesOptions options)
    : engine::BaseModule(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  const std::vector<std::int64_t> widths = {128, 256, 512, 1024};
  if (o.in_channels.empty() || o.in_channels.size() > widths.size())
    throw Error("IndexError", "HRFuseScales: in_channels needs 1 to 4 scales, got " +
                                  std::to_string(o.in_channels.size()));
  auto increase = register_module("increase_layers", torch::nn::ModuleList());
  for (std::size_t i = 0; i < o.in_channels.size(); ++i) {
    ResBlockOptions b;
    b.expansion = 4;
    b.python_class = engine::PythonClass{"Bottleneck", {"BaseModule"}};
    ResLayer layer(ResBlockType::Bottleneck, std::int64_t{1}, o.in_channels[i], widths[i],
                   std::int64_t{1}, false, b, std::vector<double>{0.0});
    increase->push_back(layer.ptr());
    increase_.emplace_back(layer.ptr());
  }
  auto down = register_module("downsample_layers", torch::nn::ModuleList());
  for (std::size_t i = 0; i + 1 < o.in_channels.size(); ++i) {
    mmcv::ConvModule m(mmcv::ConvModuleOptions(widths[i], widths[i + 1], Value(3))
                           .stride(Value(2))
                           .padding(Value(1))
                           .norm_cfg(o.norm_cfg)
                           .bias(Value(false)));
    down->push_back(m.ptr());
    downsample_.emplace_back(m.ptr());
  }
  // As MMPretrain: the final layer reads the 4th width whatever the scales.
  final_layer_ = engine::register_layer(
      *this, "final_layer",
      engine::Layer(mmcv::ConvModule(mmcv::ConvModuleOptions(widths[3], o.out_channels, Value(1))
                                         .norm_cfg(o.norm_cfg)
                                         .bias(Value(false)))
                        .ptr()));
}

std::shared_ptr<HRFuseScalesImpl> HRFuseScalesImpl::from_config(registry::BuildArgs& a) {
  HRFuseScalesOptions o;
  o.in_channels = a.get_int_list("in_channels", {});
  if (!a.has("in_channels"))
    throw Error("TypeError",
                "HRFuseScales.__init__() missing 1 required positional argument: 'in_channels'");
  o.out_channels = a.get_int("out_channels", o.out_channels);
  if (a.has("norm_cfg")) o.norm_cfg = a.value("norm_cfg");
  if (a.has("init_cfg")) o.init_cfg = a.value("init_cfg");
  return std::make_shared<HRFuseScalesImpl>(o);
}

Feats HRFuseScalesImpl::forward(const Feats& x) {
  if (x.size() != options_.in_channels.size())
    throw Error("AssertionError", "HRFuseScales: expected " +
                                      std::to_string(options_.in_channels.size()) +
                                      " scales, got " + std::to_string(x.size()));
  torch::Tensor feat = increase_[0](x[0]);
  for (std::size_t i = 0; i < downsample_.size(); ++i)
    feat = downsample_[i](feat) + increase_[i + 1](x[i + 1]);
  return {final_layer_(feat)};
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::HRFuseScalesImpl, "HRFuseScales",
                  "dict(type='HRFuseScales', in_channels=(18, 36, 72, 144))");
