// BaseEditModel (mmagic/models/base_models/base_edit_model.py): a generator
// and a pixel-wise loss, for image restoration (super-resolution first).
//
// BaseEditModel(generator, pixel_loss, train_cfg=None, test_cfg=None,
//               init_cfg=None, data_preprocessor=None)
// forward(batch, mode):
//  - "tensor": generator(inputs);
//  - "loss": dict(loss=pixel_loss(generator(inputs), stacked gt_img));
//  - "predict": one DataSample per input with, as MMagic's convert_to_datasample:
//      input      = data_preprocessor.destruct(inputs, samples) (BGR, [0, 255],
//                   un-padded, float),
//      output     = DataSample(pred_img = destruct(generator(inputs)) on the CPU),
//      gt_img and metainfo of the preprocessed sample (gt_img BGR uint8 in eval).
// The preprocessor must be MMagic's DataPreprocessor (destruct).
#pragma once

#include <memory>

#include "mmcpp/editing/models/base_models/generator.h"
#include "mmcpp/editing/models/data_preprocessors/data_preprocessor.h"
#include "mmcpp/editing/models/losses/pixelwise_loss.h"
#include "mmcpp/engine/model/base_model.h"

namespace mmcpp::editing {

class BaseEditModel : public engine::BaseModel {
 public:
  BaseEditModel(std::shared_ptr<Generator> generator, std::shared_ptr<PixelLoss> pixel_loss,
                config::Value train_cfg, config::Value test_cfg);
  // Example: dict(type='BaseEditModel', generator=dict(type='EDSRNet', in_channels=3,
  // out_channels=3, mid_channels=8, num_blocks=1, upscale_factor=2),
  // pixel_loss=dict(type='L1Loss'), data_preprocessor=dict(type='DataPreprocessor', mean=[0., 0.,
  // 0.], std=[255., 255., 255.]))
  static std::shared_ptr<BaseEditModel> from_config(registry::BuildArgs& args);

  engine::ModelOutput forward(const data::DataBatch& batch, engine::ForwardMode mode) override;
  void init_weights() override { generator_->init_weights(); }

  // The pieces of forward (MMagic's method names).
  torch::Tensor forward_tensor(const torch::Tensor& inputs);
  data::DataSamples forward_predict(const torch::Tensor& inputs, const data::DataSamples& samples);
  engine::NamedTensors forward_train(const torch::Tensor& inputs, const data::DataSamples& samples);

  Generator& generator() { return *generator_; }
  PixelLoss& pixel_loss() { return *pixel_loss_; }
  // The preprocessor as MMagic's DataPreprocessor (TypeError if it is not one).
  DataPreprocessor& editing_preprocessor();
  const config::Value& train_cfg() const { return train_cfg_; }
  const config::Value& test_cfg() const { return test_cfg_; }

 private:
  std::shared_ptr<Generator> generator_;
  std::shared_ptr<PixelLoss> pixel_loss_;
  config::Value train_cfg_, test_cfg_;
};

}  // namespace mmcpp::editing
