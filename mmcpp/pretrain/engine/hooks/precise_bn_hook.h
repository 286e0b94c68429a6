// PreciseBNHook (mmpretrain/engine/hooks/precise_bn_hook.py): recomputes the
// BatchNorm running statistics with the weights fixed, as the true average of
// per-batch means and variances over `num_samples` training images, instead of
// the running average collected while the weights changed.
//
// Every `interval` epochs (EpochBasedTrainLoop, after_train_epoch) or
// iterations (IterBasedTrainLoop, after_train_iter), as MMPretrain:
//   - num_iter = min(num_samples // (batch_size * world_size), len(loader));
//   - the BN layers in training mode get momentum 1.0 (their running stats are
//     then the last batch's), the model runs in 'tensor' mode without gradients
//     on the first num_iter batches of the train dataloader in the current
//     epoch's order (the same batches the epoch trained on), and the running
//     stats are the mean over those batches; all-reduced (averaged) over the
//     ranks of a distributed run; then the momentums are restored;
//   - a model without BN logs a warning and is left alone; GroupNorm /
//     InstanceNorm statistics are not updated (logged).
// Its priority in MMPretrain's configs is 'ABOVE_NORMAL', so it runs before
// CheckpointHook and EMAHook.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class PreciseBNHook : public engine::Hook {
 public:
  struct Options {
    std::int64_t num_samples = 8192;
    std::int64_t interval = 1;
  };
  explicit PreciseBNHook(Options options);
  static std::shared_ptr<PreciseBNHook> from_config(registry::BuildArgs& args);

  std::string name() const override { return "PreciseBNHook"; }
  std::vector<std::string> stages() const override;
  void after_train_epoch(engine::Runner& runner) override;
  void after_train_iter(engine::Runner& runner, std::int64_t batch_idx,
                        const data::DataBatch* batch, const engine::NamedTensors& outputs) override;

  // update_bn_stats on the runner's model and train dataloader; the pass of
  // the loader whose batches are used is `epoch`. Public for tests.
  void perform_precise_bn(engine::Runner& runner, std::int64_t epoch);

 private:
  Options options_;
};

}  // namespace mmcpp::pretrain
