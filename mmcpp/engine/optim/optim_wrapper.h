// OptimWrapper (mmengine/optim/optimizer/optimizer_wrapper.py).
//
// update_params(loss): scale for gradient accumulation, backward, step every
// `accumulative_counts` calls (with the tail rule), optional gradient clipping
// (clip_grad=dict(max_norm=..., norm_type=2) or dict(type='value', clip_value=...)),
// zero_grad. Param groups are LibTorch's, plus MMEngine's pseudo group
// `base_param_settings` when there are several groups (what logs show as base_lr).
//
// Python param groups are dicts that schedulers extend with their own keys
// (`initial_lr`, `momentum` for Adam...). LibTorch's options are fixed structs, so
// the wrapper keeps such extra keys beside each group: get_value/set_value see a
// group as Python does (native options + extra keys).
#pragma once

#include <torch/optim/optimizer.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/registry/build_args.h"

namespace torch::nn {
class Module;
}
namespace mmcpp {
class Logger;
}

namespace mmcpp::engine {

// A scalar hyper-parameter of a param group by its PyTorch name ("lr",
// "momentum", "weight_decay", "nesterov", "eta", ...) or "betas0"/"betas1"/...
// for the entries of a tuple option such as `betas`. Flags read as 0/1. Works
// for every optimizer whose options describe their fields (options.h: LibTorch's
// five and every NamedOptions); get of an unknown name is a KeyError, and so is
// set of a name that is no field of the options.
double get_group_option(torch::optim::OptimizerParamGroup& group, const std::string& name);
void set_group_option(torch::optim::OptimizerParamGroup& group, const std::string& name, double v);
bool has_group_option(torch::optim::OptimizerParamGroup& group, const std::string& name);
// The same on bare options (e.g. an optimizer's defaults()).
double get_option(const torch::optim::OptimizerOptions& options, const std::string& name);
void set_option(torch::optim::OptimizerOptions& options, const std::string& name, double v);
bool has_option(const torch::optim::OptimizerOptions& options, const std::string& name);
// PyTorch's option names of these options, in PyTorch's order, with `betas` as one
// name (its value a tuple); optional keys (LARS's lars_exclude) only when set.
std::vector<std::string> option_names(const torch::optim::OptimizerOptions& options);
// Options as a Python-like dict (floats, bools, `betas` tuple).
config::Value options_to_value(const torch::optim::OptimizerOptions& options);
// Sets options from a dict by PyTorch names (`betas` a 2-sequence). Unknown keys
// are a TypeError naming `component`, the key and the known names.
void options_from_value(torch::optim::OptimizerOptions& options, const config::Value& dict,
                        const std::string& component);

// OPTIMIZERS factories (optimizers.cpp: SGD, Adam, AdamW, RMSprop, Adagrad;
// adamax.cpp; MMPretrain's in mmcpp/pretrain/engine/optimizers) take
// their parameters, PyTorch's first argument, as the non-config object "params":
// either a std::vector<torch::Tensor> (one group) or a std::vector<ParamGroupSpec>.
//
// One param group given to an optimizer factory instead of a flat tensor list:
// its tensors and per-group overrides of the optimizer options by PyTorch name
// (a dict such as {'lr': 0.01, 'weight_decay': 0.0}, or None).
struct ParamGroupSpec {
  std::vector<torch::Tensor> params;
  config::Value options;
};

// PyTorch's optimizer.state_dict() (plus MMEngine's base_param_settings) in
// LibTorch types; the checkpoint code converts it to and from pickled dicts.
struct OptimizerStateDict {
  // Per-parameter buffers by flat parameter index (groups in order), with
  // PyTorch's names: SGD `momentum_buffer`; Adam(W) `step`, `exp_avg`,
  // `exp_avg_sq`, `max_exp_avg_sq` (amsgrad); RMSprop `step`, `square_avg`,
  // `momentum_buffer`, `grad_avg`; Adagrad `step`, `sum`; other optimizers
  // through their ParamStateIO (param_state.h). `step` is a 0-dim float32
  // tensor as in PyTorch 1.13. An undefined tensor stands for None.
  std::map<std::int64_t, std::vector<std::pair<std::string, torch::Tensor>>> state;
  // One dict per group: options (PyTorch names, `betas` a tuple), the extra keys
  // (initial_lr, ...), then 'params': list of flat indices.
  std::vector<config::Value> param_groups;
  // MMEngine's pseudo group without its 'params' placeholder; None with one group.
  config::Value base_param_settings;
  // AmpOptimWrapper's GradScaler.state_dict() (a dict, {} when the scaler is
  // disabled); None for other wrappers.
  config::Value loss_scaler;
};

// What optim_context() returns: the context lasts as long as the guard lives.
class OptimContext {
 public:
  virtual ~OptimContext() = default;
};

class OptimWrapper {
 public:
  OptimWrapper(std::shared_ptr<torch::optim::Optimizer> optimizer, int accumulative_counts,
               config::Value clip_grad);
  virtual ~OptimWrapper() = default;

