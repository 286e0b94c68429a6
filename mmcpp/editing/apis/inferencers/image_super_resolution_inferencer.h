// ImageSuperResolutionInferencer
// (mmagic/apis/inferencers/image_super_resolution_inferencer.py): one image in,
// the model's upscaled image out.
//
// The pipeline is the config's inference_pipeline, demo_pipeline,
// test_pipeline or val_pipeline (the first present), without the steps that
// load or use 'gt'. The image goes through it, the data preprocessor (eval) and
// the model's predict mode; the result is MMagic's visualize():
// round(clamp(pred_img / 255, 0, 1) * 255) as uint8, (H, W, 3) BGR, which
// imwrite saves with the right colours.
#pragma once

#include <memory>
#include <string>

#include "mmcpp/config/config.h"
#include "mmcpp/data/transform.h"
#include "mmcpp/editing/models/base_models/base_edit_model.h"

namespace mmcpp::editing {

class ImageSuperResolutionInferencer {
 public:
  // `checkpoint` may be "" (the model's initial weights).
  ImageSuperResolutionInferencer(const config::Config& cfg, const std::string& checkpoint,
                                 const torch::Device& device = torch::kCPU);

  // The restored image of `img_path`: (H, W, 3) uint8 BGR.
  torch::Tensor infer(const std::string& img_path);
  // infer() and write it to `out_path` (folders created); returns its shape (H, W).
  std::pair<std::int64_t, std::int64_t> infer_to_file(const std::string& img_path,
                                                      const std::string& out_path);

  BaseEditModel& model() { return *model_; }
  // The pipeline as used (gt steps removed), for messages.
  const config::Value& pipeline_cfg() const { return pipeline_cfg_; }
  // Text of the keys the checkpoint did not match ("" when all matched).
  const std::string& load_report() const { return load_report_; }

 private:
  std::shared_ptr<BaseEditModel> model_;
  config::Value pipeline_cfg_;
  std::shared_ptr<data::Compose> pipeline_;
  torch::Device device_;
  std::string load_report_;
};

// The inference pipeline of an MMagic config with the 'gt' steps removed
// (KeyError when the config has none of the four pipelines).
config::Value inference_pipeline(const config::Config& cfg);

}  // namespace mmcpp::editing
