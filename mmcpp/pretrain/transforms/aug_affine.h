// The affine RandAugment / AutoAugment operations of
// mmpretrain/datasets/transforms/auto_augment.py: Shear, Translate, Rotate.
//
//   Shear(magnitude=None, pad_val=128, prob=0.5, direction='horizontal',
//         random_negative_prob=0.5, interpolation='bicubic', **kwargs)
//   Translate(magnitude=None, pad_val=128, prob=0.5, direction='horizontal',
//             random_negative_prob=0.5, interpolation='nearest', **kwargs)
//     (offset = magnitude * width or height)
//   Rotate(angle=None, center=None, scale=1.0, pad_val=128, prob=0.5,
//          random_negative_prob=0.5, interpolation='nearest', **kwargs)
//
// Exactly one of magnitude/angle and magnitude_range is given (kwargs are
// BaseAugTransform's). Rotate hands pad_val to cv2 as MMCV does: a lone int
// fills only the first channel.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "mmcpp/pretrain/transforms/base_aug_transform.h"

namespace mmcpp::pretrain {

// Shear and Translate share their arguments and logic.
class DirectionalAugTransform : public BaseAugTransform {
 public:
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 protected:
  DirectionalAugTransform(std::string type, registry::BuildArgs& args,
                          const char* default_interpolation);
  virtual cv::Mat apply(const cv::Mat& img, double magnitude) const = 0;

  config::Value magnitude_;
  config::Value pad_val_repr_;
  mmcv::FillValue pad_val_;
  std::string direction_;
  std::string interpolation_;
};

class Shear : public DirectionalAugTransform {
 public:
  explicit Shear(registry::BuildArgs& args) : DirectionalAugTransform("Shear", args, "bicubic") {}
  static std::shared_ptr<Shear> from_config(registry::BuildArgs& args);

 protected:
  cv::Mat apply(const cv::Mat& img, double magnitude) const override;
};

class Translate : public DirectionalAugTransform {
 public:
  explicit Translate(registry::BuildArgs& args)
      : DirectionalAugTransform("Translate", args, "nearest") {}
  static std::shared_ptr<Translate> from_config(registry::BuildArgs& args);

 protected:
  cv::Mat apply(const cv::Mat& img, double magnitude) const override;
};

class Rotate : public BaseAugTransform {
 public:
  explicit Rotate(registry::BuildArgs& args);
  static std::shared_ptr<Rotate> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  config::Value angle_;
  config::Value center_repr_;
  std::optional<cv::Point2d> center_;
  config::Value scale_repr_;
  double scale_;
  config::Value pad_val_repr_;
  mmcv::FillValue pad_val_;
  std::string interpolation_;
};

}  // namespace mmcpp::pretrain
