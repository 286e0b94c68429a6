// build_norm_layer, infer_abbr, is_norm (mmcv/cnn/bricks/norm.py).
//
// Registered in MODELS: 'BN' and 'BN2d' (BatchNorm2d), 'BN1d', 'BN3d', 'SyncBN'
// (sync_batch_norm.h), 'GN' (GroupNorm), 'LN' (LayerNorm), 'IN' and 'IN2d'
// (InstanceNorm2d), 'IN1d', 'IN3d', with torch.nn's arguments and defaults.
//
//   auto [name, norm] = mmcv::build_norm_layer(norm_cfg, 64, 1);   // ("bn1", layer)
//   register_layer(*this, name, norm);
// The name is the abbreviation (bn / gn / ln / in from the class and its bases,
// else from the class name, else "norm_layer") plus the postfix. cfg's
// `requires_grad` (default True) sets the parameters' requires_grad; `eps`
// defaults to 1e-5; GN needs `num_groups` and gets num_channels=num_features;
// the others get num_features as their first positional argument.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/layer.h"

namespace mmcpp::mmcv {

std::pair<std::string, engine::Layer> build_norm_layer(const config::Value& cfg,
                                                       std::int64_t num_features,
                                                       const std::string& postfix = "");
std::pair<std::string, engine::Layer> build_norm_layer(const config::Value& cfg,
                                                       std::int64_t num_features,
                                                       std::int64_t postfix);

std::string infer_abbr(const torch::nn::Module& layer);

// isinstance(layer, (_BatchNorm, _InstanceNorm, GroupNorm, LayerNorm)).
bool is_norm(const torch::nn::Module& layer);
// isinstance(layer, _BatchNorm) (BatchNorm1d/2d/3d, SyncBatchNorm and subclasses).
bool is_batch_norm(const torch::nn::Module& layer);

const std::vector<std::string>& norm_layer_types();

}  // namespace mmcpp::mmcv
