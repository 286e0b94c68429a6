// DenseNet and its parts DenseLayer, DenseBlock, DenseTransition
// (mmpretrain/models/backbones/densenet.py).
//
// DenseNet(arch='121', in_channels=3, bn_size=4, drop_rate=0,
// compression_factor=0.5, memory_efficient=False, norm_cfg=dict(type='BN'),
// act_cfg=dict(type='ReLU'), out_indices=-1, frozen_stages=0, init_cfg=None).
// arch: '121', '169', '201', '161' (arch_settings) or a dict with growth_rate,
// depths and init_channels.
//
// Submodules as MMPretrain's: stem (Sequential: 7x7/2 Conv2d, norm, act,
// 3x3/2 MaxPool2d), stages (ModuleList of DenseBlock: `block`, a ModuleList of
// DenseLayer norm1, conv1 (1x1 to bn_size * growth_rate), act, norm2, conv2
// (3x3 to growth_rate)), transitions (ModuleList: DenseTransition norm, act,
// conv 1x1 to floor(channels * compression_factor), pool AvgPool2d(2, 2)
// between stages; after the last stage a Sequential of norm and act).
// Out index i is the output of transitions[i]; negative indices count from
// the number of stages. frozen_stages (0: none) freezes stages[i] and
// transitions[i] for i < frozen_stages, re-applied in train().
// memory_efficient is accepted: in MMPretrain it only recomputes the
// bottleneck in backward (torch.utils.checkpoint) to save memory; results
// are the same, so here it changes nothing.
#pragma once

#include <torch/nn/modules/container/modulelist.h>

#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

// DenseLayer(in_channels, growth_rate, bn_size, norm_cfg=dict(type='BN'),
// act_cfg=dict(type='ReLU'), drop_rate=0., memory_efficient=False): takes
// the list of features so far, returns growth_rate new channels.
class DenseLayerImpl : public engine::BaseModule {
 public:
  MMCPP_PYTHON_CLASS("DenseLayer", "BaseBackbone")
  DenseLayerImpl(std::int64_t in_channels, std::int64_t growth_rate, std::int64_t bn_size,
                 const config::Value& norm_cfg, const config::Value& act_cfg, double drop_rate,
                 bool memory_efficient);
  torch::Tensor forward(const std::vector<torch::Tensor>& xs);

 private:
  engine::Layer norm1_, conv1_, act_, norm2_, conv2_;
  double drop_rate_;
};
TORCH_MODULE(DenseLayer);

// DenseBlock(num_layers, in_channels, bn_size, growth_rate, ...): `block`, a
// ModuleList of DenseLayer; the output concatenates the input and every
// layer's new features.
class DenseBlockImpl : public torch::nn::Module,
                       public engine::TensorForward,
                       public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("DenseBlock", "Module")
  DenseBlockImpl(std::int64_t num_layers, std::int64_t in_channels, std::int64_t bn_size,
                 std::int64_t growth_rate, const config::Value& norm_cfg,
                 const config::Value& act_cfg, double drop_rate, bool memory_efficient);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  torch::nn::ModuleList block_{nullptr};
  std::vector<DenseLayer> layers_;
};
TORCH_MODULE(DenseBlock);

// DenseTransition(in_channels, out_channels, norm_cfg, act_cfg): a Sequential
// of norm, act, conv (1x1, no bias), pool (AvgPool2d(2, 2)).
engine::Layer make_dense_transition(std::int64_t in_channels, std::int64_t out_channels,
                                    const config::Value& norm_cfg, const config::Value& act_cfg);

struct DenseNetArch {
  std::int64_t growth_rate = 32;
  std::vector<std::int64_t> depths = {6, 12, 24, 16};
  std::int64_t init_channels = 64;
};
// arch_settings, in MMPretrain's order.
const std::vector<std::pair<std::string, DenseNetArch>>& densenet_arch_settings();

struct DenseNetOptions {
  DenseNetArch arch;
  std::int64_t in_channels = 3;
  std::int64_t bn_size = 4;
  double drop_rate = 0.;
  double compression_factor = 0.5;
  bool memory_efficient = false;
  config::Value norm_cfg;  // dict(type='BN')
  config::Value act_cfg;   // dict(type='ReLU')
  std::vector<std::int64_t> out_indices = {-1};
  std::int64_t frozen_stages = 0;
  config::Value init_cfg;
  DenseNetOptions();
  explicit DenseNetOptions(registry::BuildArgs& args);
};

class DenseNetImpl : public BaseBackboneImpl {
 public:
  MMCPP_PYTHON_CLASS("DenseNet", "BaseBackbone")
  explicit DenseNetImpl(DenseNetOptions options);
  // Example: dict(type='DenseNet', arch='121').
  static std::shared_ptr<DenseNetImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  const DenseNetOptions& options() const { return options_; }
  // out_indices with negative ones resolved.
  const std::vector<std::int64_t>& out_indices() const { return out_indices_; }
  // Channels of transitions[i]'s output.
  const std::vector<std::int64_t>& stage_channels() const { return stage_channels_; }

 private:
  void freeze_stages();

  DenseNetOptions options_;
  std::vector<std::int64_t> out_indices_, stage_channels_;
  engine::LayerSequential stem_{nullptr};
  torch::nn::ModuleList stages_{nullptr}, transitions_{nullptr};
  std::vector<engine::Layer> stage_layers_, transition_layers_;
};
TORCH_MODULE(DenseNet);

}  // namespace mmcpp::pretrain
