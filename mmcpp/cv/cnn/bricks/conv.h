// build_conv_layer (mmcv/cnn/bricks/conv.py).
//
// Registered in MODELS: 'Conv1d', 'Conv2d' (torch.nn), 'Conv' and 'Conv3d'
// (MMCV's wrappers), 'deconv'/'ConvTranspose2d', 'deconv3d'/'ConvTranspose3d'
// (wrappers.h). Arguments as torch.nn.ConvNd: in_channels, out_channels,
// kernel_size, stride=1, padding=0 (or 'same'/'valid'), dilation=1, groups=1,
// bias=True, padding_mode='zeros' (transposed: ..., output_padding=0, groups=1,
// bias=True, dilation=1, padding_mode='zeros').
//
//   engine::Layer conv = mmcv::build_conv_layer(conv_cfg, {in, out, 3},
//                                               {{"stride", 2}, {"padding", 1}, {"bias", false}});
// cfg None means dict(type='Conv2d').
#pragma once

#include "mmcpp/config/value.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/engine/model/layer.h"

namespace mmcpp::mmcv {

engine::Layer build_conv_layer(const config::Value& cfg, const Args& args = {},
                               const Kwargs& kwargs = {});

// The conv types registered by MMCV (for messages).
const std::vector<std::string>& conv_layer_types();

}  // namespace mmcpp::mmcv
