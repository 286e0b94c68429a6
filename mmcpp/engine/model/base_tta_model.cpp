#include "mmcpp/engine/model/base_tta_model.h"

#include "mmcpp/core/error.h"
#include "mmcpp/data/tta_views.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

using config::Value;

BaseTTAModel::BaseTTAModel(std::shared_ptr<BaseModel> module) : module_(std::move(module)) {
  if (!module_) throw Error("TypeError", "BaseTTAModel: the tested model is None");
  register_module("module", module_);
}

std::shared_ptr<BaseModel> BaseTTAModel::build_module(registry::BuildArgs& args) {
  Value module = args.require("module");
  Value preprocessor = args.value("data_preprocessor");
  if (!module.is_dict())
    throw Error("TypeError",
                "The type of module should be a `nn.Module` instance or a dict, but "
                "got " +
                    module.repr());
  Value cfg = module.deep_copy();
  if (!preprocessor.is_none()) cfg.as_dict().set("data_preprocessor", preprocessor);
  return build_model(cfg);
}

data::DataSamples BaseTTAModel::test_step_augmented(const std::vector<data::DataBatch>& augmented) {
  if (augmented.empty()) throw Error("ValueError", "BaseTTAModel: no augmented batches");
  std::vector<data::DataSamples> predictions;
  for (const auto& batch : augmented) predictions.push_back(module_->test_step(batch));
  // zip(*predictions): per sample, its predictions under each augmentation.
  std::vector<data::DataSamples> per_sample(predictions.front().size());
  for (const auto& p : predictions) {
    if (p.size() != per_sample.size())
      throw Error("ValueError", "BaseTTAModel: augmented batches of different sizes");
    for (std::size_t i = 0; i < p.size(); ++i) per_sample[i].push_back(p[i]);
  }
  return merge_preds(per_sample);
}

data::DataSamples BaseTTAModel::test_step(const data::DataBatch& batch) {
  std::vector<data::DataBatch> views = data::split_tta_batch(batch);
  if (!views.empty()) return test_step_augmented(views);
  return test_step_augmented({batch});
}

ModelOutput BaseTTAModel::forward(const data::DataBatch&, ForwardMode) {
  throw Error("NotImplementedError",
              "`BaseTTAModel.forward` will not be called during training or testing. Please "
              "call `test_step` instead. If you want to use `BaseTTAModel.forward`, please "
              "implement this method");
}

}  // namespace mmcpp::engine
