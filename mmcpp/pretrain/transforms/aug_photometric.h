// The photometric RandAugment / AutoAugment operations of
// mmpretrain/datasets/transforms/auto_augment.py:
//
//   AutoContrast(prob=0.5, **kwargs), Invert(prob=0.5, **kwargs),
//   Equalize(prob=0.5, **kwargs)
//   Solarize(thr=None, prob=0.5, **kwargs)
//   SolarizeAdd(magnitude=None, thr=128, prob=0.5, **kwargs)
//   Posterize(bits=None, prob=0.5, **kwargs)          (bits = ceil(magnitude))
//   Contrast / ColorTransform / Brightness / Sharpness(magnitude=None, prob=0.5,
//       random_negative_prob=0.5, **kwargs)           (factor = 1 + magnitude)
//
// **kwargs are BaseAugTransform's; the value arguments and magnitude_range are
// mutually exclusive. All use MMCV's cv2 / numpy arithmetic (photometric.h).
#pragma once

#include <memory>
#include <string>

#include "mmcpp/pretrain/transforms/base_aug_transform.h"

namespace mmcpp::pretrain {

// AutoContrast, Invert, Equalize: no magnitude.
class PlainAugTransform : public BaseAugTransform {
 public:
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 protected:
  PlainAugTransform(std::string type, registry::BuildArgs& args)
      : BaseAugTransform(std::move(type), BaseAugOptions::read(args)) {}
  virtual cv::Mat apply(const cv::Mat& img) const = 0;
};

class AutoContrast : public PlainAugTransform {
 public:
  explicit AutoContrast(registry::BuildArgs& args) : PlainAugTransform("AutoContrast", args) {}
  static std::shared_ptr<AutoContrast> from_config(registry::BuildArgs& args);

 protected:
  cv::Mat apply(const cv::Mat& img) const override;
};

class Invert : public PlainAugTransform {
 public:
  explicit Invert(registry::BuildArgs& args) : PlainAugTransform("Invert", args) {}
  static std::shared_ptr<Invert> from_config(registry::BuildArgs& args);

 protected:
  cv::Mat apply(const cv::Mat& img) const override;
};

class Equalize : public PlainAugTransform {
 public:
  explicit Equalize(registry::BuildArgs& args) : PlainAugTransform("Equalize", args) {}
  static std::shared_ptr<Equalize> from_config(registry::BuildArgs& args);

 protected:
  cv::Mat apply(const cv::Mat& img) const override;
};

class Solarize : public BaseAugTransform {
 public:
  explicit Solarize(registry::BuildArgs& args);
  static std::shared_ptr<Solarize> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  config::Value thr_;
};

class SolarizeAdd : public BaseAugTransform {
 public:
  explicit SolarizeAdd(registry::BuildArgs& args);
  static std::shared_ptr<SolarizeAdd> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  config::Value magnitude_;
  config::Value thr_;
};

class Posterize : public BaseAugTransform {
 public:
  explicit Posterize(registry::BuildArgs& args);
  static std::shared_ptr<Posterize> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  config::Value bits_;
};

// Contrast, ColorTransform, Brightness, Sharpness: blend with a degenerate
// image by factor 1 + magnitude (magnitude randomly negated).
class EnhanceAugTransform : public BaseAugTransform {
 public:
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 protected:
  EnhanceAugTransform(std::string type, registry::BuildArgs& args);
  virtual cv::Mat apply(const cv::Mat& img, double factor) const = 0;

 private:
  config::Value magnitude_;
};

class Contrast : public EnhanceAugTransform {
 public:
  explicit Contrast(registry::BuildArgs& args) : EnhanceAugTransform("Contrast", args) {}
  static std::shared_ptr<Contrast> from_config(registry::BuildArgs& args);

 protected:
  cv::Mat apply(const cv::Mat& img, double factor) const override;
};

class ColorTransform : public EnhanceAugTransform {
 public:
  explicit ColorTransform(registry::BuildArgs& args)
      : EnhanceAugTransform("ColorTransform", args) {}
  static std::shared_ptr<ColorTransform> from_config(registry::BuildArgs& args);

 protected:
  cv::Mat apply(const cv::Mat& img, double factor) const override;
};

class Brightness : public EnhanceAugTransform {
 public:
  explicit Brightness(registry::BuildArgs& args) : EnhanceAugTransform("Brightness", args) {}
  static std::shared_ptr<Brightness> from_config(registry::BuildArgs& args);

 protected:
  cv::Mat apply(const cv::Mat& img, double factor) const override;
};

class Sharpness : public EnhanceAugTransform {
 public:
  explicit Sharpness(registry::BuildArgs& args) : EnhanceAugTransform("Sharpness", args) {}
  static std::shared_ptr<Sharpness> from_config(registry::BuildArgs& args);

 protected:
  cv::Mat apply(const cv::Mat& img, double factor) const override;
};

}  // namespace mmcpp::pretrain
