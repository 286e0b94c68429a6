// RandomErasing(erase_prob=0.5, min_area_ratio=0.02, max_area_ratio=0.4,
// aspect_range=(3/10, 10/3), mode='const', fill_color=(128, 128, 128),
// fill_std=None) of mmpretrain/datasets/transforms/processing.py.
//
// With probability erase_prob (random_disable: rand() > erase_prob) a patch of
// area U(min, max) * H * W and log-uniform aspect ratio (random_patch ->
// (top, left, h, w)) is filled with fill_color ('const', cast to uint8), or
// per-pixel noise ('rand': U[0, 256) or N(fill_color, fill_std) clipped).
// Works on 3-channel images, like MMPretrain.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "mmcpp/data/transform.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class RandomErasing : public data::Transform {
 public:
  explicit RandomErasing(registry::BuildArgs& args);
  static std::shared_ptr<RandomErasing> from_config(registry::BuildArgs& args);

  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

  // The @cache_randomness methods (Rng::cached "RandomErasing.<name>").
  bool random_disable(Rng& rng) const;
  std::array<int, 4> random_patch(Rng& rng, int img_h, int img_w) const;

 private:
  double erase_prob_, min_area_ratio_, max_area_ratio_;
  double aspect_lo_, aspect_hi_;
  std::string mode_;
  std::array<double, 3> fill_color_{};
  std::optional<std::array<double, 3>> fill_std_;
  // Kept as MMPretrain stores them, for repr().
  config::Value erase_prob_repr_, min_area_repr_, max_area_repr_, aspect_repr_, fill_color_repr_,
      fill_std_repr_;
};

}  // namespace mmcpp::pretrain
