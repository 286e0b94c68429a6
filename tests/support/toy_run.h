// A small training job for runner tests: ToyModel on ToyDataset (32 samples,
// batches of 4, 3 epochs, validation every epoch, randomness.seed=None), plus
// helpers to interrupt it and compare its checkpoints. Registrations (the
// RaiseSignalHook) live in toy_run.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "mmcpp/config/config.h"
#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::testing {

// The job's config, work_dir set, --cfg-options style `options` applied, and
// `extra` Python lines appended to the config text first (e.g. custom_hooks).
config::Config toy_run_config(const std::string& work_dir,
                              const std::vector<std::string>& options = {},
                              const std::string& extra = "");

// RaiseSignalHook(stage='train', at=1, signal=2): raises `signal` (SIGINT by
// default) once, after iteration `at` (1-based) of the stage: 'train' counts the
// run's iterations (runner.iter() + 1), 'val' / 'test' the batches of one pass.
class RaiseSignalHook : public engine::Hook {
 public:
  RaiseSignalHook(std::string stage, std::int64_t at, int signal)
      : stage_(std::move(stage)), at_(at), signal_(signal) {}
  static std::shared_ptr<RaiseSignalHook> from_config(registry::BuildArgs& args);
  std::string name() const override { return "RaiseSignalHook"; }
  std::vector<std::string> stages() const override {
    return {"after_train_iter", "after_val_iter", "after_test_iter"};
  }
  void after_train_iter(engine::Runner& runner, std::int64_t, const data::DataBatch*,
                        const engine::NamedTensors&) override;
  void after_val_iter(engine::Runner&, std::int64_t batch_idx, const data::DataBatch*,
                      const data::DataSamples&) override;
  void after_test_iter(engine::Runner&, std::int64_t batch_idx, const data::DataBatch*,
                       const data::DataSamples&) override;

 private:
  void maybe_raise(const std::string& stage, std::int64_t count);
  std::string stage_;
  std::int64_t at_;
  int signal_;
  bool raised_ = false;
};

std::string read_text(const std::string& path);
// The run's <timestamp>.log in work_dir/<timestamp>/ ("" when none).
std::string log_of(const std::string& work_dir);
// The state_dict tensors of a checkpoint, in order.
std::vector<torch::Tensor> checkpoint_weights(const std::string& path);
// True when both checkpoints hold bit-identical weights.
bool same_weights(const std::string& a, const std::string& b);

}  // namespace mmcpp::testing
