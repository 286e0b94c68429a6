// Test plugin for the distributed tests (libdist_test_models.so, loaded through
// custom_imports): a small convolutional classifier for 28x28 grey images
// (Fashion-MNIST) with a choice of normalisation layers, and a metric whose
// value depends on every prediction and on their order.
//
// DistTestNet(norm='none'|'bn'|'syncbn'|'localbn', width=8, num_classes=10):
//   conv3x3(1->w) [norm] tanh avgpool2  conv3x3(w->2w) [norm] tanh avgpool2
//   linear(2w*7*7 -> num_classes); loss: cross entropy (mean over the batch).
//   'bn' is LibTorch's BatchNorm2d, 'syncbn' mmcpp::dist::SyncBatchNorm (kSync),
//   'localbn' a SyncBatchNorm in kLocal mode (plain BN until sync_bn converts it).
// DistTestAccuracy(): dist_test/accuracy (percent of top-1 hits),
//   dist_test/count (predictions seen) and dist_test/score_sum (float32 running
//   sum of each prediction's top score, in the order the metric saw them).
#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/dist/sync_batchnorm.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/evaluation/metric.h"
#include "mmcpp/registry/root.h"

namespace dist_test {

using mmcpp::data::DataBatch;
using mmcpp::data::DataSample;
using mmcpp::data::DataSamples;
using mmcpp::engine::ForwardMode;
using mmcpp::engine::ModelOutput;

class DistTestNet : public mmcpp::engine::BaseModel {
 public:
  DistTestNet(const std::string& norm, std::int64_t width, std::int64_t num_classes) {
    conv1_ = register_module("conv1",
                             torch::nn::Conv2d(torch::nn::Conv2dOptions(1, width, 3).padding(1)));
    conv2_ = register_module(
        "conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(width, 2 * width, 3).padding(1)));
    norm1_ = make_norm(norm, width, "bn1");
    norm2_ = make_norm(norm, 2 * width, "bn2");
    fc_ = register_module("fc", torch::nn::Linear(2 * width * 7 * 7, num_classes));
  }

  static std::shared_ptr<DistTestNet> from_config(mmcpp::registry::BuildArgs& args) {
    auto model = std::make_shared<DistTestNet>(
        args.get_str("norm", "none"), args.get_int("width", 8), args.get_int("num_classes", 10));
    model->configure_base(args);
    return model;
  }

  ModelOutput forward(const DataBatch& batch, ForwardMode mode) override {
    torch::Tensor x = batch.inputs;
    // Smooth (tanh, average pooling, as LeNet-5): no ReLU/max-pool switching, so
    // rounding differences stay rounding differences over many SGD steps.
    x = torch::avg_pool2d(torch::tanh(norm1_(conv1_->forward(x))), 2);
    x = torch::avg_pool2d(torch::tanh(norm2_(conv2_->forward(x))), 2);
    x = fc_->forward(x.flatten(1));
    ModelOutput out;
    if (mode == ForwardMode::Tensor) {
      out.tensors.push_back(x);
    } else if (mode == ForwardMode::Predict) {
      torch::Tensor score = torch::softmax(x, 1);
      for (std::size_t i = 0; i < batch.data_samples.size(); ++i) {
        auto s = std::make_shared<DataSample>(*batch.data_samples[i]);
        s->set("pred_score", score[static_cast<std::int64_t>(i)]);
        s->set("pred_label", score[static_cast<std::int64_t>(i)].argmax().reshape({1}));
        out.predictions.push_back(s);
      }
    } else {
      std::vector<torch::Tensor> labels;
      for (const auto& s : batch.data_samples) labels.push_back(s->gt_label());
      out.losses.emplace_back(
          "loss", torch::nn::functional::cross_entropy(x, torch::cat(labels).to(x.device())));
    }
    return out;
  }

 private:
  std::function<torch::Tensor(const torch::Tensor&)> make_norm(const std::string& norm,
                                                               std::int64_t c,
                                                               const std::string& name) {
    if (norm == "none") return [](const torch::Tensor& x) { return x; };
    if (norm == "bn") {
      auto bn = register_module(name, torch::nn::BatchNorm2d(c));
      return [bn](const torch::Tensor& x) { return bn->forward(x); };
    }
    if (norm == "syncbn" || norm == "localbn") {
      mmcpp::dist::SyncBatchNormOptions o(c);
      o.mode(norm == "syncbn" ? mmcpp::dist::SyncBatchNormOptions::Mode::kSync
                              : mmcpp::dist::SyncBatchNormOptions::Mode::kLocal);
      auto bn = register_module(name, mmcpp::dist::SyncBatchNorm(o));
      return [bn](const torch::Tensor& x) { return bn->forward(x); };
    }
    throw mmcpp::Error("ValueError",
                       "DistTestNet: norm must be none, bn, syncbn or localbn, got " + norm);
  }

  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::Linear fc_{nullptr};
  std::function<torch::Tensor(const torch::Tensor&)> norm1_, norm2_;
};

class DistTestAccuracy : public mmcpp::evaluation::BaseMetric {
 public:
  DistTestAccuracy() : BaseMetric("cpu", std::nullopt, "dist_test") {}
  static std::shared_ptr<DistTestAccuracy> from_config(mmcpp::registry::BuildArgs&) {
    return std::make_shared<DistTestAccuracy>();
  }
  void process(const DataBatch&, const DataSamples& predictions) override {
    for (const auto& s : predictions) {
      torch::Tensor score = s->get("pred_score");
      correct_ += score.argmax().item<std::int64_t>() == s->gt_label().item<std::int64_t>();
      score_sum_ += score.max().item<float>();
      ++count_;
    }
  }
  mmcpp::evaluation::Metrics compute_metrics() override {
    return {{"accuracy", count_ ? 100.0 * static_cast<double>(correct_) / count_ : 0.0},
            {"count", static_cast<double>(count_)},
            {"score_sum", static_cast<double>(score_sum_)}};
  }
  void reset() override {
    correct_ = count_ = 0;
    score_sum_ = 0;
  }

 private:
  std::int64_t correct_ = 0, count_ = 0;
  float score_sum_ = 0;
};

}  // namespace dist_test

MMCPP_REGISTER(mmcpp::registry::MODELS, dist_test::DistTestNet,
               "dict(type='DistTestNet', norm='none')");
MMCPP_REGISTER(mmcpp::registry::METRICS, dist_test::DistTestAccuracy,
               "dict(type='DistTestAccuracy')");
