// BatchAugment: the interface of MMPretrain's batch augmentations (the
// BATCH_AUGMENTS registry, mmpretrain/models/utils/batch_augments/): callables
// that mix a training batch and its one-hot (or soft) scores.
//
// Randomness: Python draws lam from NumPy's global generator and the partner
// order from torch's. Ours come only from the Rng passed in, which the data
// preprocessor seeds with the batch's DataBatch::seed (DataLoader: a function
// of the run's randomness seed, the epoch and the batch index). So a run is
// reproducible from `randomness.seed`, independent of num_workers, and a
// resumed run draws for batch k exactly what an uninterrupted run drew. The
// draws cannot equal Python's (different generators); the order of draws does:
// lam, then the permutation, then the box.
#pragma once

#include <torch/types.h>

#include <utility>

#include "mmcpp/core/rng.h"

namespace mmcpp::pretrain {

class BatchAugment {
 public:
  virtual ~BatchAugment() = default;
  // `inputs`: (N, C, H, W) float, on the model's device, owned by the caller's
  // pipeline (CutMix/ResizeMix paste into it in place, as MMPretrain does).
  // `scores`: (N, num_classes). Returns the mixed inputs and float scores.
  virtual std::pair<torch::Tensor, torch::Tensor> operator()(torch::Tensor inputs,
                                                             const torch::Tensor& scores,
                                                             Rng& rng) const = 0;
};

}  // namespace mmcpp::pretrain
