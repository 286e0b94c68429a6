// Models with a feature extractor (MMPretrain's ImageClassifier.extract_feat:
// backbone and neck, no head).
//
// MMPretrain's tools/analysis_tools/get_flops.py replaces the model's forward by
// extract_feat before counting, so `mmcpp get-flops` calls this on models that
// implement it (one more base class and one override), and forward(mode='tensor')
// on the others. A model with a staged variant (extract_feat(inputs, stage))
// overrides this one-argument form with its default stage; the staged overload
// then takes no default argument, or calls with one argument are ambiguous.
#pragma once

#include <torch/types.h>

#include <vector>

namespace mmcpp::engine {

class FeatureExtractor {
 public:
  virtual ~FeatureExtractor() = default;
  // The features of a preprocessed batch, as extract_feat(inputs) returns them
  // with its default stage.
  virtual std::vector<torch::Tensor> extract_feat(const torch::Tensor& inputs) = 0;
};

}  // namespace mmcpp::engine
