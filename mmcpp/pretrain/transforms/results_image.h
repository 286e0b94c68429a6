// ResultsImage: results["img"] as a cv::Mat for the colour / auto-augment
// transforms, keeping numpy's shapes: an (H, W, 1) input gives back an
// (H, W, 1) output, an (H, W) one an (H, W) output. (The other transforms' free
// helpers are in transform_utils.h.)
#pragma once

#include <torch/types.h>

#include <opencv2/core.hpp>

#include <string>

#include "mmcpp/data/transform.h"

namespace mmcpp::pretrain {

class ResultsImage {
 public:
  // Views results["img"] (made row-contiguous if needed; KeyError without one).
  // `component` names the transform in errors.
  ResultsImage(const data::Results& results, std::string component);

  const cv::Mat& mat() const { return mat_; }
  const torch::Tensor& tensor() const { return tensor_; }
  bool is_uint8() const { return tensor_.scalar_type() == torch::kUInt8; }
  // TypeError naming the component unless the image is uint8.
  void require_uint8() const;
  // TypeError unless the image is (H, W, 3).
  void require_three_channels() const;

  // results["img"] = out (img_shape untouched, as MMCV's transforms leave it).
  // A one-channel Mat becomes (H, W, 1) when the input had a channel axis.
  void put(data::Results& results, const cv::Mat& out) const;

 private:
  torch::Tensor tensor_;
  cv::Mat mat_;
  std::string component_;
};

}  // namespace mmcpp::pretrain
