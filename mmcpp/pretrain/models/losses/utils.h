// Loss helpers (mmpretrain/models/losses/utils.py).
#pragma once

#include <torch/types.h>

#include <optional>
#include <string>

namespace mmcpp::pretrain {

// reduction 'none' | 'mean' | 'sum' (ValueError otherwise).
torch::Tensor reduce_loss(const torch::Tensor& loss, const std::string& reduction);
// Element-wise weight (undefined: none), then reduce; with avg_factor, 'mean'
// is sum / avg_factor, 'none' leaves the loss, 'sum' is a ValueError.
torch::Tensor weight_reduce_loss(torch::Tensor loss, const torch::Tensor& weight = torch::Tensor(),
                                 const std::string& reduction = "mean",
                                 std::optional<double> avg_factor = std::nullopt);
// Class indices (N, 1) -> one-hot (N, classes) int64; AssertionError when an
// index is not below `classes`.
torch::Tensor convert_to_one_hot(const torch::Tensor& targets, std::int64_t classes);
// The reduction a forward uses: reduction_override when given, else the
// module's (AssertionError for other values).
std::string resolve_reduction(const std::optional<std::string>& reduction_override,
                              const std::string& reduction);

}  // namespace mmcpp::pretrain
