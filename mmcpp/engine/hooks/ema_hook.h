// EMAHook (mmengine/hooks/ema_hook.py): keeps an averaged copy of the model's
// weights (ExponentialMovingAverage by default, built through MODELS) and
//  * updates it after every train iteration (before begin_iter/begin_epoch it
//    just copies the source weights),
//  * swaps averaged and source weights around every val/test epoch, so
//    evaluation sees the averaged ones,
//  * on save adds `ema_state_dict` ("steps", "module.<key>") and swaps the
//    entries so that `state_dict` holds the averaged weights (deployable) and
//    `ema_state_dict` the raw ones; on resume swaps back; on a plain load
//    without `ema_state_dict` copies `state_dict` into the averaged model.
// Whether a load is a resume follows what the runner does (Runner::resuming(),
// true inside Runner::resume() whoever called it), not the config's `resume`
// key. A checkpoint saved while the weights are swapped (a signal stopped a
// validation) holds the same entries as one saved between evaluations.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

class BaseAveragedModel;

class EMAHook : public Hook {
 public:
  // `ema_cfg`: dict(type=ema_type, **kwargs) for MODELS.
  EMAHook(config::Value ema_cfg, bool strict_load, std::int64_t begin_iter,
          std::int64_t begin_epoch);
  // Example: dict(type='EMAHook', momentum=0.0002). Extra keys go to the
  // averaged model (momentum, interval, update_buffers, gamma...).
  static std::shared_ptr<EMAHook> from_config(registry::BuildArgs& args);
  std::string name() const override { return "EMAHook"; }
  std::vector<std::string> stages() const override;

  void before_run(Runner& runner) override;
  void before_train(Runner& runner) override;
  void after_train_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch* batch,
                        const NamedTensors& outputs) override;
  void before_val_epoch(Runner& runner) override;
  void after_val_epoch(Runner& runner, const evaluation::Metrics& metrics) override;
  void before_test_epoch(Runner& runner) override;
  void after_test_epoch(Runner& runner, const evaluation::Metrics& metrics) override;
  void before_save_checkpoint(Runner& runner, io::PyObject& checkpoint) override;
  void after_load_checkpoint(Runner& runner, io::PyObject& checkpoint) override;

  // The pieces, usable without a Runner.
  // Builds the averaged model for `model` (before_run).
  void build_ema(torch::nn::Module& model);
  // Whether averaging has begun at (epoch, iter) (_ema_started).
  bool ema_started(std::int64_t epoch, std::int64_t iter) const;
  // One after_train_iter step at (epoch, iter).
  void step(std::int64_t epoch, std::int64_t iter);
  // Adds ema_state_dict and swaps it with state_dict (before_save_checkpoint).
  void add_to_checkpoint(io::PyObject& checkpoint);
  // after_load_checkpoint; returns the log messages (warnings) it would print.
  std::vector<std::string> load_from_checkpoint(io::PyObject& checkpoint, bool resume);
  // _swap_ema_state_dict: swap checkpoint['state_dict'][k] and
  // checkpoint['ema_state_dict']['module.' + k].
  static void swap_ema_state_dict(io::PyObject& checkpoint);
  BaseAveragedModel& ema_model();

 private:
  void swap_parameters();

  config::Value ema_cfg_;
  bool strict_load_;
  std::int64_t begin_iter_, begin_epoch_;
  bool enabled_by_epoch_;
  torch::nn::Module* src_model_ = nullptr;
  std::shared_ptr<BaseAveragedModel> ema_model_;
  bool swapped_ = false;  // the model holds the averaged weights (inside an evaluation)
};

}  // namespace mmcpp::engine
