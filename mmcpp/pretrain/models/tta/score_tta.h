// AverageClsScoreTTA (mmpretrain/models/tta/score_tta.py): test-time
// augmentation that averages each sample's pred_score over its augmented
// views. AverageClsScoreTTA(module, data_preprocessor=None) (BaseTTAModel).
// The merged sample is a copy of the first view's (metainfo and fields:
// gt_label, and also that view's pred_label, as DataSample.new() keeps it)
// with pred_score replaced by the mean (set_pred_score).
#pragma once

#include "mmcpp/engine/model/base_tta_model.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class AverageClsScoreTTA : public engine::BaseTTAModel {
 public:
  MMCPP_PYTHON_CLASS("AverageClsScoreTTA", "BaseTTAModel")
  using engine::BaseTTAModel::BaseTTAModel;
  // Example: dict(type='AverageClsScoreTTA', module=dict(type='ImageClassifier',
  // backbone=dict(type='LeNet5', num_classes=10), head=dict(type='ClsHead'))).
  static std::shared_ptr<AverageClsScoreTTA> from_config(registry::BuildArgs& args);
  data::DataSamples merge_preds(const std::vector<data::DataSamples>& data_samples_list) override;
};

}  // namespace mmcpp::pretrain
