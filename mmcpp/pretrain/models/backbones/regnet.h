// RegNet (mmpretrain/models/backbones/regnet.py): a ResNet whose stage widths
// come from RegNet's quantized linear rule.
//
// RegNet(arch, in_channels=3, stem_channels=32, base_channels=32,
// strides=(2, 2, 2, 2), dilations=(1, 1, 1, 1), out_indices=(3, ),
// style='pytorch', deep_stem=False, avg_down=False, frozen_stages=-1,
// conv_cfg=None, norm_cfg=dict(type='BN', requires_grad=True),
// norm_eval=False, with_cp=False, zero_init_residual=True, init_cfg=None).
// arch: regnetx_400mf, regnetx_800mf, regnetx_1.6gf, regnetx_3.2gf,
// regnetx_4.0gf, regnetx_6.4gf, regnetx_8.0gf, regnetx_12gf, or a dict with
// w0, wa, wm, group_w, depth, bot_mul. Widths: generate_regnet (numpy's
// arange/log/power/round, half to even), get_stages_from_blocks,
// adjust_width_group (quantize_float), as MMPretrain computes them.
// Submodules: conv1 (3x3 s2), bn1, relu, layer1..layerN (ResLayer of ResNeXt
// Bottlenecks, expansion 1, groups = width // group_w). deep_stem=True is a
// NotImplementedError, as in MMPretrain. Default init: PyTorch's, then the
// last norm of every block zeroed (zero_init_residual). with_cp is accepted
// and changes nothing.
#pragma once

#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/models/backbones/resnet.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

struct RegNetArch {
  double w0 = 0, wa = 0, wm = 0, group_w = 0, depth = 0, bot_mul = 1.0;
};
// arch_settings, in MMPretrain's order.
const std::vector<std::pair<std::string, RegNetArch>>& regnet_arch_settings();

// The stage widths, stage blocks and group widths an arch gives.
struct RegNetStages {
  std::vector<std::int64_t> widths, blocks, group_widths;
};
RegNetStages regnet_stages(const RegNetArch& arch);

class RegNetImpl : public BaseBackboneImpl {
 public:
  MMCPP_PYTHON_CLASS("RegNet", "ResNet")
  RegNetImpl(RegNetArch arch, ResNetOptions options);
  // Example: dict(type='RegNet', arch='regnetx_400mf').
  static std::shared_ptr<RegNetImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  void init_weights() override;
  std::int64_t feat_dim() const { return feat_dim_; }
  const RegNetStages& stages() const { return stages_; }

 private:
  void freeze_stages();

  ResNetOptions options_;
  RegNetStages stages_;
  engine::Layer conv1_, norm1_, relu_;
  std::vector<ResLayer> res_layers_;
  std::int64_t feat_dim_ = 0;
};
TORCH_MODULE(RegNet);

}  // namespace mmcpp::pretrain
