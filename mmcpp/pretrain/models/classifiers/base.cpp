#include "mmcpp/pretrain/models/classifiers/base.h"

namespace mmcpp::pretrain {

std::vector<Feats> BaseClassifier::extract_feats(const std::vector<torch::Tensor>& multi_inputs,
                                                 const std::string& stage) {
  std::vector<Feats> out;
  for (const auto& x : multi_inputs) out.push_back(extract_feat(x, stage));
  return out;
}

}  // namespace mmcpp::pretrain
