#include "mmcpp/engine/model/base_data_preprocessor.h"

#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

std::shared_ptr<BaseDataPreprocessor> BaseDataPreprocessor::from_config(registry::BuildArgs& args) {
  // MMEngine's BaseDataPreprocessor(non_blocking=False).
  args.get_bool("non_blocking", false);
  return std::make_shared<BaseDataPreprocessor>();
}

data::DataBatch BaseDataPreprocessor::cast_data(const data::DataBatch& batch) const {
  data::DataBatch out;
  if (batch.inputs.defined()) out.inputs = batch.inputs.to(device_);
  out.input_list.reserve(batch.input_list.size());
  for (const auto& t : batch.input_list) out.input_list.push_back(t.defined() ? t.to(device_) : t);
  out.data_samples.reserve(batch.data_samples.size());
  for (const auto& s : batch.data_samples) out.data_samples.push_back(s ? s->to(device_) : s);
  return out;
}

data::DataBatch BaseDataPreprocessor::forward(const data::DataBatch& batch, bool /*training*/) {
  return cast_data(batch);
}

MMCPP_REGISTER(registry::MODELS, BaseDataPreprocessor, "dict(type='BaseDataPreprocessor')");

}  // namespace mmcpp::engine
