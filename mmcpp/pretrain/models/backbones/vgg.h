// VGG (mmpretrain/models/backbones/vgg.py).
//
// VGG(depth, num_classes=-1, num_stages=5, dilations=(1, 1, 1, 1, 1),
// out_indices=None, frozen_stages=-1, conv_cfg=None, norm_cfg=None,
// act_cfg=dict(type='ReLU'), norm_eval=False, ceil_mode=False,
// with_last_pool=True,
// init_cfg=[dict(type='Kaiming', layer=['Conv2d']),
//           dict(type='Constant', val=1., layer=['_BatchNorm']),
//           dict(type='Normal', std=0.01, layer=['Linear'])]).
// depth: 11, 13, 16, 19 (arch_settings). Submodules: `features`
// (nn.Sequential of 3x3 ConvModules with bias and a MaxPool2d(2, 2) after
// each stage), `classifier` (Linear(512*7*7, 4096), ReLU, Dropout,
// Linear(4096, 4096), ReLU, Dropout, Linear(4096, num_classes)) when
// num_classes > 0. out_indices None: (5, ) (the logits) with num_classes > 0,
// else (4, ).
#pragma once

#include <array>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

struct VGGOptions {
  std::int64_t depth = 11;
  std::int64_t num_classes = -1;
  std::int64_t num_stages = 5;
  std::vector<std::int64_t> dilations = {1, 1, 1, 1, 1};
  std::optional<std::vector<std::int64_t>> out_indices;
  std::int64_t frozen_stages = -1;
  config::Value conv_cfg;
  config::Value norm_cfg;
  config::Value act_cfg;  // dict(type='ReLU')
  bool norm_eval = false;
  bool ceil_mode = false;
  bool with_last_pool = true;
  config::Value init_cfg;
  VGGOptions();
};

class VGGImpl : public BaseBackboneImpl {
 public:
  MMCPP_PYTHON_CLASS("VGG", "BaseBackbone")
  explicit VGGImpl(VGGOptions options);
  // Example: dict(type='VGG', depth=11, norm_cfg=dict(type='BN')).
  static std::shared_ptr<VGGImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;

 private:
  void freeze_stages();

  VGGOptions options_;
  std::vector<std::int64_t> out_indices_;
  std::vector<std::array<std::int64_t, 2>> range_sub_modules_;
  engine::LayerSequential features_{nullptr}, classifier_{nullptr};
};
TORCH_MODULE(VGG);

}  // namespace mmcpp::pretrain
