#include "mmcpp/pretrain/apis/image_classification.h"

#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/cv/image/io.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/data/collate.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string config_format(const std::string& path) {
  for (const char* ext : {".py", ".json", ".yaml", ".yml"})
    if (ends_with(path, ext)) return ext;
  return "";
}

// The type name of a transform dict without its scope ("mmpretrain.X" -> "X").
std::string transform_type(const Value& t) {
  const Value* type = t.is_dict() ? t.as_dict().find("type") : nullptr;
  if (!type || !type->is_str()) return "";
  const std::string& s = type->as_str();
  const std::size_t dot = s.rfind('.');
  return dot == std::string::npos ? s : s.substr(dot + 1);
}

const Value& require_path(const Value& root, const std::vector<std::string>& keys) {
  const Value* v = &root;
  std::string where;
  for (const std::string& k : keys) {
    where += (where.empty() ? "" : ".") + k;
    const Value* next = v->is_dict() ? v->as_dict().find(k) : nullptr;
    if (!next || next->is_none())
      throw Error("KeyError", "ImageClassificationInferencer: the config has no `" + where + "`");
    v = next;
  }
  return *v;
}

}  // namespace

bool is_config_path(const std::string& path) { return !config_format(path).empty(); }

config::Config config_from_checkpoint(const std::string& checkpoint) {
  io::PyObject ckpt = engine::read_checkpoint(checkpoint);
  const io::PyObject* meta = ckpt.is_dict() ? ckpt.find("meta") : nullptr;
  const io::PyObject* cfg = meta && meta->is_dict() ? meta->find("cfg") : nullptr;
  if (!cfg || !cfg->is_str())
    throw Error("KeyError", checkpoint +
                                ": the checkpoint carries no config (meta['cfg']); give the "
                                "config file too");
  return config::Config::fromstring(cfg->as_str(), ".py");
}

ImageClassificationInferencer::ImageClassificationInferencer(const std::string& model,
                                                             const std::string& checkpoint,
                                                             const torch::Device& device)
    : device_(device) {
  if (is_config_path(model)) {
    cfg_ = config::Config::fromfile(model);
    std::string path = checkpoint;
    if (path.empty())
      if (const Value* load_from = cfg_.get("load_from"); load_from && load_from->is_str())
        path = load_from->as_str();
    if (path.empty()) {
      init(std::nullopt, "");
    } else {
      init(engine::read_checkpoint(path), path);
    }
    return;
  }
  // A checkpoint that carries its config.
  io::PyObject ckpt = engine::read_checkpoint(model);
  const io::PyObject* meta = ckpt.is_dict() ? ckpt.find("meta") : nullptr;
  const io::PyObject* text = meta && meta->is_dict() ? meta->find("cfg") : nullptr;
  if (!text || !text->is_str())
    throw Error("KeyError", model +
                                ": not a config file (.py, .json, .yaml) and, as a checkpoint, it "
                                "carries no config (meta['cfg']); give the config file");
  cfg_ = config::Config::fromstring(text->as_str(), ".py");
  if (checkpoint.empty() || checkpoint == model) {
    init(ckpt, model);
  } else {
    init(engine::read_checkpoint(checkpoint), checkpoint);
  }
}

ImageClassificationInferencer::ImageClassificationInferencer(const config::Config& cfg,
                                                             const std::string& checkpoint,
                                                             const torch::Device& device)
    : cfg_(cfg), device_(device) {
  if (checkpoint.empty())
    init(std::nullopt, "");
  else
    init(engine::read_checkpoint(checkpoint), checkpoint);
}

void ImageClassificationInferencer::init(const std::optional<io::PyObject>& checkpoint,
                                         const std::string& checkpoint_path) {
  std::string scope = "mmpretrain";
  if (const Value* s = cfg_.get("default_scope"); s && s->is_str()) scope = s->as_str();
  registry::ScopeGuard guard(scope);

  // get_model: config.model.setdefault('data_preprocessor', config.get('data_preprocessor')).
  Value model_cfg = require_path(cfg_.dict(), {"model"}).deep_copy();
  if (!model_cfg.is_dict())
    throw Error("TypeError",
                "ImageClassificationInferencer: `model` must be a dict, got " + model_cfg.repr());
  if (const Value* dp = cfg_.get("data_preprocessor");
      dp && !model_cfg.as_dict().contains("data_preprocessor"))
    model_cfg.as_dict().set(Value("data_preprocessor"), *dp);
  model_ = engine::build_model(model_cfg);

  if (checkpoint) {
    try {
      engine::LoadReport r = engine::load_model_state_dict(*model_, *checkpoint, false);
      load_report_ = r.summary();
    } catch (const Error& e) {
      std::throw_with_nested(Error(e.kind(), checkpoint_path + ": " + e.what()));
    }
    if (!load_report_.empty())
      print_log("The model and loaded state dict do not match exactly\n" + load_report_,
                LogLevel::Warning);
    const io::PyObject* meta = checkpoint->is_dict() ? checkpoint->find("meta") : nullptr;
    const io::PyObject* classes = nullptr;
    if (meta && meta->is_dict()) {
      const io::PyObject* dataset_meta = meta->find("dataset_meta");
      if (dataset_meta && dataset_meta->is_dict()) classes = dataset_meta->find("classes");
      if (!classes) classes = meta->find("CLASSES");  // mmcls 0.x
    }
    if (classes && classes->has_items())
      for (const io::PyObject& c : classes->items())
        classes_.push_back(c.is_str() ? c.as_str() : c.repr());
  }
  model_->to_device(device_);
  model_->eval();

  // _init_pipeline: the test pipeline without LoadImageFromFile.
  const Value& pipeline = require_path(cfg_.dict(), {"test_dataloader", "dataset", "pipeline"});
  if (!pipeline.is_sequence())
    throw Error("TypeError",
                "test_dataloader.dataset.pipeline must be a list, got " + pipeline.repr());
  pipeline_cfg_ = Value::list();
  bool has_loader = false;
  for (const Value& t : pipeline.items()) {
    if (transform_type(t) == "LoadImageFromFile") {
      has_loader = true;
      if (const Value* c = t.as_dict().find("color_type"); c && c->is_str())
        color_type_ = c->as_str();
      continue;
    }
    pipeline_cfg_.items().push_back(t.deep_copy());
  }
  if (!has_loader) color_type_ = "unchanged";
  std::vector<data::TransformPtr> transforms;
  for (const Value& t : pipeline_cfg_.items()) transforms.push_back(TRANSFORMS().build(t));
  pipeline_ = std::make_shared<data::Compose>(std::move(transforms));
}

