// GaussianBlur(radius=None, prob=0.5, **kwargs) of
// mmpretrain/datasets/transforms/auto_augment.py (a BaseAugTransform: radius
// or magnitude_range): Pillow's ImageFilter.GaussianBlur(radius) on the array
// as it is (BGR; channels are blurred independently), see pillow_filters.h.
#pragma once

#include <memory>
#include <string>

#include "mmcpp/pretrain/transforms/base_aug_transform.h"

namespace mmcpp::pretrain {

class GaussianBlur : public BaseAugTransform {
 public:
  explicit GaussianBlur(registry::BuildArgs& args);
  static std::shared_ptr<GaussianBlur> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  config::Value radius_;
};

}  // namespace mmcpp::pretrain
