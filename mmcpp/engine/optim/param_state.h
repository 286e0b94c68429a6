// Per-parameter optimizer state with PyTorch's buffer names, for any optimizer.
//
// PyTorch's optimizer.state_dict()['state'][i] is a dict of named buffers
// (`momentum_buffer`, `exp_avg`, `step`, ...). An optimizer defined outside
// LibTorch says how its OptimizerParamState maps to that dict by implementing
// ParamStateIO; LibTorch's SGD/Adam/AdamW/RMSprop/Adagrad are handled by a
// built-in table. OptimWrapper::state_dict/load_state_dict use only these.
#pragma once

#include <torch/optim/optimizer.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mmcpp::engine {

// Buffers in PyTorch's insertion order; an undefined tensor stands for None.
using NamedBuffers = std::vector<std::pair<std::string, torch::Tensor>>;

// Implemented by torch::optim::Optimizer subclasses (beside the Optimizer base).
class ParamStateIO {
 public:
  virtual ~ParamStateIO() = default;
  virtual NamedBuffers export_param_state(const torch::optim::OptimizerParamState& state) const = 0;
  // `buffers` are already on the parameter's device, floating ones in its dtype
  // (except `step`, kept as saved, as PyTorch does). nullptr: no state entry.
  virtual std::unique_ptr<torch::optim::OptimizerParamState> import_param_state(
      const std::map<std::string, torch::Tensor>& buffers) const = 0;
};

// Dispatch to ParamStateIO or the built-in table; TypeError for other optimizers.
NamedBuffers export_param_state(const torch::optim::Optimizer& optimizer,
                                const torch::optim::OptimizerParamState& state);
std::unique_ptr<torch::optim::OptimizerParamState> import_param_state(
    const torch::optim::Optimizer& optimizer, const std::map<std::string, torch::Tensor>& buffers);

// PyTorch 1.13 keeps `step` as a 0-dim float32 tensor.
torch::Tensor step_tensor(std::int64_t step);
// A saved `step` (tensor of any dtype, undefined = 0) as an integer.
std::int64_t step_value(const torch::Tensor& t);
// The buffer `name` or an undefined tensor.
torch::Tensor buffer_or_none(const std::map<std::string, torch::Tensor>& buffers,
                             const std::string& name);

}  // namespace mmcpp::engine
