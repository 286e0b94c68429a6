// A LeNet-5-sized classifier and an accuracy metric as a plugin
// (plugins/libbench_lenet.so), for benchmarks/threads.cpp: the Fashion-MNIST
// LeNet-5 job's shape (1x32x32 inputs, batch 32, two DataLoader workers) without
// waiting for MMPretrain's LeNet5/ImageClassifier. Layers as MMPretrain's LeNet5:
// conv 1->6 k5, tanh, avgpool 2, conv 6->16 k5, tanh, avgpool 2, conv 16->120 k5,
// tanh, fc 120->84, tanh, fc 84->num_classes.
#include <torch/torch.h>

#include "mmcpp/data/data_sample.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/evaluation/metric.h"
#include "mmcpp/registry/root.h"

namespace bench_lenet {

using mmcpp::data::DataBatch;
using mmcpp::data::DataSample;
using mmcpp::engine::ForwardMode;
using mmcpp::engine::ModelOutput;

class BenchLeNet5 : public mmcpp::engine::BaseModel {
 public:
  explicit BenchLeNet5(std::int64_t num_classes) {
    features_->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 6, 5)));
    features_->push_back(torch::nn::Tanh());
    features_->push_back(torch::nn::AvgPool2d(2));
    features_->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(6, 16, 5)));
    features_->push_back(torch::nn::Tanh());
    features_->push_back(torch::nn::AvgPool2d(2));
    features_->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 120, 5)));
    features_->push_back(torch::nn::Tanh());
    register_module("features", features_);
    classifier_->push_back(torch::nn::Linear(120, 84));
    classifier_->push_back(torch::nn::Tanh());
    classifier_->push_back(torch::nn::Linear(84, num_classes));
    register_module("classifier", classifier_);
  }

  static std::shared_ptr<BenchLeNet5> from_config(mmcpp::registry::BuildArgs& args) {
    auto model = std::make_shared<BenchLeNet5>(args.get_int("num_classes", 10));
    model->configure_base(args);
    return model;
  }

  ModelOutput forward(const DataBatch& batch, ForwardMode mode) override {
    torch::Tensor x = classifier_->forward(features_->forward(batch.inputs).flatten(1));
    ModelOutput out;
    if (mode == ForwardMode::Tensor) {
      out.tensors.push_back(x);
    } else if (mode == ForwardMode::Predict) {
      torch::Tensor label = x.argmax(1);
      for (std::size_t i = 0; i < batch.data_samples.size(); ++i) {
        auto s = std::make_shared<DataSample>(*batch.data_samples[i]);
        s->set("pred_label", label[static_cast<std::int64_t>(i)].reshape({1}));
        out.predictions.push_back(s);
      }
    } else {
      std::vector<torch::Tensor> labels;
      for (const auto& s : batch.data_samples) labels.push_back(s->gt_label());
      out.losses.emplace_back("loss", torch::nn::functional::cross_entropy(x, torch::cat(labels)));
    }
    return out;
  }

 private:
  torch::nn::Sequential features_, classifier_;
};

class BenchAccuracy : public mmcpp::evaluation::BaseMetric {
 public:
  BenchAccuracy() : BaseMetric("cpu", std::nullopt, "") {}
  static std::shared_ptr<BenchAccuracy> from_config(mmcpp::registry::BuildArgs&) {
    return std::make_shared<BenchAccuracy>();
  }
  void process(const DataBatch&, const mmcpp::data::DataSamples& predictions) override {
    for (const auto& s : predictions) {
      correct_ += s->get("pred_label").item<std::int64_t>() == s->gt_label().item<std::int64_t>();
      ++total_;
    }
  }
  mmcpp::evaluation::Metrics compute_metrics() override {
    return {{"accuracy", total_ ? 100.0 * static_cast<double>(correct_) / total_ : 0.0}};
  }
  void reset() override { correct_ = total_ = 0; }

 private:
  std::int64_t correct_ = 0, total_ = 0;
};

}  // namespace bench_lenet

MMCPP_REGISTER(mmcpp::registry::MODELS, bench_lenet::BenchLeNet5,
               "dict(type='BenchLeNet5', num_classes=10)");
MMCPP_REGISTER(mmcpp::registry::METRICS, bench_lenet::BenchAccuracy, "dict(type='BenchAccuracy')");
