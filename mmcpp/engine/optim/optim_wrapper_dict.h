// OptimWrapperDict (mmengine/optim/optimizer/optimizer_wrapper_dict.py): the
// optimizer wrappers of a model trained with several optimizers (GANs), by name.
//
// As in MMEngine it is an OptimWrapper, so it travels where one does (the
// Runner's optim_wrapper(), a model's train_step), and the model picks its
// wrappers by name (`optim_wrapper["generator"]`). update_params, backward and
// step are NotImplementedError (which wrapper?); zero_grad zeroes all. get_lr /
// get_momentum prefix each wrapper's keys with `name.`. The state dict is one
// OptimWrapper state per name (state_dicts / load_state_dicts); the
// single-optimizer state_dict()/load_state_dict() are a TypeError.
//
// Its own optimizer is an SGD over no parameters, so the per-group accessors
// inherited from OptimWrapper (num_groups, get_value, ...) see zero groups.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/engine/optim/optim_wrapper.h"

namespace mmcpp::engine {

class OptimWrapperDict : public OptimWrapper {
 public:
  using Items = std::vector<std::pair<std::string, std::shared_ptr<OptimWrapper>>>;

  // Names in order; a null wrapper is an AssertionError, a repeated name a KeyError.
  explicit OptimWrapperDict(Items optim_wrappers);

  void update_params(const torch::Tensor& loss, bool step = true, bool zero = true) override;
  void backward(const torch::Tensor& loss) override;
  void step() override;
  void zero_grad() override;

  // {"<name>.lr": [...], "<name>.base_lr": [...] (when that wrapper has it)}.
  std::map<std::string, std::vector<double>> get_lr() override;
  // {"<name>.momentum": [...]}.
  std::map<std::string, std::vector<double>> get_momentum() override;

  OptimizerStateDict state_dict() override;
  void load_state_dict(const OptimizerStateDict& state) override;
  // {name: wrapper.state_dict()} in order.
  std::vector<std::pair<std::string, OptimizerStateDict>> state_dicts();
  // Each entry loads into the wrapper of its name (a name not here is an
  // AssertionError, as MMEngine's); wrappers without an entry keep their state.
  void load_state_dicts(const std::vector<std::pair<std::string, OptimizerStateDict>>& states);

  // optim_wrapper[name]: AssertionError naming the key when absent.
  OptimWrapper& operator[](const std::string& name);
  std::shared_ptr<OptimWrapper> at(const std::string& name);
  bool contains(const std::string& name) const;
  std::size_t size() const { return items_.size(); }
  std::vector<std::string> keys() const;
  const Items& items() const { return items_; }

 private:
  Items items_;
};

}  // namespace mmcpp::engine
