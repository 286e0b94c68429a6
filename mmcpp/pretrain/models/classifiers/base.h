// BaseClassifier (mmpretrain/models/classifiers/base.py): a BaseModel with a
// feature extractor (engine::FeatureExtractor, which `mmcpp get-flops` counts:
// extract_feat(inputs) is the staged form at its default stage 'neck').
#pragma once

#include <string>
#include <vector>

#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/engine/model/feature_extractor.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"

namespace mmcpp::pretrain {

class BaseClassifier : public engine::BaseModel, public engine::FeatureExtractor {
 public:
  MMCPP_PYTHON_CLASS(engine::cpp_class_name(*this), "BaseClassifier")
  virtual bool with_neck() const = 0;
  virtual bool with_head() const = 0;
  // Features of `inputs` at `stage` (see ImageClassifier). No default argument:
  // the one-argument form below is extract_feat(inputs, "neck").
  virtual Feats extract_feat(const torch::Tensor& inputs, const std::string& stage) = 0;
  Feats extract_feat(const torch::Tensor& inputs) override { return extract_feat(inputs, "neck"); }
  std::vector<Feats> extract_feats(const std::vector<torch::Tensor>& multi_inputs,
                                   const std::string& stage = "neck");
};

}  // namespace mmcpp::pretrain
