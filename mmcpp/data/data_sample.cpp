#include "mmcpp/data/data_sample.h"

#include "mmcpp/core/error.h"

namespace mmcpp::data {

const torch::Tensor& DataSample::get(const std::string& key) const {
  auto it = fields_.find(key);
  if (it == fields_.end()) {
    std::string present;
    for (const auto& [k, v] : fields_) present += (present.empty() ? "" : ", ") + k;
    throw Error("KeyError", "DataSample has no field '" + key +
                                "' (fields: " + (present.empty() ? "none" : present) + ")");
  }
  return it->second;
}

void DataSample::set_metainfo(const std::string& key, config::Value v) {
  metainfo_.as_dict().set(config::Value(key), std::move(v));
}

std::shared_ptr<DataSample> DataSample::to(const torch::Device& device) const {
  auto out = std::make_shared<DataSample>();
  for (const auto& [k, v] : fields_) out->fields_[k] = v.defined() ? v.to(device) : v;
  out->metainfo_ = metainfo_;
  return out;
}

}  // namespace mmcpp::data