data::Sample ImageClassificationInferencer::prepare(const cv::Mat& img_in) const {
  if (img_in.empty()) throw Error("ValueError", "ImageClassificationInferencer: an empty image");
  cv::Mat img = img_in.clone();
  data::Results results;
  results.set_img(mmcv::as_tensor(img));
  const Value shape = results.info.as_dict().find("img_shape")->deep_copy();
  results.info.as_dict().set(Value("ori_shape"), shape);
  Rng rng(0);
  if (!pipeline_->transform(results, rng) || !results.packed)
    throw Error("ValueError",
                "ImageClassificationInferencer: the test pipeline did not pack the image (it "
                "needs a PackInputs step): " +
                    pipeline_->repr());
  return std::move(*results.packed);
}

std::vector<ClassificationResult> ImageClassificationInferencer::run(
    std::vector<data::Sample> samples) {
  data::default_collate collate;
  data::DataBatch batch = collate(samples);
  torch::NoGradGuard no_grad;
  data::DataSamples preds = model_->test_step(batch);
  if (preds.size() != samples.size())
    throw Error("RuntimeError", "ImageClassificationInferencer: the model returned " +
                                    std::to_string(preds.size()) + " predictions for " +
                                    std::to_string(samples.size()) + " images");
  std::vector<ClassificationResult> out;
  for (const auto& p : preds) {
    ClassificationResult r;
    r.pred_scores = p->get("pred_score").detach().to(torch::kCPU, torch::kFloat).flatten();
    r.pred_label = r.pred_scores.argmax().item<std::int64_t>();
    r.pred_score = r.pred_scores.max().item<double>();
    if (r.pred_label >= 0 && static_cast<std::size_t>(r.pred_label) < classes_.size())
      r.pred_class = classes_[static_cast<std::size_t>(r.pred_label)];
    out.push_back(std::move(r));
  }
  return out;
}

ClassificationResult ImageClassificationInferencer::predict(const cv::Mat& img) {
  return predict(std::vector<cv::Mat>{img}, 1).front();
}

ClassificationResult ImageClassificationInferencer::predict(const std::string& path) {
  return predict(std::vector<std::string>{path}, 1).front();
}

std::vector<ClassificationResult> ImageClassificationInferencer::predict(
    const std::vector<cv::Mat>& imgs, std::size_t batch_size) {
  if (batch_size == 0) throw Error("ValueError", "batch_size must be positive");
  std::vector<ClassificationResult> out;
  for (std::size_t start = 0; start < imgs.size(); start += batch_size) {
    std::vector<data::Sample> samples;
    for (std::size_t i = start; i < std::min(imgs.size(), start + batch_size); ++i)
      samples.push_back(prepare(imgs[i]));
    for (auto& r : run(std::move(samples))) out.push_back(std::move(r));
  }
  return out;
}

std::vector<ClassificationResult> ImageClassificationInferencer::predict(
    const std::vector<std::string>& paths, std::size_t batch_size) {
  if (batch_size == 0) throw Error("ValueError", "batch_size must be positive");
  std::vector<ClassificationResult> out;
  for (std::size_t start = 0; start < paths.size(); start += batch_size) {
    std::vector<cv::Mat> imgs;
    for (std::size_t i = start; i < std::min(paths.size(), start + batch_size); ++i) {
      cv::Mat img = mmcv::imread(paths[i], color_type_);
      if (img.empty()) throw Error("ValueError", "Failed to read image " + paths[i] + ".");
      if (color_type_ == "unchanged" && img.channels() == 4)
        cv::cvtColor(img, img, cv::COLOR_BGRA2BGR);
      imgs.push_back(std::move(img));
    }
    for (auto& r : predict(imgs, imgs.size())) out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::pair<std::int64_t, double>> ImageClassificationInferencer::topk(
    const ClassificationResult& r, std::size_t k) {
  std::vector<std::pair<std::int64_t, double>> out;
  if (!r.pred_scores.defined()) return out;
  const std::int64_t n = r.pred_scores.numel();
  const std::int64_t kk = std::min<std::int64_t>(static_cast<std::int64_t>(k), n);
  if (kk <= 0) return out;
  auto [values, indices] = r.pred_scores.topk(kk);
  for (std::int64_t i = 0; i < kk; ++i)
    out.emplace_back(indices[i].item<std::int64_t>(), values[i].item<double>());
  return out;
}

}  // namespace mmcpp::pretrain
