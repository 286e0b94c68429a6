#include "mmcpp/editing/apis/inferencers/image_super_resolution_inferencer.h"

#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

using config::Value;

config::Value inference_pipeline(const config::Config& cfg) {
  const Value* p = nullptr;
  for (const char* key : {"inference_pipeline", "demo_pipeline", "test_pipeline", "val_pipeline"}) {
    const Value* v = cfg.get(key);
    if (v && !v->is_none() && v->truthy()) {
      p = v;
      break;
    }
  }
  if (!p)
    throw Error("KeyError",
                "the config has none of inference_pipeline, demo_pipeline, "
                "test_pipeline, val_pipeline");
  if (!p->is_sequence()) throw Error("TypeError", "the inference pipeline must be a list");
  Value out = Value::list();
  for (const Value& step_in : p->items()) {
    Value step = step_in.deep_copy();
    if (!step.is_dict()) {
      out.items().push_back(step);
      continue;
    }
    bool keep = true;
    for (const char* key : {"gt", "gt_path"}) {
      const Value* k = step.as_dict().find("key");
      if (k && k->is_str() && k->as_str() == key) keep = false;
      for (const char* list_key : {"keys", "meta_keys"}) {
        Value* ks = step.as_dict().find(list_key);
        if (!ks || !ks->is_sequence()) continue;
        auto& items = ks->items();
        items.erase(std::remove_if(items.begin(), items.end(),
                                   [&](const Value& x) { return x.is_str() && x.as_str() == key; }),
                    items.end());
        if (items.empty() && std::string(list_key) == "keys") keep = false;
      }
    }
    if (keep) out.items().push_back(step);
  }
  return out;
}

ImageSuperResolutionInferencer::ImageSuperResolutionInferencer(const config::Config& cfg,
                                                               const std::string& checkpoint,
                                                               const torch::Device& device)
    : device_(device) {
  registry::ScopeGuard scope("mmagic");
  const Value* model_cfg = cfg.get("model");
  if (!model_cfg) throw Error("KeyError", "the config has no `model`");
  model_ = std::dynamic_pointer_cast<BaseEditModel>(MODELS().build(*model_cfg));
  if (!model_)
    throw Error("TypeError",
                "super-resolution inference needs a BaseEditModel, got " + model_cfg->repr());
  if (!checkpoint.empty()) {
    engine::LoadReport r =
        engine::load_model_state_dict(*model_, engine::read_checkpoint(checkpoint), false);
    load_report_ = r.summary();
  }
  model_->to_device(device_);
  model_->eval();
  pipeline_cfg_ = inference_pipeline(cfg);
  std::vector<data::TransformPtr> transforms;
  for (const Value& t : pipeline_cfg_.items()) transforms.push_back(TRANSFORMS().build(t));
  pipeline_ = std::make_shared<data::Compose>(std::move(transforms));
}

torch::Tensor ImageSuperResolutionInferencer::infer(const std::string& img_path) {
  data::Results results;
  results.info.as_dict().set(Value("img_path"), Value(img_path));
  Rng rng(0);
  if (!pipeline_->transform(results, rng) || !results.packed)
    throw Error("ValueError",
                "the inference pipeline did not pack the image (it needs a "
                "PackInputs step)");
  data::DataBatch batch;
  if (!results.packed->inputs.defined())
    throw Error("ValueError", "the inference pipeline gave no single input image");
  batch.input_list.push_back(results.packed->inputs);
  if (results.packed->data_sample) batch.data_samples.push_back(results.packed->data_sample);
  torch::NoGradGuard no_grad;
  data::DataSamples preds = model_->val_step(batch);
  if (preds.empty() || !preds[0] || !has_output(*preds[0]))
    throw Error("RuntimeError", "the model returned no prediction");
  torch::Tensor pred = output_field(*preds[0], "pred_img").to(torch::kCPU, torch::kFloat);
  // tensor2img(pred / 255.): clamp to [0, 1], * 255 in float32, round half to even.
  torch::Tensor img = ((pred / 255.).clamp(0, 1) * 255.).round().to(torch::kUInt8);
  return img.permute({1, 2, 0}).contiguous();
}

std::pair<std::int64_t, std::int64_t> ImageSuperResolutionInferencer::infer_to_file(
    const std::string& img_path, const std::string& out_path) {
  torch::Tensor img = infer(img_path);
  const int h = static_cast<int>(img.size(0)), w = static_cast<int>(img.size(1));
  cv::Mat m(h, w, CV_8UC3, img.data_ptr<std::uint8_t>());
  std::string ext =
      out_path.substr(out_path.find_last_of('.') == std::string::npos ? out_path.size()
                                                                      : out_path.find_last_of('.'));
  if (ext.empty()) ext = ".png";
  std::vector<std::uint8_t> buf;
  if (!cv::imencode(ext, m, buf))
    throw Error("ValueError", "cannot encode an image as '" + ext + "' (" + out_path + ")");
  const std::string dir = path_dirname(out_path);
  if (!dir.empty()) Env::system().make_dirs(dir);
  Env::system().write_file_atomic(out_path, std::string(buf.begin(), buf.end()));
  return {h, w};
}

}  // namespace mmcpp::editing
