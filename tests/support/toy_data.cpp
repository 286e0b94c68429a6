#include "tests/support/toy_data.h"

#include <torch/torch.h>

#include <ATen/autocast_mode.h>

#include <chrono>
#include <random>
#include <thread>

#include "mmcpp/core/error.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::testing {

MMCPP_REGISTER(registry::DATASETS, ToyDataset, "dict(type='ToyDataset', size=10)");
MMCPP_REGISTER(registry::METRICS, ToyAccuracy, "dict(type='ToyAccuracy')");
MMCPP_REGISTER(registry::MODELS, ToyModel, "dict(type='ToyModel')");

std::shared_ptr<ToyDataset> ToyDataset::from_config(registry::BuildArgs& args) {
  Options o;
  o.size = static_cast<std::size_t>(args.get_int("size", 10));
  o.num_classes = args.get_int("num_classes", 2);
  o.fail_at = args.get_opt_int("fail_at").value_or(-1);
  o.varying_shapes = args.get_bool("varying_shapes", false);
  o.delay_us = args.get_int("delay_us", 0);
  return std::make_shared<ToyDataset>(o);
}

data::Sample ToyDataset::get(std::size_t index, const data::SampleContext& ctx) {
  ++calls_;
  if (options_.delay_us > 0)  // later indices of a batch finish first, so order varies
    std::this_thread::sleep_for(
        std::chrono::microseconds(options_.delay_us * static_cast<std::int64_t>(7 - index % 7)));
  if (static_cast<std::int64_t>(index) == options_.fail_at)
    throw Error("ValueError", "ToyDataset: sample " + std::to_string(index) + " is broken");
  std::mt19937_64 rng(ctx.seed);
  float u = std::uniform_real_distribution<float>(0.f, 1.f)(rng);
  std::vector<float> values = {static_cast<float>(index), u};
  if (options_.varying_shapes && index % 2 == 1) values.push_back(0.f);
  data::Sample s;
  s.inputs = torch::tensor(values);
  s.data_sample = std::make_shared<data::DataSample>();
  s.data_sample->set_gt_label(
      torch::tensor({static_cast<std::int64_t>(index) % options_.num_classes}));
  s.data_sample->set_metainfo("sample_idx", config::Value(static_cast<std::int64_t>(index)));
  return s;
}

config::Value ToyDataset::metainfo() const {
  config::Value classes = config::Value::list();
  for (std::int64_t c = 0; c < options_.num_classes; ++c)
    classes.items().push_back(config::Value("c" + std::to_string(c)));
  config::Value meta = config::Value::dict(false);
  meta.as_dict().set("classes", classes);
  return meta;
}

std::shared_ptr<ToyAccuracy> ToyAccuracy::from_config(registry::BuildArgs& args) {
  auto [device, prefix] = common_args(args);
  return std::make_shared<ToyAccuracy>(device, prefix);
}

void ToyAccuracy::process(const data::DataBatch&, const data::DataSamples& predictions) {
  for (const auto& p : predictions) {
    ++total_;
    if (p->get("pred_label").item<std::int64_t>() == p->gt_label().item<std::int64_t>()) ++correct_;
  }
}

evaluation::Metrics ToyAccuracy::compute_metrics() {
  double acc = total_ ? 100.0 * static_cast<double>(correct_) / static_cast<double>(total_) : 0;
  return {{"accuracy", acc}, {"count", static_cast<double>(total_)}};
}

namespace {
std::atomic<int> g_autocast_on{0}, g_autocast_off{0};
}  // namespace

ToyModel::ToyModel(bool fail_in_train) : fail_in_train_(fail_in_train) {
  fc_ = register_module("fc", torch::nn::Linear(2, 2));
}

std::shared_ptr<ToyModel> ToyModel::from_config(registry::BuildArgs& args) {
  auto m = std::make_shared<ToyModel>(args.get_bool("fail_in_train", false));
  m->configure_base(args);
  return m;
}

engine::ModelOutput ToyModel::forward(const data::DataBatch& batch, engine::ForwardMode mode) {
  torch::Tensor x =
      (batch.inputs.defined() ? batch.inputs : torch::stack(batch.input_list)).to(torch::kFloat);
  torch::Tensor logits = fc_->forward(x);
  engine::ModelOutput out;
  if (mode == engine::ForwardMode::Loss) {
    if (fail_in_train_) logits = logits.mm(torch::ones({3, 3}));  // (B, 2) x (3, 3): c10::Error
    std::vector<torch::Tensor> labels;
    for (const auto& s : batch.data_samples) labels.push_back(s->gt_label());
    out.losses.emplace_back(
        "loss", torch::nn::functional::cross_entropy(logits.to(torch::kFloat), torch::cat(labels)));
  } else if (mode == engine::ForwardMode::Predict) {
    bool autocast = at::autocast::is_cpu_enabled() || at::autocast::is_enabled();
    ++(autocast ? g_autocast_on : g_autocast_off);
    torch::Tensor score = torch::softmax(logits.to(torch::kFloat), 1);
    for (std::size_t i = 0; i < batch.data_samples.size(); ++i) {
      auto s = std::make_shared<data::DataSample>(*batch.data_samples[i]);
      s->set("pred_score", score[static_cast<std::int64_t>(i)]);
      s->set("pred_label", score[static_cast<std::int64_t>(i)].argmax().reshape({1}));
      out.predictions.push_back(s);
    }
  } else {
    out.tensors.push_back(logits);
  }
  return out;
}

int ToyModel::autocast_seen(bool enabled) {
  return (enabled ? g_autocast_on : g_autocast_off).load();
}

void ToyModel::reset_autocast_seen() {
  g_autocast_on = 0;
  g_autocast_off = 0;
}

}  // namespace mmcpp::testing
