// Cropping transforms: MMCV's CenterCrop (mmcv/transforms/processing.py,
// re-registered by MMPretrain) and MMPretrain's RandomCrop, RandomResizedCrop,
// EfficientNetRandomCrop and EfficientNetCenterCrop
// (mmpretrain/datasets/transforms/processing.py).
//
// dict(type='CenterCrop', crop_size, auto_pad=False, pad_cfg=dict(type='Pad'),
//      clip_object_border=True)                      crop_size (w, h) or int
// dict(type='RandomCrop', crop_size, padding=None, pad_if_needed=False, pad_val=0,
//      padding_mode='constant')                      crop_size (h, w) or int
// dict(type='RandomResizedCrop', scale, crop_ratio_range=(0.08, 1.0),
//      aspect_ratio_range=(3/4, 4/3), max_attempts=10, interpolation='bilinear',
//      backend='cv2')                                scale (h, w) or int
// dict(type='EfficientNetRandomCrop', scale, min_covered=0.1, crop_padding=32,
//      interpolation='bicubic', **RandomResizedCrop's other arguments)
// dict(type='EfficientNetCenterCrop', crop_size, crop_padding=32,
//      interpolation='bicubic', backend='cv2')
//
// Crops are views of the input (no copy). Random parameters go through
// rng.cached("<Class>.rand_crop_params", ...) and return (offset_h, offset_w,
// target_h, target_w) as MMPretrain's @cache_randomness methods do.
// As elsewhere, a list is accepted where MMCV asks for a tuple.
#pragma once

#include <array>
#include <string>

#include "mmcpp/config/value.h"
#include "mmcpp/cv/image/geometric.h"
#include "mmcpp/data/transform.h"

namespace mmcpp::pretrain {

class CenterCrop : public data::Transform {
 public:
  struct Options {
    config::Value crop_size;
    bool auto_pad = false;
    config::Value pad_cfg;  // None -> dict(type='Pad')
    bool clip_object_border = true;
  };
  explicit CenterCrop(Options options);
  static std::shared_ptr<CenterCrop> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  Options o_;
  long long crop_w_ = 0, crop_h_ = 0;
};

class RandomCrop : public data::Transform {
 public:
  struct Options {
    config::Value crop_size;
    config::Value padding;  // None, int, or 2/4 ints (left, top[, right, bottom])
    bool pad_if_needed = false;
    config::Value pad_val = config::Value(0);
    std::string padding_mode = "constant";
  };
  explicit RandomCrop(Options options);
  static std::shared_ptr<RandomCrop> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;
  // (offset_h, offset_w, target_h, target_w) for an image of h x w.
  std::array<long long, 4> rand_crop_params(long long h, long long w, Rng& rng) const;

 private:
  Options o_;
  long long crop_h_ = 0, crop_w_ = 0;
  mmcv::PadVal pad_val_;
};

class RandomResizedCrop : public data::Transform {
 public:
  struct Options {
    config::Value scale;
    std::array<double, 2> crop_ratio_range = {0.08, 1.0};
    std::array<double, 2> aspect_ratio_range = {3.0 / 4.0, 4.0 / 3.0};
    std::int64_t max_attempts = 10;
    std::string interpolation = "bilinear";
    std::string backend = "cv2";
  };
  explicit RandomResizedCrop(Options options);
  static std::shared_ptr<RandomResizedCrop> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;
  // (offset_h, offset_w, target_h, target_w); EfficientNet's fallback gives
  // fractional sizes, hence doubles.
  virtual std::array<double, 4> rand_crop_params(long long h, long long w, Rng& rng) const;

 protected:
  static Options read_options(registry::BuildArgs& args, const std::string& interpolation);
  // rand_crop_params through rng.cached("<name_>.rand_crop_params").
  std::array<double, 4> cached_params(long long h, long long w, Rng& rng) const;
  Options o_;
  std::string name_ = "RandomResizedCrop";
  long long scale_h_ = 0, scale_w_ = 0;
};

class EfficientNetRandomCrop : public RandomResizedCrop {
 public:
  EfficientNetRandomCrop(Options base, double min_covered, std::int64_t crop_padding);
  static std::shared_ptr<EfficientNetRandomCrop> from_config(registry::BuildArgs& args);
  std::string repr() const override;
  std::array<double, 4> rand_crop_params(long long h, long long w, Rng& rng) const override;

 private:
  double min_covered_;
  std::int64_t crop_padding_;
};

class EfficientNetCenterCrop : public data::Transform {
 public:
  struct Options {
    std::int64_t crop_size = 0;
    std::int64_t crop_padding = 32;
    std::string interpolation = "bicubic";
    std::string backend = "cv2";
  };
  explicit EfficientNetCenterCrop(Options options);
  static std::shared_ptr<EfficientNetCenterCrop> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  Options o_;
};

}  // namespace mmcpp::pretrain
