// ImageClassificationInferencer (mmpretrain/apis/image_classification.py):
// a classifier built from a config and a checkpoint, predicting the classes of
// images given as paths or cv::Mat.
//
//   mmcpp::pretrain::ImageClassificationInferencer inferencer(
//       "configs/lenet/lenet5_8xb32_fashion-mnist.py", "work_dirs/.../best.pth");
//   auto r = inferencer.predict("shirt.png");  // r.pred_class, r.pred_score, ...
//
// As MMPretrain's get_model + ImageClassificationInferencer:
//   - the model is cfg.model (cfg.data_preprocessor merged in when the model
//     has none), built in the config's default_scope (default 'mmpretrain'),
//     weights loaded non-strictly (a mismatch is logged as MMEngine's
//     load_checkpoint does, and kept in load_report()), in eval mode;
//   - the classes come from the checkpoint's meta['dataset_meta']['classes']
//     (mmcls 0.x: meta['CLASSES']); without them pred_class stays empty;
//   - the pipeline is cfg.test_dataloader.dataset.pipeline without its
//     LoadImageFromFile steps; an image goes through it, default_collate and
//     the model's test_step; pred_score is max(pred_scores) and pred_label its
//     index.
// The config may also come from the checkpoint alone: MMEngine's Runner saves
// the config text in meta['cfg'] (config_from_checkpoint).
// Paths are read with mmcv.imread and the color_type of the pipeline's
// LoadImageFromFile (default 'color', as MMPretrain); a pipeline without one
// (datasets holding arrays, such as MNIST) reads images unchanged, so a
// grey-scale PNG stays one channel (MMPretrain would read three), an alpha
// channel dropped.
#pragma once

#include <torch/types.h>

#include <opencv2/core.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/data/transform.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/io/py_object.h"

namespace mmcpp::pretrain {

// One image's prediction (MMPretrain's postprocess dict).
struct ClassificationResult {
  std::int64_t pred_label = -1;
  double pred_score = 0;
  torch::Tensor pred_scores;  // (num_classes,) float32 on the CPU
  std::string pred_class;     // "" when the classes are not known
};

// The config a checkpoint carries (meta['cfg'], the text MMEngine's Runner
// saves). KeyError naming the file when it has none.
config::Config config_from_checkpoint(const std::string& checkpoint);
// Whether `path` names a config file (.py, .json, .yaml, .yml) rather than a
// checkpoint.
bool is_config_path(const std::string& path);

class ImageClassificationInferencer {
 public:
  // `model` is a config file or a checkpoint that carries its config;
  // `checkpoint` "" means: `model` itself when it is a checkpoint, else the
  // config's load_from when set, else the model's initial weights.
  explicit ImageClassificationInferencer(const std::string& model,
                                         const std::string& checkpoint = "",
                                         const torch::Device& device = torch::kCPU);
  ImageClassificationInferencer(const config::Config& cfg, const std::string& checkpoint,
                                const torch::Device& device = torch::kCPU);

  ClassificationResult predict(const cv::Mat& img);
  ClassificationResult predict(const std::string& path);
  // In batches of `batch_size` (default_collate: the images must give inputs
  // of one shape after the pipeline, as in MMPretrain).
  std::vector<ClassificationResult> predict(const std::vector<cv::Mat>& imgs,
                                            std::size_t batch_size = 1);
  std::vector<ClassificationResult> predict(const std::vector<std::string>& paths,
                                            std::size_t batch_size = 1);

  // The `k` best classes of a result, best first: (index, score).
  static std::vector<std::pair<std::int64_t, double>> topk(const ClassificationResult& r,
                                                           std::size_t k);

  const std::vector<std::string>& classes() const { return classes_; }
  engine::BaseModel& model() { return *model_; }
  const config::Config& config() const { return cfg_; }
  const torch::Device& device() const { return device_; }
  // The pipeline as used (LoadImageFromFile removed).
  const config::Value& pipeline_cfg() const { return pipeline_cfg_; }
  // MMEngine's text about keys the checkpoint did not match ("" when all did).
  const std::string& load_report() const { return load_report_; }

 private:
  void init(const std::optional<io::PyObject>& checkpoint, const std::string& checkpoint_path);
  data::Sample prepare(const cv::Mat& img) const;
  std::vector<ClassificationResult> run(std::vector<data::Sample> samples);

  config::Config cfg_;
  torch::Device device_;
  std::shared_ptr<engine::BaseModel> model_;
  config::Value pipeline_cfg_;
  std::shared_ptr<data::Compose> pipeline_;
  std::string color_type_ = "color";
  std::vector<std::string> classes_;
  std::string load_report_;
};

}  // namespace mmcpp::pretrain
