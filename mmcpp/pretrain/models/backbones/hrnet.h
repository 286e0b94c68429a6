// HRNet and its HRModule (mmpretrain/models/backbones/hrnet.py).
//
// HRNet(arch='w32', extra=None, in_channels=3, conv_cfg=None,
// norm_cfg=dict(type='BN'), norm_eval=False, with_cp=False,
// zero_init_residual=False, multiscale_output=True,
// init_cfg=[dict(type='Kaiming', layer='Conv2d'),
//           dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])]).
// arch: w18, w30, w32, w40, w44, w48, w64 (arch_zoo), used when `extra` is
// None; extra: dict(stage1=..., stage4=...), each with num_modules,
// num_branches, block ('BASIC' | 'BOTTLENECK'), num_blocks, num_channels.
//
// Submodules as MMPretrain's: conv1, norm1 (bn1 for BN), conv2, norm2 (the
// 3x3/2 stem to 64 channels), relu, layer1 (ResLayer of stage1's block, BN
// by default whatever norm_cfg), transition1..3 (ModuleList: per branch a
// 3x3 conv/norm/ReLU Sequential, Identity, or a Sequential of stride-2
// ones for new branches), stage2..4 (mmengine Sequential of HRModule:
// branches = ModuleList of ResLayer, fuse_layers = ModuleList of ModuleList
// (None entries on the diagonal are not registered, as in PyTorch), relu).
// The blocks are resnet.h's BasicBlock / Bottleneck. The output is one
// tensor per branch of stage4 (only the first when multiscale_output is
// False). with_cp is accepted and changes nothing (same results).
#pragma once

#include <torch/nn/modules/container/modulelist.h>

#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/models/backbones/resnet.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

struct HRStageConfig {
  std::int64_t num_modules = 1;
  std::int64_t num_branches = 1;
  std::string block = "BASIC";  // or "BOTTLENECK"
  std::vector<std::int64_t> num_blocks;
  std::vector<std::int64_t> num_channels;
};
using HRNetExtra = std::vector<HRStageConfig>;  // stage1..stage4

// arch_zoo, in MMPretrain's order.
const std::vector<std::pair<std::string, HRNetExtra>>& hrnet_arch_zoo();
// get_expansion of BasicBlock (1) / Bottleneck (4) by the block name.
std::int64_t hrnet_block_expansion(const std::string& block);

struct HRModuleOptions {
  std::int64_t num_branches = 1;
  std::string block = "BASIC";
  std::vector<std::int64_t> num_blocks, in_channels, num_channels;
  bool multiscale_output = true;
  bool with_cp = false;
  config::Value conv_cfg;
  config::Value norm_cfg;  // dict(type='BN')
  config::Value block_init_cfg;
  config::Value init_cfg;
  HRModuleOptions();
};

// HRModule: forward over one tensor per branch.
class HRModuleImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("HRModule", "BaseModule")
  explicit HRModuleImpl(HRModuleOptions options);
  std::vector<torch::Tensor> forward(std::vector<torch::Tensor> x);

 private:
  HRModuleOptions options_;
  std::vector<engine::Layer> branches_;
  // fuse_[i][j]: empty on the diagonal.
  std::vector<std::vector<engine::Layer>> fuse_;
  engine::Layer relu_;
};
TORCH_MODULE(HRModule);

struct HRNetOptions {
  HRNetExtra extra;
  std::int64_t in_channels = 3;
  config::Value conv_cfg;
  config::Value norm_cfg;  // dict(type='BN')
  bool norm_eval = false;
  bool with_cp = false;
  bool zero_init_residual = false;
  bool multiscale_output = true;
  config::Value init_cfg;  // Kaiming Conv2d, Constant 1 _BatchNorm/GroupNorm
  HRNetOptions();          // arch w32
  explicit HRNetOptions(registry::BuildArgs& args);
};

class HRNetImpl : public BaseBackboneImpl {
 public:
  MMCPP_PYTHON_CLASS("HRNet", "BaseModule")
  explicit HRNetImpl(HRNetOptions options);
  // Example: dict(type='HRNet', arch='w18').
  static std::shared_ptr<HRNetImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  const HRNetOptions& options() const { return options_; }

 private:
  HRNetOptions options_;
  engine::Layer conv1_, norm1_, conv2_, norm2_, relu_, layer1_;
  // transitions_[s][b] for stage s + 2 (Identity layers included).
  std::vector<std::vector<engine::Layer>> transitions_;
  std::vector<std::vector<HRModule>> stages_;
};
TORCH_MODULE(HRNet);

}  // namespace mmcpp::pretrain
