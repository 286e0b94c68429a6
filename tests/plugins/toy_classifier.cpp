// A test-only plugin (libtoy_classifier.so): ToyImageClassifier, a tiny image
// classifier (per-channel means and a 4x4 average pool of the image -> linear
// layer) that trains, predicts pred_score/pred_label like MMPretrain's
// ImageClassifier, and so lets the command-line tests run `mmcpp train`, `test`,
// `eval-metric`, `--show-dir` and the analysis tools on real image files
// before MMPretrain's own classifiers exist.
#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/registry/root.h"

namespace toy_classifier {

using mmcpp::data::DataBatch;
using mmcpp::data::DataSample;
using mmcpp::engine::ForwardMode;
using mmcpp::engine::ModelOutput;

class ToyImageClassifier : public mmcpp::engine::BaseModel {
 public:
  ToyImageClassifier(std::int64_t in_channels, std::int64_t num_classes)
      : num_classes_(num_classes) {
    fc_ = register_module("fc", torch::nn::Linear(in_channels * 16, num_classes));
  }

  static std::shared_ptr<ToyImageClassifier> from_config(mmcpp::registry::BuildArgs& args) {
    auto model = std::make_shared<ToyImageClassifier>(args.get_int("in_channels", 3),
                                                      args.require_int("num_classes"));
    model->configure_base(args);
    return model;
  }

  ModelOutput forward(const DataBatch& batch, ForwardMode mode) override {
    // pseudo_collate (the default collate_fn) leaves the images in a list.
    torch::Tensor x = batch.inputs.defined() ? batch.inputs : torch::stack(batch.input_list);
    x = x.to(torch::kFloat) / 255.0;
    x = torch::adaptive_avg_pool2d(x, {4, 4}).flatten(1);
    torch::Tensor logits = fc_->forward(x);
    ModelOutput out;
    if (mode == ForwardMode::Tensor) {
      out.tensors.push_back(logits);
    } else if (mode == ForwardMode::Predict) {
      torch::Tensor score = torch::softmax(logits, 1);
      for (std::size_t i = 0; i < batch.data_samples.size(); ++i) {
        auto s = std::make_shared<DataSample>(*batch.data_samples[i]);
        torch::Tensor row = score[static_cast<std::int64_t>(i)];
        s->set("pred_score", row);
        s->set("pred_label", row.argmax().reshape({1}));
        s->set_metainfo("num_classes", mmcpp::config::Value(num_classes_));
        out.predictions.push_back(s);
      }
    } else {
      std::vector<torch::Tensor> labels;
      for (const auto& s : batch.data_samples) labels.push_back(s->gt_label());
      out.losses.emplace_back("loss",
                              torch::nn::functional::cross_entropy(logits, torch::cat(labels)));
    }
    return out;
  }

 private:
  std::int64_t num_classes_;
  torch::nn::Linear fc_{nullptr};
};

}  // namespace toy_classifier

MMCPP_REGISTER(mmcpp::registry::MODELS, toy_classifier::ToyImageClassifier,
               "dict(type='ToyImageClassifier', num_classes=3)");
