// RepVGG, RepVGGBlock and MTSPPF (mmpretrain/models/backbones/repvgg.py).
//
// RepVGG(arch, in_channels=3, base_channels=64, out_indices=(3, ),
// strides=(2, 2, 2, 2), dilations=(1, 1, 1, 1), frozen_stages=-1,
// conv_cfg=None, norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'),
// with_cp=False, deploy=False, norm_eval=False, add_ppf=False,
// init_cfg=[dict(type='Kaiming', layer=['Conv2d']),
//           dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])]).
// arch: A0, A1, A2, B0, B1, B1g2, B1g4, B2, B2g2, B2g4, B3, B3g2, B3g4, D2se,
// yolox-pai-small, or a dict with num_blocks, width_factor, group_layer_map
// (block index -> groups, or None), se_cfg (or None) and optional
// stem_channels (64 by default).
// Submodules: stem (RepVGGBlock, stride 2, min(stem_channels,
// int(base * width_factor[0])) channels), stage_1..stage_4 (Sequential of
// RepVGGBlock), ppf (MTSPPF with add_ppf, else Identity). A block holds
// branch_norm (BN identity branch, when in == out and stride 1), branch_3x3
// and branch_1x1 (Sequential(conv, norm)), se_layer, act; in deploy mode only
// branch_reparam (3x3 conv with bias). switch_to_deploy() fuses the three
// branches into branch_reparam (BN only), as MMPretrain does; the state dict
// then lists branch_reparam after se_layer, as Python's. As in MMPretrain, a
// deploy block applies branch_reparam and act only: its se_layer (D2se) is
// skipped, so switch_to_deploy keeps the outputs of SE-free archs only.
// with_cp is accepted and changes nothing.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/cv/cnn/bricks/conv_module.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/models/utils/se_layer.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

// A backbone whose training-time branches can be fused for inference
// (MMPretrain's `switch_to_deploy`); `mmcpp reparameterize` calls it.
class SwitchToDeployInterface {
 public:
  virtual ~SwitchToDeployInterface() = default;
  virtual void switch_to_deploy() = 0;
};

struct RepVGGBlockOptions {
  std::int64_t in_channels = 0, out_channels = 0;
  std::int64_t stride = 1, padding = 1, dilation = 1, groups = 1;
  std::string padding_mode = "zeros";
  config::Value se_cfg;  // None or dict (SELayer(channels=out_channels, **se_cfg))
  bool with_cp = false;
  config::Value conv_cfg;
  config::Value norm_cfg;  // dict(type='BN')
  config::Value act_cfg;   // dict(type='ReLU')
  bool deploy = false;
  config::Value init_cfg;
  RepVGGBlockOptions();
};

class RepVGGBlockImpl : public engine::BaseModule,
                        public engine::TensorForward,
                        public SwitchToDeployInterface {
 public:
  MMCPP_PYTHON_CLASS("RepVGGBlock", "BaseModule")
  explicit RepVGGBlockImpl(RepVGGBlockOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;
  void switch_to_deploy() override;
  // The fused 3x3 kernel and bias of the three branches (reparameterize()).
  std::pair<torch::Tensor, torch::Tensor> reparameterize() const;
  bool deploy() const { return options_.deploy; }

 private:
  engine::Sequential create_conv_bn(std::int64_t kernel_size, std::int64_t dilation,
                                    std::int64_t padding) const;

  RepVGGBlockOptions options_;
  engine::Layer branch_reparam_, branch_norm_, act_;
  engine::Sequential branch_3x3_{nullptr}, branch_1x1_{nullptr};
  SELayer se_layer_{nullptr};
};
TORCH_MODULE(RepVGGBlock);

// MTSPPF(in_channels, out_channels, norm_cfg=dict(type='BN'),
// act_cfg=dict(type='ReLU'), kernel_size=5).
class MTSPPFImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("MTSPPF", "BaseModule")
  MTSPPFImpl(std::int64_t in_channels, std::int64_t out_channels, const config::Value& norm_cfg,
             const config::Value& act_cfg, std::int64_t kernel_size = 5);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  mmcv::ConvModule conv1_{nullptr}, conv2_{nullptr};
  engine::Layer maxpool_;
};
TORCH_MODULE(MTSPPF);

struct RepVGGArch {
  std::vector<std::int64_t> num_blocks;
  std::vector<double> width_factor;
  std::optional<std::map<std::int64_t, std::int64_t>> group_layer_map;
  config::Value se_cfg;
  std::int64_t stem_channels = 64;
};
// arch_settings, in MMPretrain's order.
const std::vector<std::pair<std::string, RepVGGArch>>& repvgg_arch_settings();

struct RepVGGOptions {
  RepVGGArch arch;
  std::int64_t in_channels = 3;
  std::int64_t base_channels = 64;
  std::vector<std::int64_t> out_indices = {3};
  std::vector<std::int64_t> strides = {2, 2, 2, 2};
  std::vector<std::int64_t> dilations = {1, 1, 1, 1};
  std::int64_t frozen_stages = -1;
  config::Value conv_cfg;
  config::Value norm_cfg;  // dict(type='BN')
  config::Value act_cfg;   // dict(type='ReLU')
  bool with_cp = false;
  bool deploy = false;
  bool norm_eval = false;
  bool add_ppf = false;
  config::Value init_cfg;
  RepVGGOptions();
};

class RepVGGImpl : public BaseBackboneImpl, public SwitchToDeployInterface {
 public:
  MMCPP_PYTHON_CLASS("RepVGG", "BaseBackbone")
  explicit RepVGGImpl(RepVGGOptions options);
  // Example: dict(type='RepVGG', arch='A0').
  static std::shared_ptr<RepVGGImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  void switch_to_deploy() override;
  bool deploy() const { return options_.deploy; }

 private:
  void freeze_stages();

  RepVGGOptions options_;
  RepVGGBlock stem_{nullptr};
  std::vector<engine::Sequential> stages_;
  engine::Layer ppf_;
};
TORCH_MODULE(RepVGG);

}  // namespace mmcpp::pretrain
