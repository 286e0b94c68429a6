// The MMEngine "15 minutes" example (seed 003, sections 1.2.1 and 1.3) as an
// mmcpp plugin: MyAwesomeModel (an MLP), MyDataset (two noisy rings) and the
// seed's accuracy metric, registered in the MMEngine root registries. The metric
// is named `SeedAccuracy` here so that it does not stand for MMPretrain's
// `Accuracy` (mmpretrain scope), whose arguments and keys differ.
//
// The data is generated exactly as the Python example does (torch.manual_seed,
// randint, randn, rand on LibTorch's CPU generator), so both see the same points.
// The model follows mmcpp's model contract: forward(batch, mode) reads the
// labels from the batch's data samples (gt_label) instead of a second tensor.
#include <torch/torch.h>

#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/data/base_dataset.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/evaluation/metric.h"
#include "mmcpp/registry/root.h"

namespace seed_example {

using mmcpp::data::DataBatch;
using mmcpp::data::DataSample;
using mmcpp::data::DataSamples;
using mmcpp::engine::ForwardMode;
using mmcpp::engine::ModelOutput;

class MyAwesomeModel : public mmcpp::engine::BaseModel {
 public:
  MyAwesomeModel(std::int64_t layers, const std::string& activation) {
    auto act = [&]() -> torch::nn::AnyModule {
      if (activation == "relu") return torch::nn::AnyModule(torch::nn::ReLU());
      if (activation == "silu") return torch::nn::AnyModule(torch::nn::SiLU());
      if (activation == "none") return torch::nn::AnyModule(torch::nn::Identity());
      throw mmcpp::Error("NotImplementedError", "MyAwesomeModel: activation '" + activation +
                                                    "' (use relu, silu or none)");
    };
    mlp_->push_back(torch::nn::Linear(2, 64));
    mlp_->push_back(act());
    for (std::int64_t i = 0; i < layers - 1; ++i) {
      mlp_->push_back(torch::nn::Linear(64, 64));
      mlp_->push_back(act());
    }
    register_module("mlp", mlp_);
    classifier_ = register_module("classifier", torch::nn::Linear(64, 2));
  }

  static std::shared_ptr<MyAwesomeModel> from_config(mmcpp::registry::BuildArgs& args) {
    auto model = std::make_shared<MyAwesomeModel>(args.get_int("layers", 4),
                                                  args.get_str("activation", "relu"));
    model->configure_base(args);
    return model;
  }

  ModelOutput forward(const DataBatch& batch, ForwardMode mode) override {
    torch::Tensor x = classifier_->forward(mlp_->forward(batch.inputs));
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
      out.losses.emplace_back("loss", torch::nn::functional::cross_entropy(x, torch::cat(labels)));
    }
    return out;
  }

 private:
  torch::nn::Sequential mlp_;
  torch::nn::Linear classifier_{nullptr};
};

class MyDataset : public mmcpp::data::BaseDataset {
 public:
  MyDataset(bool is_train, std::int64_t size) {
    torch::manual_seed(is_train ? 0 : 3407);  // "seed(3407) is all you need"
    labels_ = torch::randint(0, 2, {size});
    torch::Tensor r = 3 * (labels_ + 1) + torch::randn(labels_.sizes());
    torch::Tensor theta = torch::rand(labels_.sizes()) * 2 * M_PI;
    data_ = torch::vstack({r * torch::cos(theta), r * torch::sin(theta)}).t().contiguous();
  }

  static std::shared_ptr<MyDataset> from_config(mmcpp::registry::BuildArgs& args) {
    return std::make_shared<MyDataset>(args.get_bool("is_train", true), args.require_int("size"));
  }

  std::size_t size() const override { return static_cast<std::size_t>(labels_.size(0)); }

  mmcpp::data::Sample get(std::size_t index, const mmcpp::data::SampleContext&) override {
    auto i = static_cast<std::int64_t>(index);
    mmcpp::data::Sample s;
    s.inputs = data_[i];
    s.data_sample = std::make_shared<DataSample>();
    s.data_sample->set_gt_label(labels_[i].reshape({1}));
    return s;
  }

 private:
  torch::Tensor labels_, data_;
};

class SeedAccuracy : public mmcpp::evaluation::BaseMetric {
 public:
  SeedAccuracy() : BaseMetric("cpu", std::nullopt, "", "SeedAccuracy") {}
  static std::shared_ptr<SeedAccuracy> from_config(mmcpp::registry::BuildArgs&) {
    return std::make_shared<SeedAccuracy>();
  }

  void process(const DataBatch&, const DataSamples& predictions) override {
    for (const auto& s : predictions) {
      correct_ +=
          s->get("pred_score").argmax().item<std::int64_t>() == s->gt_label().item<std::int64_t>();
      ++total_;
    }
  }
  mmcpp::evaluation::Metrics compute_metrics() override {
    return {{"accuracy",
             total_ ? 100.0 * static_cast<double>(correct_) / static_cast<double>(total_) : 0.0}};
  }
  void reset() override { correct_ = total_ = 0; }

 private:
  std::int64_t correct_ = 0, total_ = 0;
};

}  // namespace seed_example

MMCPP_REGISTER(mmcpp::registry::MODELS, seed_example::MyAwesomeModel,
               "dict(type='MyAwesomeModel', layers=2, activation='relu')");
MMCPP_REGISTER(mmcpp::registry::DATASETS, seed_example::MyDataset,
               "dict(type='MyDataset', is_train=True, size=16)");
MMCPP_REGISTER(mmcpp::registry::METRICS, seed_example::SeedAccuracy, "dict(type='SeedAccuracy')");
