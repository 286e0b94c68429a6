// PackInputs (mmagic/datasets/transforms/formatting.py): the results of the
// pipeline -> dict(inputs=..., data_samples=DataSample).
//
// keys=['merged', 'img']: the present ones become `inputs`, each image as a
//   contiguous (C, H, W) tensor of the array's dtype (no channel conversion:
//   RGB stays RGB); one key gives a bare tensor, several a dict (kept on the
//   DataSample, see editing::DataSample::inputs_dict).
// The DataSample gets the results' META_KEYS (img_path, gt_path,
//   ori_img_shape, *_channel_order, *_color_type, sample_idx, ...) as metainfo
//   and its DATA_KEYS as fields under MMagic's names ('gt' -> gt_img (C, H, W)),
//   then `meta_keys` as metainfo and `data_keys` as fields under their own
//   names. Everything else (scale, flip_infos, transpose, key, ...) is dropped.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/data/transform.h"

namespace mmcpp::editing {

class PackInputs : public data::Transform {
 public:
  PackInputs(std::vector<std::string> keys, std::vector<std::string> meta_keys,
             std::vector<std::string> data_keys);
  // Example: dict(type='PackInputs')
  static std::shared_ptr<PackInputs> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override { return "PackInputs"; }

 private:
  std::vector<std::string> keys_, meta_keys_, data_keys_;
};

// mmagic.utils.image_to_tensor: (H, W[, C]) -> contiguous (C, H, W).
torch::Tensor image_to_tensor(const torch::Tensor& img);

}  // namespace mmcpp::editing
