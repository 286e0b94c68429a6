// Test-only components: a tiny dataset of 2-d points, an accuracy metric and a
// linear classifier of those points.
// Their registrations live in toy_data.cpp, so they exist only in test binaries.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <torch/nn/modules/linear.h>

#include "mmcpp/data/base_dataset.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/evaluation/metric.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::testing {

// ToyDataset(size=10, num_classes=2, fail_at=None, varying_shapes=False, delay_us=0)
// Sample i: inputs = [i, u] (float32) where u in [0, 1) is drawn from ctx.seed, so
// tests can see which RNG seed a sample got; gt_label = i % num_classes;
// metainfo sample_idx = i. `fail_at`: get(i) throws ValueError for that index.
// `varying_shapes`: inputs of odd indices have 3 elements. `delay_us`: sleep
// (index-dependent) in get() so worker threads finish out of order.
class ToyDataset : public data::BaseDataset {
 public:
  struct Options {
    std::size_t size = 10;
    std::int64_t num_classes = 2;
    std::int64_t fail_at = -1;
    bool varying_shapes = false;
    std::int64_t delay_us = 0;
  };
  explicit ToyDataset(Options options) : options_(options) {}
  // Example: dict(type='ToyDataset', size=10).
  static std::shared_ptr<ToyDataset> from_config(registry::BuildArgs& args);

  std::size_t size() const override { return options_.size; }
  data::Sample get(std::size_t index, const data::SampleContext& ctx) override;
  config::Value metainfo() const override;
  std::size_t calls() const { return calls_.load(); }

 private:
  Options options_;
  std::atomic<std::size_t> calls_{0};
};

// ToyAccuracy(collect_device='cpu', prefix=None): "toy/accuracy" in percent of
// predictions whose pred_label equals gt_label, plus "toy/count".
class ToyAccuracy : public evaluation::BaseMetric {
 public:
  ToyAccuracy(std::string collect_device, std::optional<std::string> prefix)
      : BaseMetric(std::move(collect_device), std::move(prefix), "toy") {}
  // Example: dict(type='ToyAccuracy').
  static std::shared_ptr<ToyAccuracy> from_config(registry::BuildArgs& args);

  void process(const data::DataBatch& batch, const data::DataSamples& predictions) override;
  evaluation::Metrics compute_metrics() override;
  void reset() override { correct_ = total_ = 0; }

 private:
  std::size_t correct_ = 0, total_ = 0;
};

// ToyModel(fail_in_train=False): a linear classifier of ToyDataset's 2-d
// inputs (Linear(2, 2) "fc"; cross-entropy loss, pred_label / pred_score).
// `fail_in_train`: the loss forward runs an invalid matrix product, so LibTorch
// raises a c10::Error from model code. Every predict forward records whether
// CPU or CUDA autocast was on (autocast_seen()).
class ToyModel : public engine::BaseModel {
 public:
  explicit ToyModel(bool fail_in_train);
  // Example: dict(type='ToyModel').
  static std::shared_ptr<ToyModel> from_config(registry::BuildArgs& args);
  engine::ModelOutput forward(const data::DataBatch& batch, engine::ForwardMode mode) override;
  // Predict forwards that ran under autocast / without, since the last reset.
  static int autocast_seen(bool enabled);
  static void reset_autocast_seen();

 private:
  bool fail_in_train_;
  torch::nn::Linear fc_{nullptr};
};

}  // namespace mmcpp::testing
