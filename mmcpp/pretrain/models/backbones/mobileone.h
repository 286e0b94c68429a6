// MobileOne and MobileOneBlock (mmpretrain/models/backbones/mobileone.py).
//
// MobileOne(arch, in_channels=3, out_indices=(3, ), frozen_stages=-1,
// conv_cfg=None, norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'),
// se_cfg=dict(ratio=16), deploy=False, norm_eval=False,
// init_cfg=[dict(type='Kaiming', layer=['Conv2d']),
//           dict(type='Constant', val=1, layer=['_BatchNorm'])]).
// arch: s0, s1, s2, s3, s4 (MMPretrain's arch_zoo has no aliases), or a dict
// of four-item lists num_blocks, width_factor, num_conv_branches,
// num_se_blocks (the last num_se_blocks blocks of a stage get an SE layer).
// Submodules: stage0 (3x3 stride-2 block, min(64, int(64 * width_factor[0]))
// channels, one conv branch), stage1..stage4 (Sequential of a depthwise 3x3
// block then a pointwise 1x1 block per num_blocks; the first depthwise block
// of a stage has stride 2).
//
// MobileOneBlock(in_channels, out_channels, kernel_size, num_convs, stride=1,
// padding=1, dilation=1, groups=1, se_cfg=None, conv_cfg=None,
// norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'), deploy=False,
// init_cfg=None): `se` (SELayer or Identity), then branch_norm (BN identity,
// when in == out and stride 1), branch_scale (1x1 conv-bn, when
// kernel_size > 1), branch_conv_list (num_convs conv-bn), act; forward is
// act(se(sum of the branches)). In deploy mode only branch_reparam (conv with
// bias); switch_to_deploy() fuses the branches into it (BN only), so that the
// outputs stay the same.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/models/backbones/repvgg.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

struct MobileOneBlockOptions {
  std::int64_t in_channels = 0, out_channels = 0, kernel_size = 3, num_convs = 1;
  std::int64_t stride = 1, padding = 1, dilation = 1, groups = 1;
  config::Value se_cfg;  // None or dict (SELayer(channels=out_channels, **se_cfg))
  config::Value conv_cfg;
  config::Value norm_cfg;  // dict(type='BN')
  config::Value act_cfg;   // dict(type='ReLU')
  bool deploy = false;
  config::Value init_cfg;
  MobileOneBlockOptions();
};

class MobileOneBlockImpl : public engine::BaseModule,
                           public engine::TensorForward,
                           public SwitchToDeployInterface {
 public:
  MMCPP_PYTHON_CLASS("MobileOneBlock", "BaseModule")
  explicit MobileOneBlockImpl(MobileOneBlockOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;
  void switch_to_deploy() override;
  // The fused kernel and bias of all branches (reparameterize()).
  std::pair<torch::Tensor, torch::Tensor> reparameterize() const;
  bool deploy() const { return options_.deploy; }

 private:
  engine::Sequential create_conv_bn(std::int64_t kernel_size, std::int64_t dilation,
                                    std::int64_t padding) const;

  MobileOneBlockOptions options_;
  engine::Layer se_, branch_reparam_, branch_norm_, act_;
  engine::Sequential branch_scale_{nullptr};
  engine::ModuleList branch_conv_list_{nullptr};
};
TORCH_MODULE(MobileOneBlock);

struct MobileOneArch {
  std::vector<std::int64_t> num_blocks;
  std::vector<double> width_factor;
  std::vector<std::int64_t> num_conv_branches;
  std::vector<std::int64_t> num_se_blocks;
};
// arch_zoo, in MMPretrain's order.
const std::vector<std::pair<std::string, MobileOneArch>>& mobileone_arch_zoo();

struct MobileOneOptions {
  MobileOneArch arch;
  std::int64_t in_channels = 3;
  std::vector<std::int64_t> out_indices = {3};
  std::int64_t frozen_stages = -1;
  config::Value conv_cfg;
  config::Value norm_cfg;  // dict(type='BN')
  config::Value act_cfg;   // dict(type='ReLU')
  config::Value se_cfg;    // dict(ratio=16)
  bool deploy = false;
  bool norm_eval = false;
  config::Value init_cfg;
  MobileOneOptions();
};

class MobileOneImpl : public BaseBackboneImpl, public SwitchToDeployInterface {
 public:
  MMCPP_PYTHON_CLASS("MobileOne", "BaseBackbone")
  explicit MobileOneImpl(MobileOneOptions options);
  // Example: dict(type='MobileOne', arch='s0').
  static std::shared_ptr<MobileOneImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  void switch_to_deploy() override;
  bool deploy() const { return options_.deploy; }
  const std::vector<std::int64_t>& out_indices() const { return options_.out_indices; }

 private:
  void freeze_stages();

  MobileOneOptions options_;
  MobileOneBlock stage0_{nullptr};
  std::vector<engine::Sequential> stages_;
};
TORCH_MODULE(MobileOne);

}  // namespace mmcpp::pretrain
