// Crops of mmagic/datasets/transforms/crop.py used by super-resolution.
//
// PairedRandomCrop(gt_patch_size, lq_key='img', gt_key='gt'): with s =
//   results['scale'] and lq_patch = gt_patch_size // s, draws
//   top = np.random.randint(h_lq - lq_patch + 1), then
//   left = np.random.randint(w_lq - lq_patch + 1), and crops the LQ image at
//   (top, left) and the GT at (top * s, left * s). The crops are views. A GT
//   that is not s times the LQ, or an LQ smaller than the patch, is a ValueError.
// Crop(keys, crop_size, random_crop=True, is_pad_zeros=False): crops every key to
//   crop_size (h, w) (at most the image size): at random (x drawn first, then y,
//   np.random.randint(0, size - crop + 1)) or centred; is_pad_zeros first pads
//   an image smaller than crop_size with zeros (2 x the centring offset on each
//   side, as MMagic). Sets <key>_crop_bbox = [x, y, w, h] and crop_size.
// ModCrop(key='gt'): crops results[key] to multiples of results['scale'].
// Draws go through Rng::cached("numpy.random.randint") so tests can replay
// MMagic's recorded draws.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/data/transform.h"

namespace mmcpp::editing {

class PairedRandomCrop : public data::Transform {
 public:
  PairedRandomCrop(std::int64_t gt_patch_size, std::string lq_key = "img",
                   std::string gt_key = "gt");
  // Example: dict(type='PairedRandomCrop', gt_patch_size=96)
  static std::shared_ptr<PairedRandomCrop> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  std::int64_t gt_patch_size_;
  std::string lq_key_, gt_key_;
};

class Crop : public data::Transform {
 public:
  Crop(std::vector<std::string> keys, std::int64_t crop_h, std::int64_t crop_w, bool random_crop,
       bool is_pad_zeros);
  // Example: dict(type='Crop', keys=['gt'], crop_size=(128, 128), random_crop=False)
  static std::shared_ptr<Crop> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  std::vector<std::string> keys_;
  std::int64_t crop_h_, crop_w_;
  bool random_crop_, is_pad_zeros_;
};

class ModCrop : public data::Transform {
 public:
  explicit ModCrop(std::string key = "gt") : key_(std::move(key)) {}
  // Example: dict(type='ModCrop', key='gt')
  static std::shared_ptr<ModCrop> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override { return "ModCrop(key=" + key_ + ")"; }

 private:
  std::string key_;
};

}  // namespace mmcpp::editing
