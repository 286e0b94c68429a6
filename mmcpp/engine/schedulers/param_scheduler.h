// ParamScheduler (mmengine/optim/scheduler/param_scheduler.py): base of every
// LR / momentum / generic parameter scheduler.
//
// Schedulers are stepped by ParamSchedulerHook: by_epoch ones after each epoch,
// the others after each iteration (convert_to_iter_based turns epoch settings
// into iteration ones). Values are MMEngine's chainable (recursive) formulas so
// that chained schedulers compose exactly as in Python.
//
// Each policy lives in its own file as a generic `XxxParamScheduler(param_name=...)`
// registered with its `XxxLR` (param 'lr') and `XxxMomentum` (param 'momentum', or
// betas[0] for Adam-style optimizers) variants. PARAM_SCHEDULERS factories take
// the non-config objects "optimizer" (OptimWrapper*) and "epoch_length"
// (std::int64_t, needed by convert_to_iter_based=True).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

class OptimWrapper;

// MMEngine's INF = int(1e9): the default `end`, kept as is because formulas
// (T_max = end - begin, total_iters) and state dicts see it.
inline constexpr std::int64_t kSchedulerInfinity = 1000000000;

enum class SchedulerKind { kParam, kLr, kMomentum };

// The arguments every scheduler takes, read from its config with
// convert_to_iter_based applied (begin/end in iterations, by_epoch false).
struct SchedulerArgs {
  OptimWrapper* optimizer = nullptr;
  SchedulerKind kind = SchedulerKind::kParam;
  std::string param_name;
  std::int64_t begin = 0;
  std::int64_t end = kSchedulerInfinity;
  std::int64_t last_step = -1;
  bool by_epoch = true;
  bool verbose = false;
  // A momentum scheduler on an Adam-style optimizer: each step also writes the
  // value into betas[0] of every group (MomentumSchedulerMixin).
  bool use_betas = false;
  bool convert = false;
  std::int64_t epoch_length = 0;
  // An epoch count as steps of the built scheduler (x epoch_length when converting).
  std::int64_t scale(std::int64_t epochs) const { return convert ? epochs * epoch_length : epochs; }
};

class ParamScheduler {
 public:
  static constexpr std::int64_t kInfinity = kSchedulerInfinity;

  // Validates begin < end and sets `initial_<param_name>` of every group (or
  // checks it exists when resuming with last_step >= 0). Subclasses finish with
  // finish(), which performs MMEngine's construction-time step.
  explicit ParamScheduler(const SchedulerArgs& args);
  virtual ~ParamScheduler() = default;

  // Advance one step and write the new values into the param groups.
  virtual void step();
  // ReduceOnPlateau-style schedulers step on validation metrics instead.
  virtual bool need_val_args() const { return false; }
  virtual void step_with_metrics(const std::map<std::string, double>& metrics) { (void)metrics; }

  const std::string& param_name() const { return param_name_; }
  bool by_epoch() const { return by_epoch_; }
  std::int64_t begin() const { return begin_; }
  std::int64_t end() const { return end_; }
  std::int64_t last_step() const { return last_step_; }
  std::int64_t global_step() const { return global_step_; }
  const std::vector<double>& base_values() const { return base_values_; }
  // get_last_value(): the value of every group after the last step.
  const std::vector<double>& last_value() const { return last_value_; }

  // Python's scheduler.state_dict(): every attribute but the optimizer, in
  // Python's __dict__ order (subclass attributes first, then param_name, begin,
  // end, by_epoch, base_values, last_step, _global_step, verbose, _last_value).
  virtual config::Value state_dict() const;
  // Python's __dict__.update(state): keys present overwrite; others stay.
  virtual void load_state_dict(const config::Value& state);

 protected:
  // Chainable value of each group at last_step_ (called after last_step_++).
  virtual std::vector<double> get_value() = 0;
  // The subclass's own attributes for state_dict / load_state_dict.
  virtual void save_extra_state(config::Dict& state) const { (void)state; }
  virtual void load_extra_state(const config::Dict& state) { (void)state; }
  // Called once at construction (MMEngine's _initial_step): the first step().
  void initial_step();
  template <class T>
  static std::shared_ptr<ParamScheduler> finish(std::shared_ptr<T> scheduler) {
    static_cast<ParamScheduler&>(*scheduler).initial_step();
    return scheduler;
  }
  // group[param_name] of every group.
  std::vector<double> current_values();
  std::size_t num_groups() const;

  OptimWrapper& optimizer_;
  SchedulerKind kind_;
  std::string param_name_;
  std::int64_t begin_, end_, last_step_;
  bool by_epoch_;
  bool use_betas_;
  bool verbose_;
  std::vector<double> base_values_;
  std::vector<double> last_value_;
  std::int64_t global_step_ = -1;
};

// Reads optimizer, param_name (kParam only), begin, end, last_step, by_epoch,
// verbose, convert_to_iter_based and epoch_length. kMomentum copies betas[0] into
// a `momentum` key of each group for Adam-style optimizers (ValueError when the
// optimizer has neither momentum nor betas).
SchedulerArgs read_scheduler_args(registry::BuildArgs& args, SchedulerKind kind);

// A number argument kept as written (int or float: state dicts show Python's
// type); `dflt` when absent. TypeError for non-numbers.
config::Value read_number(registry::BuildArgs& args, const std::string& key, config::Value dflt);
// The same, None allowed.
config::Value read_optional_number(registry::BuildArgs& args, const std::string& key);

// Registration adapter: Family::create(BuildArgs&, const SchedulerArgs&) builds a
// family member; `using StepLR = SchedulerVariant<StepParamScheduler, SchedulerKind::kLr>;`
// then MMCPP_REGISTER(registry::PARAM_SCHEDULERS, StepLR, "...").
template <class Family, SchedulerKind Kind>
struct SchedulerVariant {
  static std::shared_ptr<ParamScheduler> from_config(registry::BuildArgs& args) {
    SchedulerArgs common = read_scheduler_args(args, Kind);
    return Family::create(args, common);
  }
};

// PARAM_SCHEDULERS.build with MMEngine's build_scheduler_from_cfg, plus the
// Runner's default `end` when its train loop is built (max_epochs for by_epoch
// schedulers, else max_iters; pass -1 for "no train loop": no default).
// convert_to_iter_based needs epoch_length = len(train_dataloader).
std::shared_ptr<ParamScheduler> build_param_scheduler(const config::Value& cfg,
                                                      OptimWrapper& optimizer,
                                                      std::int64_t epoch_length,
                                                      std::int64_t max_epochs = -1,
                                                      std::int64_t max_iters = -1);
// Runner._build_param_scheduler: `cfg` is a dict or a list of dicts.
std::vector<std::shared_ptr<ParamScheduler>> build_param_schedulers(const config::Value& cfg,
                                                                    OptimWrapper& optimizer,
                                                                    std::int64_t epoch_length,
                                                                    std::int64_t max_epochs = -1,
                                                                    std::int64_t max_iters = -1);

}  // namespace mmcpp::engine
