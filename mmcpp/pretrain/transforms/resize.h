// Resizing transforms: MMCV's Resize and RandomResize (mmcv/transforms/
// processing.py, re-registered by MMPretrain) and MMPretrain's ResizeEdge
// (mmpretrain/datasets/transforms/processing.py).
//
// dict(type='Resize', scale=None, scale_factor=None, keep_ratio=False,
//      clip_object_border=True, backend='cv2', interpolation='bilinear')
//   scale is (w, h) (an int n means (n, n)); with keep_ratio the image is
//   rescaled to fit it (long edge <= max(scale), short edge <= min(scale)).
//   Sets img, img_shape, scale, scale_factor (w_scale, h_scale), keep_ratio;
//   also resizes gt_bboxes (N, 4) (clipped with clip_object_border) and
//   gt_seg_map (nearest) when the results hold them.
// dict(type='RandomResize', scale, ratio_range=None, resize_type='Resize', **kwargs)
// dict(type='ResizeEdge', scale, edge='short', backend='cv2', interpolation='bilinear')
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "mmcpp/config/value.h"
#include "mmcpp/data/transform.h"

namespace mmcpp::pretrain {

class Resize : public data::Transform {
 public:
  struct Options {
    config::Value scale;         // None, int or (w, h)
    config::Value scale_factor;  // None, float or (w, h) floats
    bool keep_ratio = false;
    bool clip_object_border = true;
    std::string backend = "cv2";
    std::string interpolation = "bilinear";
  };
  explicit Resize(Options options);
  static std::shared_ptr<Resize> from_config(registry::BuildArgs& args);

  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;
  // The transform with `scale` in place of the configured one (RandomResize
  // sets it per sample; the object itself stays shared and unchanged).
  void apply(data::Results& results, const config::Value& scale) const;

 private:
  Options o_;
  config::Value scale_;         // normalised: None or a 2-tuple
  config::Value scale_factor_;  // None or a 2-tuple of floats
};

class RandomResize : public data::Transform {
 public:
  struct Options {
    config::Value scale;
    config::Value ratio_range;  // None or (min, max)
    std::string resize_type = "Resize";
    config::Value resize_kwargs = config::Value::dict(false);
  };
  explicit RandomResize(Options options);
  static std::shared_ptr<RandomResize> from_config(registry::BuildArgs& args);

  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;
  // RandomResize._random_scale (through rng.cached): the (w, h) tuple.
  config::Value random_scale(Rng& rng) const;

 private:
  Options o_;
  config::Value resize_cfg_;
  data::TransformPtr resize_;
};

class ResizeEdge : public data::Transform {
 public:
  struct Options {
    std::int64_t scale = 0;
    std::string edge = "short";
    std::string backend = "cv2";
    std::string interpolation = "bilinear";
  };
  explicit ResizeEdge(Options options);
  static std::shared_ptr<ResizeEdge> from_config(registry::BuildArgs& args);

  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  Options o_;
};

}  // namespace mmcpp::pretrain
