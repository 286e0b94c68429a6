// ClsDataPreprocessor (mmpretrain/models/utils/data_preprocessor.py).
//
// ClsDataPreprocessor(mean=None, std=None, pad_size_divisor=1, pad_value=0,
// to_rgb=False, to_onehot=False, num_classes=None, batch_augments=None).
// Inputs, a stacked (N, C, H, W) tensor (default_collate) or a list of (C, H, W)
// tensors of any sizes (pseudo_collate), usually uint8, are first moved to the
// model's device, then there: channels reversed when to_rgb and C == 3, cast
// to float32, (x - mean) / std per channel when mean is given, padded at the
// bottom/right with pad_value (a stacked batch to multiples of
// pad_size_divisor; a list to the largest size, rounded up to the divisor, then
// stacked).
// Labels: every sample's gt_label is concatenated and moved to the device; a
// present gt_score is stacked; otherwise, with to_onehot, gt_score becomes the
// (multi-)hot encoding of gt_label (int64, as F.one_hot gives) with
// num_classes from the argument or the sample's metainfo. Batch augments
// (`batch_augments` = dict(augments=..., probs=...), usually the classifier's
// train_cfg) force to_onehot and run only when training, on (inputs, gt_score),
// with an Rng seeded by DataBatch::seed (see batch_augments/batch_augment.h;
// a batch without one draws its seed from torch's default generator, which
// the Runner seeds with randomness.seed). Label smoothing is the loss's job
// (LabelSmoothLoss accepts these one-hot or mixed scores).
// mean/std are not buffers of the module: MMPretrain registers them as
// non-persistent buffers, so they are not in its state dict, nor in ours.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_data_preprocessor.h"
#include "mmcpp/pretrain/models/utils/batch_augments/wrapper.h"

namespace mmcpp::pretrain {

struct ClsDataPreprocessorOptions {
  std::optional<std::vector<double>> mean;
  std::optional<std::vector<double>> std_;  // Python's `std` (a C++ namespace name)
  std::int64_t pad_size_divisor = 1;
  double pad_value = 0;
  bool to_rgb = false;
  bool to_onehot = false;
  std::optional<std::int64_t> num_classes;
  config::Value batch_augments;  // None or dict(augments=..., probs=None)
};

class ClsDataPreprocessor : public engine::BaseDataPreprocessor {
 public:
  explicit ClsDataPreprocessor(ClsDataPreprocessorOptions options);
  // Example: dict(type='ClsDataPreprocessor', mean=[123.675, 116.28, 103.53],
  // std=[58.395, 57.12, 57.375], to_rgb=True).
  static std::shared_ptr<ClsDataPreprocessor> from_config(registry::BuildArgs& args);

  data::DataBatch forward(const data::DataBatch& batch, bool training) override;

  const ClsDataPreprocessorOptions& options() const { return options_; }
  // True when to_onehot was given or batch augments forced it.
  bool to_onehot() const { return to_onehot_; }
  const std::shared_ptr<RandomBatchAugment>& batch_augments() const { return batch_augments_; }

 private:
  // to_rgb, float, normalise one (C, H, W) or (N, C, H, W) tensor already on the
  // device; `channel_dim` is where C is.
  torch::Tensor convert(torch::Tensor x, std::int64_t channel_dim);
  torch::Tensor stack_batch(const std::vector<torch::Tensor>& tensors) const;

  ClsDataPreprocessorOptions options_;
  bool to_onehot_;
  std::shared_ptr<RandomBatchAugment> batch_augments_;
  torch::Tensor mean_, std_;          // (C, 1, 1) float32 on the CPU; undefined: no normalising
  torch::Tensor mean_dev_, std_dev_;  // their copies on device()
};

}  // namespace mmcpp::pretrain
