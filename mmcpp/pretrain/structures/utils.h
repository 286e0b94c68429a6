// mmpretrain/structures/utils.py helpers shared by heads and metrics.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace mmcpp::pretrain {

// label_to_onehot: label indices (N,) (a 0-d tensor counts as one label) ->
// the multi-hot (num_classes,) vector. AssertionError for more dimensions, as
// format_label.
torch::Tensor label_to_onehot(const torch::Tensor& label, std::int64_t num_classes);

}  // namespace mmcpp::pretrain
