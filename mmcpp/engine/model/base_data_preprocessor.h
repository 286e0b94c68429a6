// BaseDataPreprocessor (mmengine/model/base_model/data_preprocessor.py): moves a
// collated batch to the model's device and casts inputs to float. Subclasses
// (ClsDataPreprocessor) normalise there, so images cross to the device as uint8.
#pragma once

#include <torch/nn/module.h>

#include <memory>

#include "mmcpp/data/data_sample.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

class BaseDataPreprocessor : public torch::nn::Module {
 public:
  BaseDataPreprocessor() = default;
  static std::shared_ptr<BaseDataPreprocessor> from_config(registry::BuildArgs& args);

  virtual data::DataBatch forward(const data::DataBatch& batch, bool training);
  // The device of the model this preprocessor belongs to.
  void set_device(const torch::Device& d) { device_ = d; }
  const torch::Device& device() const { return device_; }

 protected:
  data::DataBatch cast_data(const data::DataBatch& batch) const;
  torch::Device device_ = torch::kCPU;
};

}  // namespace mmcpp::engine