  // OPTIM_WRAPPERS entry point: the optimizer comes as
  // args.object<std::shared_ptr<torch::optim::Optimizer>>("optimizer").
  static std::shared_ptr<OptimWrapper> from_config(registry::BuildArgs& args);

  // scale_loss, backward and, when should_update(), step() (if `step`) and
  // zero_grad() (if `zero`).
  virtual void update_params(const torch::Tensor& loss, bool step = true, bool zero = true);
  virtual void backward(const torch::Tensor& loss);
  // Clips gradients when clip_grad is set, then steps the optimizer.
  virtual void step();
  virtual void zero_grad();
  // Loss divided for gradient accumulation (the tail rule near max_counts).
  torch::Tensor scale_loss(const torch::Tensor& loss);
  bool should_update() const;
  // Whether the coming backward should all-reduce gradients (DDP no_sync).
  bool should_sync() const;
  void initialize_count_status(std::int64_t init_counts, std::int64_t max_counts);
  // The context BaseModel::train_step wraps preprocessing + forward in (MMEngine's
  // `with optim_wrapper.optim_context(model)`): DDP's no_sync on iterations that
  // do not update, autocast in AmpOptimWrapper.
  virtual std::unique_ptr<OptimContext> optim_context(torch::nn::Module& model);

  torch::optim::Optimizer& optimizer() { return *optimizer_; }
  std::shared_ptr<torch::optim::Optimizer> optimizer_ptr() { return optimizer_; }

  // len(optim_wrapper.param_groups): the optimizer's groups, plus the pseudo
  // group (last) when the optimizer has several groups.
  std::size_t num_groups() const;
  bool has_base_param_settings() const { return !base_param_settings_.empty(); }
  // group[name] / name in group / group[name] = v, on the groups above.
  double get_value(std::size_t group, const std::string& name);
  bool has_value(std::size_t group, const std::string& name);
  void set_value(std::size_t group, const std::string& name, double v);
  // `name in optimizer.defaults` ("betas" means Adam-style betas).
  bool defaults_have(const std::string& name) const;

  // {"lr": [per group...]}; with several groups the pseudo group's value comes
  // first under "base_lr" (MMEngine logs it).
  virtual std::map<std::string, std::vector<double>> get_lr();
  // {"momentum": [per optimizer group]}: `momentum`, else betas[0], else 0.
  virtual std::map<std::string, std::vector<double>> get_momentum();
  // Values of a hyper-parameter for each group of num_groups().
  std::vector<double> get_values(const std::string& name);
  void set_values(const std::string& name, const std::vector<double>& values);
  // The pseudo group (options flattened as in get_option, plus extra keys);
  // empty with one group.
  std::map<std::string, double>& base_param_settings() { return base_param_settings_; }

  // Optimizer state as PyTorch's state_dict (with base_param_settings).
  virtual OptimizerStateDict state_dict();
  // Loads options, extra keys and per-parameter state; group and parameter
  // counts must match (ValueError as PyTorch).
  virtual void load_state_dict(const OptimizerStateDict& state);

  // Total gradient norm of the last clip (clip_grad type 'norm'), for logging
  // `train/grad_norm`.
  std::optional<double> last_grad_norm() const { return last_grad_norm_; }
  std::int64_t inner_count() const { return inner_count_; }
  int accumulative_counts() const { return accumulative_counts_; }
  std::int64_t max_counts() const { return max_counts_; }

 protected:
  void clip_grads();
  std::map<std::string, double>& extras(std::size_t group);

  std::shared_ptr<torch::optim::Optimizer> optimizer_;
  int accumulative_counts_;
  config::Value clip_grad_;
  std::int64_t inner_count_ = 0;
  std::int64_t max_counts_ = -1;
  std::int64_t remainder_counts_ = -1;
  std::optional<double> last_grad_norm_;
  std::map<std::string, double> base_param_settings_;
  // Extra keys of each optimizer group (Python dict keys LibTorch has no slot for).
  std::vector<std::map<std::string, double>> extras_;
  // Parsed clip_grad.
  enum class ClipType { kNone, kNorm, kValue } clip_type_ = ClipType::kNone;
  double max_norm_ = 0, norm_type_ = 2, clip_value_ = 0;
  bool error_if_nonfinite_ = false;
};

// mmengine.optim.build_optim_wrapper: `cfg` is the optim_wrapper dict. Its
// `constructor` (default 'DefaultOptimWrapperConstructor', an
// OPTIM_WRAPPER_CONSTRUCTORS type) is built with optim_wrapper_cfg = the rest of
// `cfg` and paramwise_cfg = cfg's `paramwise_cfg`, then called with the model.
// The constructor's messages (paramwise_options ...) go to `logger` when given.
std::shared_ptr<OptimWrapper> build_optim_wrapper(torch::nn::Module& model,
                                                  const config::Value& cfg,
                                                  Logger* logger = nullptr);

}  // namespace mmcpp::engine
