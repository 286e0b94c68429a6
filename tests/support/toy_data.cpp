#include "tests/support/toy_data.h"

#include <chrono>
#include <random>
#include <thread>

#include "mmcpp/core/error.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::testing {

MMCPP_REGISTER(registry::DATASETS, ToyDataset, "dict(type='ToyDataset', size=10)");
MMCPP_REGISTER(registry::METRICS, ToyAccuracy, "dict(type='ToyAccuracy')");

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

}  // namespace mmcpp::testing
