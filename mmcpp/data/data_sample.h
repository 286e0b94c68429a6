// DataSample: MMEngine's BaseDataElement / MMPretrain's DataSample in C++.
//
// Per-sample annotations and predictions: named tensor fields (gt_label,
// pred_score, pred_label, gt_score, ...) plus metainfo (img_path, ori_shape, ...)
// as config values. A batch (DataBatch) is the collated inputs and the samples.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"

namespace mmcpp::data {

class DataSample {
 public:
  DataSample() : metainfo_(config::Value::dict(false)) {}

  bool has(const std::string& key) const { return fields_.count(key) > 0; }
  // Throws KeyError naming the missing field and the fields present.
  const torch::Tensor& get(const std::string& key) const;
  void set(const std::string& key, torch::Tensor value) { fields_[key] = std::move(value); }
  void erase(const std::string& key) { fields_.erase(key); }
  const std::map<std::string, torch::Tensor>& fields() const { return fields_; }

  config::Value& metainfo() { return metainfo_; }
  const config::Value& metainfo() const { return metainfo_; }
  void set_metainfo(const std::string& key, config::Value v);

  // MMPretrain conveniences.
  void set_gt_label(torch::Tensor label) { set("gt_label", std::move(label)); }
  const torch::Tensor& gt_label() const { return get("gt_label"); }

  // A copy whose tensors live on `device`.
  std::shared_ptr<DataSample> to(const torch::Device& device) const;

 private:
  std::map<std::string, torch::Tensor> fields_;
  config::Value metainfo_;
};

using DataSamplePtr = std::shared_ptr<DataSample>;
using DataSamples = std::vector<DataSamplePtr>;

// One item of a dataset after its pipeline (PackInputs' dict(inputs=, data_samples=)).
struct Sample {
  torch::Tensor inputs;
  DataSamplePtr data_sample;
};

// A collated batch. default_collate stacks `inputs`; pseudo_collate keeps a list.
struct DataBatch {
  torch::Tensor inputs;                   // stacked (N, ...) when stackable
  std::vector<torch::Tensor> input_list;  // one per sample when not stacked
  DataSamples data_samples;
  // Seed of batch-level randomness (batch augments such as Mixup): set by the
  // DataLoader from (seed, epoch, batch index), so it does not depend on worker
  // threads and a resumed run draws the same; unset for batches made elsewhere.
  std::optional<std::uint64_t> seed;

  std::size_t size() const {
    return inputs.defined() ? static_cast<std::size_t>(inputs.size(0))
                            : std::max(input_list.size(), data_samples.size());
  }
};

}  // namespace mmcpp::data
