#include "mmcpp/pretrain/models/tta/score_tta.h"

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

std::shared_ptr<AverageClsScoreTTA> AverageClsScoreTTA::from_config(registry::BuildArgs& args) {
  return std::make_shared<AverageClsScoreTTA>(build_module(args));
}

data::DataSamples AverageClsScoreTTA::merge_preds(
    const std::vector<data::DataSamples>& data_samples_list) {
  data::DataSamples merged;
  for (const auto& views : data_samples_list) {
    if (views.empty())
      throw Error("ValueError", "AverageClsScoreTTA: a sample without predictions");
    // data_samples[0].new(): a copy of the first view's metainfo and fields
    // (gt_label, and its pred_label too, as in MMPretrain), then
    // set_pred_score(mean).
    auto sample = std::make_shared<data::DataSample>();
    sample->metainfo() = views[0]->metainfo().deep_copy();
    for (const auto& [k, t] : views[0]->fields()) sample->set(k, t);
    torch::Tensor score = views[0]->get("pred_score");
    for (std::size_t i = 1; i < views.size(); ++i) score = score + views[i]->get("pred_score");
    score = score / static_cast<double>(views.size());
    sample->set("pred_score", score);
    merged.push_back(sample);
  }
  return merged;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER(mmcpp::pretrain::MODELS, mmcpp::pretrain::AverageClsScoreTTA,
               "dict(type='AverageClsScoreTTA', module=dict(type='ImageClassifier', "
               "backbone=dict(type='LeNet5', num_classes=10), head=dict(type='ClsHead')))");
