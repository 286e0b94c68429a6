// Helpers for OPTIMIZERS factories (torch.optim here, MMPretrain's optimizers,
// plugins): PyTorch's argument checks and the parameters passed as the object
// "params" (see optim_wrapper.h).
#pragma once

#include <torch/optim/optimizer.h>

#include <optional>
#include <string>
#include <vector>

#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

// PyTorch's "Invalid <what>: <v>" ValueError unless `ok`.
void check_range(bool ok, const std::string& what, double v);

// Python-only arguments accepted at their defaults (maximize, differentiable,
// capturable must be False; foreach/fused only pick kernels).
void read_python_flags(registry::BuildArgs& args, const std::vector<std::string>& flags);

// `foreach`: None -> nullopt, else a bool.
std::optional<bool> read_foreach(registry::BuildArgs& args);

// A tuple argument such as `betas` of exactly dflt.size() numbers.
std::vector<double> read_float_tuple(registry::BuildArgs& args, const std::string& key,
                                     const std::vector<double>& dflt);

// The param groups from args.object("params") (std::vector<torch::Tensor> or
// std::vector<ParamGroupSpec>), each with a copy of `defaults` and its overrides.
// ValueError for an empty parameter list.
std::vector<torch::optim::OptimizerParamGroup> read_param_groups(
    registry::BuildArgs& args, const torch::optim::OptimizerOptions& defaults);

}  // namespace mmcpp::engine
