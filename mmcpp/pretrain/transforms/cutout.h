// Cutout(shape=None, pad_val=128, prob=0.5, **kwargs) of
// mmpretrain/datasets/transforms/auto_augment.py: mmcv.cutout of a (h, w)
// rectangle (shape an int or (h, w); from magnitude_range: int(magnitude))
// centred at a random point, filled with pad_val.
//
// MMCV's cutout draws the centre with np.random.uniform(img_h) and
// np.random.uniform(img_w) outside any @cache_randomness method; they go through
// Rng::cached("numpy.random.uniform") so a test can replay the oracle's draws.
#pragma once

#include <memory>
#include <string>

#include "mmcpp/pretrain/transforms/base_aug_transform.h"

namespace mmcpp::pretrain {

class Cutout : public BaseAugTransform {
 public:
  explicit Cutout(registry::BuildArgs& args);
  static std::shared_ptr<Cutout> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  config::Value shape_;
  config::Value pad_val_repr_;
  mmcv::FillValue pad_val_;
};

}  // namespace mmcpp::pretrain
