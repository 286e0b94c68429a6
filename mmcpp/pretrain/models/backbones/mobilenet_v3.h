// MobileNetV3 (mmpretrain/models/backbones/mobilenet_v3.py).
//
// MobileNetV3(arch='small', conv_cfg=None,
// norm_cfg=dict(type='BN', eps=0.001, momentum=0.01), out_indices=None,
// frozen_stages=-1, norm_eval=False, with_cp=False,
// init_cfg=[dict(type='Kaiming', layer=['Conv2d'], nonlinearity='leaky_relu'),
//           dict(type='Normal', layer=['Linear'], std=0.01),
//           dict(type='Constant', layer=['BatchNorm2d'], val=1)]).
// arch: small, small_075, small_050, large (arch_settings rows: kernel,
// mid channels, out channels, with SE, activation, stride). out_indices None
// means (12, ) for the small archs and (16, ) for large.
// Submodules: layer0 (ConvModule 3->16, 3x3 s2, HSwish), layer1..layerN
// (InvertedResidual, utils/inverted_residual.h, SE with ratio 4 and
// (ReLU, HSigmoid(bias=3, divisor=6, min_value=0, max_value=1))), layerN+1
// (1x1 ConvModule to the last row's mid channels, HSwish). Frozen stages are
// applied in train(), as in Python. with_cp is accepted and changes nothing.
#pragma once

#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

struct MobileNetV3LayerSetting {
  std::int64_t kernel_size, mid_channels, out_channels;
  bool with_se;
  const char* act;
  std::int64_t stride;
};
// arch_settings, in MMPretrain's order.
const std::vector<std::pair<std::string, std::vector<MobileNetV3LayerSetting>>>&
mobilenet_v3_arch_settings();

struct MobileNetV3Options {
  std::string arch = "small";
  config::Value conv_cfg;
  config::Value norm_cfg;  // dict(type='BN', eps=0.001, momentum=0.01)
  std::optional<std::vector<std::int64_t>> out_indices;  // None: (12, ) small, (16, ) large
  std::int64_t frozen_stages = -1;
  bool norm_eval = false;
  bool with_cp = false;
  config::Value init_cfg;

  MobileNetV3Options();
};

class MobileNetV3Impl : public BaseBackboneImpl {
 public:
  MMCPP_PYTHON_CLASS("MobileNetV3", "BaseBackbone")
  explicit MobileNetV3Impl(MobileNetV3Options options);
  // Example: dict(type='MobileNetV3', arch='small').
  static std::shared_ptr<MobileNetV3Impl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  std::int64_t feat_dim() const { return feat_dim_; }
  const std::vector<std::int64_t>& out_indices() const { return out_indices_; }

 private:
  void freeze_stages();

  MobileNetV3Options options_;
  std::vector<std::int64_t> out_indices_;
  std::vector<engine::Layer> layers_;
  std::int64_t feat_dim_ = 0;
};
TORCH_MODULE(MobileNetV3);

}  // namespace mmcpp::pretrain
