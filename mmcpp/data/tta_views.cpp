#include "mmcpp/data/tta_views.h"

#include <ATen/ATen.h>

#include <memory>
#include <string>

#include "mmcpp/core/error.h"

namespace mmcpp::data {

namespace {

// Config values carry an opaque object only as a Callable; this one refuses
// to be called.
class TtaViews : public config::Callable {
 public:
  explicit TtaViews(std::vector<Sample> v) : views(std::move(v)) {}
  std::string name() const override { return "TestTimeAug views"; }
  config::Value call(Args&) override {
    throw Error("TypeError", "TestTimeAug views are not callable");
  }
  std::vector<Sample> views;
};

}  // namespace

Sample make_tta_sample(std::vector<Sample> views) {
  if (views.empty()) throw Error("ValueError", "TestTimeAug: no augmented views");
  Sample s;
  s.data_sample = std::make_shared<DataSample>();
  if (views[0].data_sample) {
    s.data_sample->metainfo() = views[0].data_sample->metainfo().deep_copy();
    for (const auto& [k, t] : views[0].data_sample->fields()) s.data_sample->set(k, t);
  }
  s.data_sample->set_metainfo(
      kTtaViewsKey, config::Value::callable(std::make_shared<TtaViews>(std::move(views))));
  return s;
}

const std::vector<Sample>* tta_views(const DataSample& sample) {
  const config::Value* v = sample.metainfo().as_dict().find(kTtaViewsKey);
  if (!v || !v->is_callable()) return nullptr;
  auto* holder = dynamic_cast<TtaViews*>(&v->as_callable());
  return holder ? &holder->views : nullptr;
}

std::vector<DataBatch> split_tta_batch(const DataBatch& batch) {
  std::vector<const std::vector<Sample>*> per_sample;
  for (const auto& ds : batch.data_samples) per_sample.push_back(ds ? tta_views(*ds) : nullptr);
  std::size_t with_views = 0;
  for (const auto* v : per_sample) with_views += v ? 1 : 0;
  if (with_views == 0) return {};
  if (with_views != per_sample.size())
    throw Error("ValueError", "a batch mixing test-time-augmented samples (" +
                                  std::to_string(with_views) + ") and plain ones (" +
                                  std::to_string(per_sample.size() - with_views) + ")");
  const std::size_t n = per_sample[0]->size();
  std::vector<DataBatch> out(n);
  for (std::size_t b = 0; b < n; ++b) {
    DataBatch& view = out[b];
    view.seed = batch.seed;
    std::vector<torch::Tensor> inputs;
    for (const auto* views : per_sample) {
      if (views->size() != n)
        throw Error("ValueError", "samples with different numbers of test-time augmentations (" +
                                      std::to_string(n) + " and " + std::to_string(views->size()) +
                                      ")");
      const Sample& s = (*views)[b];
      if (s.data_sample) view.data_samples.push_back(s.data_sample);
      if (s.inputs.defined()) inputs.push_back(s.inputs);
    }
    if (inputs.size() != per_sample.size())
      throw Error("ValueError", "a test-time augmentation view without inputs");
    bool same = true;
    for (std::size_t i = 1; same && i < inputs.size(); ++i)
      same = inputs[i].sizes() == inputs[0].sizes();
    if (same)
      view.inputs = at::stack(inputs, 0);
    else
      view.input_list = std::move(inputs);
  }
  return out;
}

}  // namespace mmcpp::data
