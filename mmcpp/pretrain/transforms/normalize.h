// Normalize (mmcv/transforms/processing.py, re-registered by MMPretrain).
//
// dict(type='Normalize', mean, std, to_rgb=True)
// img -> float32 (img[, BGR->RGB] - mean) * (1 / std), one value per channel,
// computed as mmcv.imnormalize does with cv2 (mean and 1/std rounded to
// float32). Sets img_norm_cfg = dict(mean=[...], std=[...], to_rgb=...).
// (MMPretrain's configs normalise in the data preprocessor instead.)
#pragma once

#include <string>
#include <vector>

#include "mmcpp/data/transform.h"

namespace mmcpp::pretrain {

class Normalize : public data::Transform {
 public:
  struct Options {
    std::vector<double> mean;
    std::vector<double> std;
    bool to_rgb = true;
  };
  explicit Normalize(Options options);
  static std::shared_ptr<Normalize> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  std::vector<float> mean_, std_;
  bool to_rgb_;
};

// numpy's str() of a 1-D float32 array, e.g. "[123.675 116.28  103.53 ]".
std::string numpy_float32_str(const std::vector<float>& values);

}  // namespace mmcpp::pretrain
