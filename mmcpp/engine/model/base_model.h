// BaseModel (mmengine/model/base_model/base_model.py).
//
// forward(inputs, data_samples, mode): mode "loss" returns named losses,
// "predict" returns DataSamples with predictions, "tensor" returns raw outputs.
// train_step/val_step/test_step implement the Runner's contract: preprocess,
// forward, parse_losses, optim_wrapper.update_params. A BaseModule: init_cfg and
// init_weights() as MMEngine's (base_module.h).
#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/data/data_sample.h"
#include "mmcpp/engine/model/base_data_preprocessor.h"
#include "mmcpp/engine/model/base_module.h"

namespace mmcpp::engine {

class OptimWrapper;

enum class ForwardMode { Loss, Predict, Tensor };
ForwardMode parse_forward_mode(const std::string& mode);

// Named scalars/tensors in insertion order (losses, log variables).
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

struct ModelOutput {
  NamedTensors losses;                 // mode Loss
  data::DataSamples predictions;       // mode Predict
  std::vector<torch::Tensor> tensors;  // mode Tensor
};

class BaseModel : public BaseModule {
 public:
  BaseModel();
  MMCPP_PYTHON_CLASS(cpp_class_name(*this), "BaseModel")

  virtual ModelOutput forward(const data::DataBatch& batch, ForwardMode mode) = 0;

  // Preprocessing and forward run inside optim_wrapper.optim_context(*this)
  // (autocast with AmpOptimWrapper); parse_losses and update_params outside.
  // Returns log variables: "loss" (the total) first, then each loss term.
  virtual NamedTensors train_step(const data::DataBatch& batch, OptimWrapper& optim_wrapper);
  virtual data::DataSamples val_step(const data::DataBatch& batch);
  virtual data::DataSamples test_step(const data::DataBatch& batch);
  // Sums every term whose name contains "loss" (tensors are averaged first).
  std::pair<torch::Tensor, NamedTensors> parse_losses(const NamedTensors& losses) const;

  // Reads the BaseModel arguments every model accepts: data_preprocessor (a
  // dict built through MODELS, default BaseDataPreprocessor) and init_cfg.
  // Call from each model's from_config.
  void configure_base(registry::BuildArgs& args);

  BaseDataPreprocessor& data_preprocessor() { return *data_preprocessor_; }
  // Replaces the preprocessor (registered as submodule "data_preprocessor").
  void set_data_preprocessor(std::shared_ptr<BaseDataPreprocessor> p);
  // Moves parameters and the preprocessor's notion of the device.
  void to_device(const torch::Device& device);
  torch::Device device() const;

 private:
  std::shared_ptr<BaseDataPreprocessor> data_preprocessor_;
};

// MODELS.build(cfg) for a model, with `data_preprocessor` (dict) built through
// MODELS as MMEngine's BaseModel.__init__ does. Throws TypeError if the built
// module is not a BaseModel.
std::shared_ptr<BaseModel> build_model(const config::Value& cfg);

}  // namespace mmcpp::engine
