// PoolFormer and its parts PatchEmbed, Pooling, Mlp, PoolFormerBlock
// (mmpretrain/models/backbones/poolformer.py). RIFormer (riformer.h) reuses
// PatchEmbed, Mlp, the arch table and the out_indices / norm layout.
//
// PoolFormer(arch='s12', pool_size=3, norm_cfg=dict(type='GN', num_groups=1),
// act_cfg=dict(type='GELU'), in_patch_size=7, in_stride=4, in_pad=2,
// down_patch_size=3, down_stride=2, down_pad=1, drop_rate=0.,
// drop_path_rate=0., out_indices=-1, frozen_stages=0, init_cfg=None).
// arch: s12, s24, s36, m36, m48 (arch_settings), or a dict with layers and
// embed_dims, optional mlp_ratios ([4, 4, 4, 4]) and layer_scale_init_value
// (1e-5).
//
// Submodules as MMPretrain's: patch_embed (PatchEmbed: proj Conv2d, norm
// Identity), network (ModuleList: per stage a Sequential of blocks, then a
// PatchEmbed downsampling when the next stage's embed_dims differ), norm{i}
// (norm_cfg over embed_dims[(i + 1) // 2]) for each out index i, counted in
// `network` (0-6: stage1, downsampling, stage2, ...; negative + 7). The
// outputs follow the network's order. A block holds layer_scale_1/2
// (parameters, listed first), norm1, token_mixer (Pooling: AvgPool2d
// count_include_pad=False, minus the input), norm2, mlp (fc1/fc2 1x1 Conv2d,
// act, drop), drop_path. Block i of all blocks gets drop path
// drop_path_rate * i / (sum(layers) - 1).
// As MMPretrain's, frozen_stages >= 0 (the default 0 included) freezes
// patch_embed; then network[0..frozen_stages) and their out norms.
#pragma once

#include <torch/nn/modules/container/modulelist.h>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

// PatchEmbed(patch_size=16, stride=16, padding=0, in_chans=3, embed_dim=768,
// norm_layer=None): a Conv2d `proj` and an Identity `norm`.
class PoolFormerPatchEmbedImpl : public torch::nn::Module,
                                 public engine::TensorForward,
                                 public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("PatchEmbed", "Module")
  PoolFormerPatchEmbedImpl(std::int64_t patch_size, std::int64_t stride, std::int64_t padding,
                           std::int64_t in_chans, std::int64_t embed_dim);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  engine::Layer proj_, norm_;
};
TORCH_MODULE(PoolFormerPatchEmbed);

// Pooling(pool_size=3): AvgPool2d(pool_size, 1, pool_size // 2,
// count_include_pad=False)(x) - x.
class PoolingImpl : public torch::nn::Module,
                    public engine::TensorForward,
                    public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("Pooling", "Module")
  explicit PoolingImpl(std::int64_t pool_size = 3);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  engine::Layer pool_;
};
TORCH_MODULE(Pooling);

// Mlp(in_features, hidden_features=None, out_features=None,
// act_cfg=dict(type='GELU'), drop=0.) with 1x1 convolutions fc1 and fc2.
class PoolFormerMlpImpl : public torch::nn::Module,
                          public engine::TensorForward,
                          public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("Mlp", "Module")
  PoolFormerMlpImpl(std::int64_t in_features, std::int64_t hidden_features,
                    std::int64_t out_features, const config::Value& act_cfg, double drop);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  engine::Layer fc1_, act_, fc2_, drop_;
};
TORCH_MODULE(PoolFormerMlp);

struct PoolFormerBlockOptions {
  std::int64_t dim = 0;
  std::int64_t pool_size = 3;
  double mlp_ratio = 4.;
  config::Value norm_cfg;  // dict(type='GN', num_groups=1)
  config::Value act_cfg;   // dict(type='GELU')
  double drop = 0.;
  double drop_path = 0.;
  double layer_scale_init_value = 1e-5;
  PoolFormerBlockOptions();
};

