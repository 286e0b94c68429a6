// BaseTTAModel (mmengine/model/test_time_aug.py): test-time augmentation.
//
// Wraps the tested model (`module`, a dict built through MODELS, whose
// data_preprocessor is replaced by this wrapper's `data_preprocessor` when one
// is given). test_step over the batches of every augmentation of the same
// samples runs module.test_step on each and merges the predictions of each
// sample with merge_preds (AverageClsScoreTTA averages pred_score). forward()
// is not used (NotImplementedError, as in MMEngine).
#pragma once

#include <memory>
#include <vector>

#include "mmcpp/engine/model/base_model.h"

namespace mmcpp::engine {

class BaseTTAModel : public BaseModel {
 public:
  MMCPP_PYTHON_CLASS(cpp_class_name(*this), "BaseTTAModel")
  explicit BaseTTAModel(std::shared_ptr<BaseModel> module);

  // Reads `module` and `data_preprocessor` of BaseTTAModel.__init__.
  static std::shared_ptr<BaseModel> build_module(registry::BuildArgs& args);

  // For each sample (outer), its predictions under every augmentation (inner).
  virtual data::DataSamples merge_preds(
      const std::vector<data::DataSamples>& data_samples_list) = 0;

  // One batch per augmentation, each holding the same samples in the same order.
  data::DataSamples test_step_augmented(const std::vector<data::DataBatch>& augmented);
  // The batch's TestTimeAug views (data/tta_views.h); a batch without
  // branches is the one "augmentation" it is.
  data::DataSamples test_step(const data::DataBatch& batch) override;
  data::DataSamples val_step(const data::DataBatch& batch) override { return test_step(batch); }
  ModelOutput forward(const data::DataBatch& batch, ForwardMode mode) override;

  BaseModel& module() { return *module_; }

 private:
  std::shared_ptr<BaseModel> module_;
};

}  // namespace mmcpp::engine
