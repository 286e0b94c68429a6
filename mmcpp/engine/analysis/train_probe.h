// Does a config train? A few optimizer steps of the config's model on one
// batch of random images sent through the config's own train pipeline, then
// one predict through its test pipeline: the "does my config run?" check of
// `mmcpp zoo-report --train-steps N` (MMPretrain's whole config tree) without
// any dataset.
//
// The probe:
//   - builds cfg.model (cfg.data_preprocessor merged in, as the Runner does)
//     with every `Pretrained` init_cfg left out (no checkpoint is at hand), and
//     calls init_weights() as the Runner does before training (after the
//     max_cost check, which needs only the parameter count and input size);
//   - makes `batch_size` random uint8 images (channels = len(data_preprocessor
//     .mean), else 3) and sends them through train_dataloader.dataset.pipeline
//     (dataset wrappers unwrapped) without its LoadImageFromFile steps, so the
//     batch has the config's own input size; collates them like the loader;
//   - runs `steps` train_step calls of plain SGD on that same batch, with the
//     global generator and the batch seed reset before each, so dropout, drop
//     path and batch augments (Mixup, CutMix) draw the same every step and the
//     objective stays fixed: the loss must be finite and lower after the last
//     step than at the first, and no parameter NaN;
//   - runs test_step on the images sent through test_dataloader.dataset.pipeline
//     (val_dataloader's when there is none): one finite pred_score per image.
// A model whose train step raises NotImplementedError (as MMPretrain's LeViT
// with a distillation head does) or AssertionError (its own check rejects the
// batch the config's pipeline makes, as MMPretrain's TinyViT 384 px configs
// do) cannot train by design, and is reported so with the error.
// It is not a convergence test: a config whose loss goes up on one batch of
// random images at this learning rate is reported, not hidden.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"

namespace mmcpp::engine::analysis {

struct TrainProbeOptions {
  int steps = 3;                    // train steps (>= 2: the loss must go down)
  std::int64_t batch_size = 2;      // random images per batch
  double lr = 0.01;                 // plain SGD (momentum 0.9)
  std::int64_t image_height = 256;  // the random images before the pipeline
  std::int64_t image_width = 320;
  std::uint64_t seed = 0;
  std::string scope = "mmpretrain";  // default scope of the builds
  // > 0: configs whose cost, parameters (millions) x input pixels / 224^2, is
  // above this are skipped after the pipeline ran (the work of a train step
  // grows with both; ViT-B/16 at 224 costs 86, ResNet-50 25, EVA-G at 560 6,300).
  double max_cost = 0;
};

struct TrainProbeResult {
  // kUnsupported: the config needs pipeline components mmcpp lacks (set by
  // zoo_report from its config check; the probe itself never returns it).
  enum class Status { kTrained, kFailed, kNotTrainable, kSkipped, kUnsupported };
  Status status = Status::kFailed;
  // Why it failed, cannot train (a model without a head, a config without a
  // train pipeline) or was skipped (over max_cost); "" when trained.
  std::string message;
  std::vector<double> losses;             // one per step
  std::vector<std::int64_t> input_shape;  // the batch after the pipeline (N, C, H, W)
  bool built = false;                     // the model was built (the probe may still fail later)
  std::int64_t params = 0;
  double cost = 0;  // params (millions) x input pixels / 224^2

  bool trained() const { return status == Status::kTrained; }
};

// Never throws for a problem of the config or the model: it is the result.
TrainProbeResult probe_training(const config::Config& cfg, const TrainProbeOptions& options = {});

}  // namespace mmcpp::engine::analysis
