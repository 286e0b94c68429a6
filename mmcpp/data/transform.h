// Transform, Results and Compose: the data pipeline's building blocks
// (mmcv/transforms/base.py, mmengine/dataset/base_dataset.py's Compose).
//
// A pipeline passes one Results (MMCV's `results` dict) from transform to
// transform. Arrays, images first, are tensors in numpy's layout: "img" is
// (H, W, C) or (H, W), uint8 (or float32 after e.g. Normalize), channels in BGR
// order as cv2 loads them. The engine knows nothing about images; the pretrain
// package wraps these tensors as cv::Mat without copying. Everything else
// (img_path, gt_label, img_shape, ori_shape, flip, scale_factor, ...) is a plain
// value in `info`, with Python's types (tuples as tuples).
//
// Transforms are shared by the loader's worker threads: transform() must not
// modify the transform object. Randomness comes only from the Rng passed in.
#pragma once

#include <torch/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/rng.h"
#include "mmcpp/data/data_sample.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::data {

struct Results {
  config::Value info = config::Value::dict(false);
  std::map<std::string, torch::Tensor> arrays;
  // Set by PackInputs: what the dataset returns.
  std::optional<Sample> packed;

  bool has_img() const { return arrays.count("img") > 0; }
  // Throws KeyError naming the keys present when there is no "img".
  torch::Tensor& img();
  const torch::Tensor& img() const;
  // Sets arrays["img"] and, as MMCV does, info["img_shape"] = (H, W).
  void set_img(torch::Tensor img);
};

class Transform {
 public:
  virtual ~Transform() = default;
  // Transforms `results` in place. Returns false when the sample is dropped
  // (MMCV's transform returns None).
  virtual bool transform(Results& results, Rng& rng) const = 0;
  // repr() as MMCV prints it, e.g. "RandomFlip(prob=0.5, direction=horizontal)".
  virtual std::string repr() const = 0;
};

using TransformPtr = std::shared_ptr<Transform>;

// An error raised inside a pipeline, naming the transform that raised it:
// what() is "<Transform>: <message>", kind() the original kind (a LibTorch
// error is a RuntimeError); the original exception is nested inside it.
class TransformError : public Error {
 public:
  TransformError(std::string kind, std::string transform, const std::string& message)
      : Error(std::move(kind), transform + ": " + message), transform_(std::move(transform)) {}
  // The transform's class name, e.g. "RandomResizedCrop".
  const std::string& transform() const { return transform_; }

 private:
  std::string transform_;
};

// Builds one transform from its config dict through registry::TRANSFORMS (the
// default scope decides mmpretrain's or mmengine's registry).
TransformPtr build_transform(const config::Value& cfg);

// A sequence of transforms (mmengine.dataset.Compose / mmcv's Compose). A
// transform returning false stops the pipeline, which then returns false. A
// transform that throws: TransformError naming it (the innermost one when
// pipelines nest).
class Compose : public Transform {
 public:
  explicit Compose(std::vector<TransformPtr> transforms) : transforms_(std::move(transforms)) {}
  // `pipeline` is a list of transform config dicts (or None: empty).
  static std::shared_ptr<Compose> from_list(const config::Value& pipeline);
  static std::shared_ptr<Compose> from_config(registry::BuildArgs& args);  // transforms=[...]

  bool transform(Results& results, Rng& rng) const override;
  std::string repr() const override;
  const std::vector<TransformPtr>& transforms() const { return transforms_; }

 private:
  std::vector<TransformPtr> transforms_;
};

}  // namespace mmcpp::data
