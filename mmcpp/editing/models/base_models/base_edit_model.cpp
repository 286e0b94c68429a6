#include "mmcpp/editing/models/base_models/base_edit_model.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/structures/data_sample.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

BaseEditModel::BaseEditModel(std::shared_ptr<Generator> generator,
                             std::shared_ptr<PixelLoss> pixel_loss, config::Value train_cfg,
                             config::Value test_cfg)
    : generator_(std::move(generator)),
      pixel_loss_(std::move(pixel_loss)),
      train_cfg_(std::move(train_cfg)),
      test_cfg_(std::move(test_cfg)) {
  if (!generator_) throw Error("TypeError", "BaseEditModel: the generator is null");
  register_module("generator", generator_);
  if (pixel_loss_) register_module("pixel_loss", pixel_loss_);
}

std::shared_ptr<BaseEditModel> BaseEditModel::from_config(registry::BuildArgs& args) {
  config::Value gcfg = args.require("generator");
  config::Value lcfg = args.require("pixel_loss");
  auto gmod = MODELS().build(gcfg);
  auto generator = std::dynamic_pointer_cast<Generator>(gmod);
  if (!generator)
    throw Error("TypeError",
                "BaseEditModel: generator " + gcfg.repr() +
                    " is not an image-to-image network (EDSRNet, SRCNNNet, RDNNet, ...)");
  auto lmod = MODELS().build(lcfg);
  auto loss = std::dynamic_pointer_cast<PixelLoss>(lmod);
  if (!loss)
    throw Error("TypeError", "BaseEditModel: pixel_loss " + lcfg.repr() +
                                 " is not a pixel-wise loss (L1Loss, MSELoss, CharbonnierLoss)");
  auto model = std::make_shared<BaseEditModel>(generator, loss, args.value("train_cfg"),
                                               args.value("test_cfg"));
  model->configure_base(args);
  return model;
}

DataPreprocessor& BaseEditModel::editing_preprocessor() {
  auto* p = dynamic_cast<DataPreprocessor*>(&data_preprocessor());
  if (!p)
    throw Error("TypeError",
                "BaseEditModel needs MMagic's DataPreprocessor (data_preprocessor=dict("
                "type='DataPreprocessor', ...)) to destruct its outputs");
  return *p;
}

torch::Tensor BaseEditModel::forward_tensor(const torch::Tensor& inputs) {
  return generator_->forward(inputs);
}

engine::NamedTensors BaseEditModel::forward_train(const torch::Tensor& inputs,
                                                  const data::DataSamples& samples) {
  torch::Tensor feats = forward_tensor(inputs);
  std::vector<torch::Tensor> gts;
  gts.reserve(samples.size());
  for (const auto& s : samples) gts.push_back(s->get("gt_img"));
  if (gts.empty()) throw Error("KeyError", "'gt_img': training needs data samples with gt_img");
  torch::Tensor loss = pixel_loss_->forward(feats, torch::stack(gts));
  return {{"loss", loss}};
}

data::DataSamples BaseEditModel::forward_predict(const torch::Tensor& inputs,
                                                 const data::DataSamples& samples) {
  DataPreprocessor& pre = editing_preprocessor();
  torch::Tensor feats = pre.destruct(forward_tensor(inputs), samples).cpu();
  torch::Tensor destructed_input = pre.destruct(inputs, samples, "img");
  data::DataSamples out;
  const std::int64_t n = feats.size(0);
  out.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    DataSamplePtr sample;
    if (i < static_cast<std::int64_t>(samples.size())) {
      sample = samples[static_cast<std::size_t>(i)];
    } else {
      sample = std::make_shared<DataSample>();
    }
    sample->set("input", destructed_input[i]);
    set_output_field(*sample, "pred_img", feats[i]);
    out.push_back(sample);
  }
  return out;
}

engine::ModelOutput BaseEditModel::forward(const data::DataBatch& batch, engine::ForwardMode mode) {
  engine::ModelOutput out;
  const torch::Tensor& inputs = batch.inputs;
  if (!inputs.defined())
    throw Error("ValueError",
                "BaseEditModel: the batch has no stacked inputs (run the "
                "data preprocessor first)");
  switch (mode) {
    case engine::ForwardMode::Tensor:
      out.tensors.push_back(forward_tensor(inputs));
      break;
    case engine::ForwardMode::Predict:
      out.predictions = forward_predict(inputs, batch.data_samples);
      break;
    case engine::ForwardMode::Loss:
      out.losses = forward_train(inputs, batch.data_samples);
      break;
  }
  return out;
}

MMCPP_REGISTER(MODELS, BaseEditModel,
               "dict(type='BaseEditModel', generator=dict(type='EDSRNet', in_channels=3, "
               "out_channels=3, mid_channels=8, num_blocks=1, upscale_factor=2), "
               "pixel_loss=dict(type='L1Loss'), data_preprocessor=dict(type='DataPreprocessor', "
               "mean=[0., 0., 0.], std=[255., 255., 255.]))");

}  // namespace mmcpp::editing
