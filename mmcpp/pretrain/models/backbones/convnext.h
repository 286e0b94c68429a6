// ConvNeXt v1 and v2 and ConvNeXtBlock (mmpretrain/models/backbones/convnext.py).
//
// ConvNeXt(arch='tiny', in_channels=3, stem_patch_size=4,
// norm_cfg=dict(type='LN2d', eps=1e-6), act_cfg=dict(type='GELU'),
// linear_pw_conv=True, use_grn=False, drop_path_rate=0.,
// layer_scale_init_value=1e-6, out_indices=-1, frozen_stages=0,
// gap_before_final_norm=True, with_cp=False,
// init_cfg=[dict(type='TruncNormal', layer=['Conv2d', 'Linear'], std=.02, bias=0.),
//           dict(type='Constant', layer=['LayerNorm'], val=1., bias=0.)]).
// arch: atto, femto, pico, nano, tiny, small, base, large, xlarge, huge
// (arch_settings), or dict(depths=[...], channels=[...]). ConvNeXt V2 is
// use_grn=True, layer_scale_init_value=0.
// with_cp (gradient checkpointing) is accepted and changes nothing here: the
// results are the same, only memory use would differ.
//
// Submodules as MMPretrain's: downsample_layers (ModuleList: stem =
// Sequential(Conv2d k=s=stem_patch_size, norm), then Sequential(norm, Conv2d
// k=s=2) per later stage), stages (ModuleList of Sequential of
// ConvNeXtBlock), norm{i} for each out index i. Blocks: depthwise_conv (7x7),
// norm, pointwise_conv1 (Linear or 1x1 Conv2d), act, pointwise_conv2, grn
// (V2), gamma (layer scale, when layer_scale_init_value > 0), drop_path.
#pragma once

#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/models/utils/layer_depth.h"
#include "mmcpp/pretrain/models/utils/norm.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

struct ConvNeXtBlockOptions {
  std::int64_t in_channels = 0;
  config::Value dw_conv_cfg;  // dict(kernel_size=7, padding=3)
  config::Value norm_cfg;     // dict(type='LN2d', eps=1e-6)
  config::Value act_cfg;      // dict(type='GELU')
  double mlp_ratio = 4.;
  bool linear_pw_conv = true;
  double drop_path_rate = 0.;
  double layer_scale_init_value = 1e-6;
  bool use_grn = false;
  bool with_cp = false;

  ConvNeXtBlockOptions();
};

class ConvNeXtBlockImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("ConvNeXtBlock", "BaseModule")
  explicit ConvNeXtBlockImpl(ConvNeXtBlockOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  ConvNeXtBlockOptions options_;
  engine::Layer depthwise_conv_, norm_, pointwise_conv1_, act_, pointwise_conv2_, drop_path_;
  GRN grn_{nullptr};
  torch::Tensor gamma_;
};
TORCH_MODULE(ConvNeXtBlock);

struct ConvNeXtArch {
  std::vector<std::int64_t> depths;
  std::vector<std::int64_t> channels;
};
// arch_settings, in MMPretrain's order.
const std::vector<std::pair<std::string, ConvNeXtArch>>& convnext_arch_settings();

struct ConvNeXtOptions {
  ConvNeXtArch arch;
  std::int64_t in_channels = 3;
  std::int64_t stem_patch_size = 4;
  config::Value norm_cfg;  // dict(type='LN2d', eps=1e-6)
  config::Value act_cfg;   // dict(type='GELU')
  bool linear_pw_conv = true;
  bool use_grn = false;
  double drop_path_rate = 0.;
  double layer_scale_init_value = 1e-6;
  std::vector<std::int64_t> out_indices = {-1};
  std::int64_t frozen_stages = 0;
  bool gap_before_final_norm = true;
  bool with_cp = false;
  config::Value init_cfg;

  ConvNeXtOptions();
  // Reads every argument (arch included) from a config dict.
  explicit ConvNeXtOptions(registry::BuildArgs& args);
};

class ConvNeXtImpl : public BaseBackboneImpl, public LayerDepthInterface {
 public:
  MMCPP_PYTHON_CLASS("ConvNeXt", "BaseBackbone")
  explicit ConvNeXtImpl(ConvNeXtOptions options);
  // Example: dict(type='ConvNeXt', arch='atto').
  static std::shared_ptr<ConvNeXtImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  std::pair<std::int64_t, std::int64_t> get_layer_depth(const std::string& param_name,
                                                        const std::string& prefix) const override;
  const ConvNeXtOptions& options() const { return options_; }
  const std::vector<std::int64_t>& out_indices() const { return out_indices_; }

 private:
  void freeze_stages();

  ConvNeXtOptions options_;
  std::vector<std::int64_t> out_indices_;
  engine::ModuleList downsample_layers_{nullptr};
  torch::nn::ModuleList stages_{nullptr};
  std::vector<engine::LayerSequential> downsample_;
  std::vector<engine::Sequential> stage_seq_;
  std::vector<engine::Layer> norms_;  // per stage; empty when not an out index
};
TORCH_MODULE(ConvNeXt);

}  // namespace mmcpp::pretrain
