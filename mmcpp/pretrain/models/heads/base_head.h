// The interface of MMPretrain's classification heads (C++ only; Python duck
// types it): ImageClassifier calls forward (the scores), pre_logits, loss and
// predict on the features of the backbone (or neck). Heads use the last
// feature, feats.back().
#pragma once

#include <torch/types.h>

#include "mmcpp/data/data_sample.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"

namespace mmcpp::pretrain {

class HeadInterface {
 public:
  virtual ~HeadInterface() = default;
  virtual torch::Tensor forward(const Feats& feats) = 0;
  virtual torch::Tensor pre_logits(const Feats& feats) = 0;
  // The loss dict: "loss" first, then e.g. "accuracy_top-1".
  virtual engine::NamedTensors loss(const Feats& feats, const data::DataSamples& data_samples) = 0;
  // Sets pred_score / pred_label on the given samples (new ones when
  // `data_samples` is empty) and returns them.
  virtual data::DataSamples predict(const Feats& feats, const data::DataSamples& data_samples) = 0;
};

}  // namespace mmcpp::pretrain
