// RIFormer, RIFormerBlock and Affine (mmpretrain/models/backbones/riformer.py):
// PoolFormer (poolformer.h) with an affine token mixer that
// switch_to_deploy() folds into the block's first norm.
//
// RIFormer(arch='s12', in_channels=3, norm_cfg=dict(type='GN', num_groups=1),
// act_cfg=dict(type='GELU'), in_patch_size=7, in_stride=4, in_pad=2,
// down_patch_size=3, down_stride=2, down_pad=1, drop_rate=0.,
// drop_path_rate=0., out_indices=-1, frozen_stages=-1, init_cfg=None,
// deploy=False). arch as PoolFormer's (s12, s24, s36, m36, m48 or a dict).
//
// Submodules as PoolFormer's. A block holds layer_scale_1/2, then norm1 and
// token_mixer (Affine: a depthwise 1x1 Conv2d `affine` with bias, minus the
// input), or with deploy=True norm_reparam in their place, then norm2, mlp,
// drop_path. switch_to_deploy() builds norm_reparam with weight
// norm1.weight * (affine.weight - 1) and bias
// norm1.bias * (affine.weight - 1) + affine.bias, and removes norm1 and
// token_mixer: as in MMPretrain, norm_reparam is then listed after drop_path
// in the state dict (a deploy=True build lists it first).
// As MMPretrain's, frozen_stages >= 0 freezes patch_embed and
// network[0..frozen_stages] (frozen_stages + 1 entries) with their out norms.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/models/backbones/poolformer.h"
#include "mmcpp/pretrain/models/backbones/repvgg.h"  // SwitchToDeployInterface
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

// Affine(in_features): affine(x) - x, affine a depthwise 1x1 Conv2d with bias.
class AffineImpl : public torch::nn::Module,
                   public engine::TensorForward,
                   public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("Affine", "Module")
  explicit AffineImpl(std::int64_t in_features);
  torch::Tensor forward(const torch::Tensor& x) override;
  const torch::nn::Conv2d& affine() const { return affine_; }

 private:
  torch::nn::Conv2d affine_{nullptr};
};
TORCH_MODULE(Affine);

struct RIFormerBlockOptions {
  std::int64_t dim = 0;
  double mlp_ratio = 4.;
  config::Value norm_cfg;  // dict(type='GN', num_groups=1)
  config::Value act_cfg;   // dict(type='GELU')
  double drop = 0.;
  double drop_path = 0.;
  double layer_scale_init_value = 1e-5;
  bool deploy = false;
  RIFormerBlockOptions();
};

class RIFormerBlockImpl : public engine::BaseModule,
                          public engine::TensorForward,
                          public SwitchToDeployInterface {
 public:
  MMCPP_PYTHON_CLASS("RIFormerBlock", "BaseModule")
  explicit RIFormerBlockImpl(RIFormerBlockOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;
  // The norm_reparam weight and bias equal to norm1 followed by token_mixer
  // (get_equivalent_scale_bias; a training-mode block only).
  std::pair<torch::Tensor, torch::Tensor> get_equivalent_scale_bias() const;
  void switch_to_deploy() override;
  bool deploy() const { return options_.deploy; }

 private:
  RIFormerBlockOptions options_;
  torch::Tensor layer_scale_1_, layer_scale_2_;
  engine::Layer norm_reparam_, norm1_, norm2_, mlp_, drop_path_;
  Affine token_mixer_{nullptr};
};
TORCH_MODULE(RIFormerBlock);

struct RIFormerOptions {
  MetaFormerArch arch;
  std::int64_t in_channels = 3;
  config::Value norm_cfg;  // dict(type='GN', num_groups=1)
  config::Value act_cfg;   // dict(type='GELU')
  std::int64_t in_patch_size = 7, in_stride = 4, in_pad = 2;
  std::int64_t down_patch_size = 3, down_stride = 2, down_pad = 1;
  double drop_rate = 0.;
  double drop_path_rate = 0.;
  std::vector<std::int64_t> out_indices = {-1};
  std::int64_t frozen_stages = -1;
  config::Value init_cfg;
  bool deploy = false;
  RIFormerOptions();
  explicit RIFormerOptions(registry::BuildArgs& args);
};

class RIFormerImpl : public BaseBackboneImpl, public SwitchToDeployInterface {
 public:
  MMCPP_PYTHON_CLASS("RIFormer", "BaseBackbone")
  explicit RIFormerImpl(RIFormerOptions options);
  // Example: dict(type='RIFormer', arch='s12').
  static std::shared_ptr<RIFormerImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  void switch_to_deploy() override;
  bool deploy() const { return options_.deploy; }
  const RIFormerOptions& options() const { return options_; }
  const std::vector<std::int64_t>& out_indices() const { return out_indices_; }

 private:
  void freeze_stages();

  RIFormerOptions options_;
  std::vector<std::int64_t> out_indices_;
  PoolFormerPatchEmbed patch_embed_{nullptr};
  torch::nn::ModuleList network_{nullptr};
  std::vector<engine::Layer> network_layers_;
  std::map<std::int64_t, engine::Layer> out_norms_;
};
TORCH_MODULE(RIFormer);

}  // namespace mmcpp::pretrain
