// Pad (mmcv/transforms/processing.py), registered in MMPretrain's TRANSFORMS
// so that configs and CenterCrop(auto_pad=True) find it.
//
// dict(type='Pad', size=None, size_divisor=None, pad_to_square=False,
//      pad_val=dict(img=0, seg=255), padding_mode='constant')
// Pads bottom/right to `size` (w, h), to multiples of size_divisor, or to a
// square. Sets img, img_shape, pad_shape (the padded img.shape),
// pad_fixed_size (= size), pad_size_divisor; pads gt_seg_map with pad_val['seg'].
#pragma once

#include <string>

#include "mmcpp/config/value.h"
#include "mmcpp/data/transform.h"

namespace mmcpp::pretrain {

class Pad : public data::Transform {
 public:
  struct Options {
    config::Value size;  // None or (w, h)
    config::Value size_divisor;
    bool pad_to_square = false;
    config::Value pad_val;  // an int or a dict(img=..., seg=...); None -> dict(img=0, seg=255)
    std::string padding_mode = "constant";
  };
  explicit Pad(Options options);
  static std::shared_ptr<Pad> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  Options o_;
};

}  // namespace mmcpp::pretrain