class PoolFormerBlockImpl : public engine::BaseModule, public engine::TensorForward {
 public:
  MMCPP_PYTHON_CLASS("PoolFormerBlock", "BaseModule")
  explicit PoolFormerBlockImpl(PoolFormerBlockOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  PoolFormerBlockOptions options_;
  torch::Tensor layer_scale_1_, layer_scale_2_;
  engine::Layer norm1_, token_mixer_, norm2_, mlp_, drop_path_;
};
TORCH_MODULE(PoolFormerBlock);

// The arch of PoolFormer and RIFormer (the same arch_settings).
struct MetaFormerArch {
  std::vector<std::int64_t> layers;
  std::vector<std::int64_t> embed_dims;
  std::vector<double> mlp_ratios = {4, 4, 4, 4};
  double layer_scale_init_value = 1e-5;
};
// arch_settings, in MMPretrain's order.
const std::vector<std::pair<std::string, MetaFormerArch>>& poolformer_arch_settings();
// The `arch` argument (a name of arch_settings or a dict) of `component`.
MetaFormerArch metaformer_arch_from_value(const config::Value& arch, const std::string& component);
// The `out_indices` argument (an int or a sequence; negative + 7).
std::vector<std::int64_t> metaformer_out_indices(const config::Value& out_indices,
                                                 const std::string& component);
std::vector<std::int64_t> metaformer_out_indices(std::vector<std::int64_t> out_indices,
                                                 const std::string& component);
// drop_path_rate * (block_idx + sum(layers[:index])) / (sum(layers) - 1).
double metaformer_block_drop_path(const MetaFormerArch& arch, std::size_t index,
                                  std::int64_t block_idx, double drop_path_rate,
                                  const std::string& component);

struct PoolFormerOptions {
  MetaFormerArch arch;
  std::int64_t pool_size = 3;
  config::Value norm_cfg;  // dict(type='GN', num_groups=1)
  config::Value act_cfg;   // dict(type='GELU')
  std::int64_t in_patch_size = 7, in_stride = 4, in_pad = 2;
  std::int64_t down_patch_size = 3, down_stride = 2, down_pad = 1;
  double drop_rate = 0.;
  double drop_path_rate = 0.;
  std::vector<std::int64_t> out_indices = {-1};
  std::int64_t frozen_stages = 0;
  config::Value init_cfg;
  PoolFormerOptions();
  explicit PoolFormerOptions(registry::BuildArgs& args);
};

class PoolFormerImpl : public BaseBackboneImpl {
 public:
  MMCPP_PYTHON_CLASS("PoolFormer", "BaseBackbone")
  explicit PoolFormerImpl(PoolFormerOptions options);
  // Example: dict(type='PoolFormer', arch='s12').
  static std::shared_ptr<PoolFormerImpl> from_config(registry::BuildArgs& args);

  Feats forward(const torch::Tensor& x) override;
  void train(bool on = true) override;
  const PoolFormerOptions& options() const { return options_; }
  // out_indices with negative ones resolved.
  const std::vector<std::int64_t>& out_indices() const { return out_indices_; }

 private:
  void freeze_stages();

  PoolFormerOptions options_;
  std::vector<std::int64_t> out_indices_;
  PoolFormerPatchEmbed patch_embed_{nullptr};
  torch::nn::ModuleList network_{nullptr};
  std::vector<engine::Layer> network_layers_;
  std::map<std::int64_t, engine::Layer> out_norms_;
};
TORCH_MODULE(PoolFormer);

// Shared by PoolFormer and RIFormer: fills `network` (registered on its
// owner) with one Sequential of make_block(dim, mlp_ratio, drop_path) per
// stage and the PatchEmbed downsamplings between stages of different
// embed_dims; returns the entries as Layers.
struct MetaFormerDownsample {
  std::int64_t patch_size = 3, stride = 2, padding = 1;
};
std::vector<engine::Layer> build_metaformer_network(
    torch::nn::ModuleList& network, const MetaFormerArch& arch, const MetaFormerDownsample& down,
    double drop_path_rate, const std::string& component,
    const std::function<engine::Layer(std::int64_t dim, double mlp_ratio, double drop_path)>&
        make_block);
// Shared by PoolFormer and RIFormer: the out norms norm{i} registered on
// `owner`, and the forward over `network` with them.
std::map<std::int64_t, engine::Layer> register_metaformer_out_norms(
    torch::nn::Module& owner, const config::Value& norm_cfg, const MetaFormerArch& arch,
    const std::vector<std::int64_t>& out_indices, const std::string& component);
Feats metaformer_forward_tokens(const std::vector<engine::Layer>& network,
                                const std::map<std::int64_t, engine::Layer>& out_norms,
                                torch::Tensor x);

}  // namespace mmcpp::pretrain
