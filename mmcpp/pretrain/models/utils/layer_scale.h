// LayerScale (mmpretrain/models/utils/layer_scale.py).
//
// LayerScale(dim, layer_scale_init_value=1e-5, inplace=False,
// data_format='channels_last'): x * `weight` (dim,), initialised to
// layer_scale_init_value. MMCV's LayerScale (cv/cnn/bricks/scale.h) is the same
// module under the same Python name with the value argument called `scale`;
// MMPretrain's is built through it.
#pragma once

#include <string>

#include "mmcpp/cv/cnn/bricks/scale.h"

namespace mmcpp::pretrain {

inline mmcv::LayerScale make_layer_scale(std::int64_t dim, double layer_scale_init_value = 1e-5,
                                         bool inplace = false,
                                         const std::string& data_format = "channels_last") {
  return mmcv::LayerScale(dim, inplace, data_format, layer_scale_init_value);
}

}  // namespace mmcpp::pretrain
