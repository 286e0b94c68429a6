// build_padding_layer (mmcv/cnn/bricks/padding.py). Registered in MODELS:
// 'zero' (ZeroPad2d), 'reflect' (ReflectionPad2d), 'replicate'
// (ReplicationPad2d), each taking `padding` (an int or (left, right, top, bottom)).
//
//   engine::Layer pad = mmcv::build_padding_layer(make_dict({{"type", "reflect"}}), {Value(1)});
#pragma once

#include "mmcpp/config/value.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/engine/model/layer.h"

namespace mmcpp::mmcv {

engine::Layer build_padding_layer(const config::Value& cfg, const Args& args = {},
                                  const Kwargs& kwargs = {});

const std::vector<std::string>& padding_layer_types();

}  // namespace mmcpp::mmcv
