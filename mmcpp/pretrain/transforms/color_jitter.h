// ColorJitter(brightness=0., contrast=0., saturation=0., hue=0.,
// backend='pillow') of mmpretrain/datasets/transforms/processing.py.
//
// Each factor is a number v (range (1 - v, 1 + v), for hue (-v, v)) or a
// (min, max) pair, clipped to [0, inf) (hue: [-0.5, 0.5]); a range that is
// just the identity disables the operation. Per sample, _rand_params draws a
// permutation of the four operations and one factor per enabled operation
// (Rng::cached("ColorJitter._rand_params") -> [order, b, c, s, h], None for
// disabled ones); the operations then run in that order through MMCV's
// adjust_brightness / adjust_contrast / adjust_color / adjust_hue with
// `backend` (Pillow's ImageEnhance and HSV by default).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "mmcpp/data/transform.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class ColorJitter : public data::Transform {
 public:
  using Range = std::optional<std::pair<double, double>>;

  struct Options {
    config::Value brightness = config::Value(0.0);
    config::Value contrast = config::Value(0.0);
    config::Value saturation = config::Value(0.0);
    config::Value hue = config::Value(0.0);
    std::string backend = "pillow";
  };

  explicit ColorJitter(const Options& options);
  static std::shared_ptr<ColorJitter> from_config(registry::BuildArgs& args);

  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

  const Range& brightness() const { return brightness_; }
  const Range& contrast() const { return contrast_; }
  const Range& saturation() const { return saturation_; }
  const Range& hue() const { return hue_; }

 private:
  // The range and its repr (a tuple as given, None when disabled).
  struct Parsed {
    Range range;
    config::Value repr;
  };
  static Parsed set_range(const config::Value& value, const std::string& name, double center,
                          double low, double high);

  Range brightness_, contrast_, saturation_, hue_;
  config::Value brightness_repr_, contrast_repr_, saturation_repr_, hue_repr_;
  std::string backend_;
};

}  // namespace mmcpp::pretrain
