// PackInputs (mmpretrain/datasets/transforms/formatting.py).
//
// dict(type='PackInputs', input_key='img', algorithm_keys=(),
//      meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape',
//                 'scale_factor', 'flip', 'flip_direction'))
// Sets results.packed = {inputs, data_sample} and, like MMPretrain's returned
// dict, leaves nothing else: info and arrays are cleared.
//   inputs: the image as a contiguous C x H x W tensor of its own dtype (a 2-D
//     image gets a channel axis; other ranks are passed through unchanged);
//   gt_label (int, list of ints, or a tensor in results.arrays) -> int64 1-D;
//   gt_score (list of numbers or a tensor) -> float32 1-D, and metainfo
//     num_classes = its length; mask (a tensor) -> field "mask";
//   algorithm_keys: tensors become fields; plain values go to metainfo (the
//     C++ DataSample's fields are tensors only);
//   meta_keys present in results.info -> metainfo.
#pragma once

#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/data/transform.h"

namespace mmcpp::pretrain {

class PackInputs : public data::Transform {
 public:
  struct Options {
    std::string input_key = "img";
    config::Value algorithm_keys = config::Value::tuple();
    config::Value meta_keys;  // None -> the default tuple
  };
  explicit PackInputs(Options options);
  static std::shared_ptr<PackInputs> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

  // PackInputs.format_input for one array: HWC -> CHW contiguous, HW -> 1HW.
  static torch::Tensor format_input(const torch::Tensor& input);

 private:
  Options o_;
  std::vector<std::string> algorithm_keys_, meta_keys_;
};

// mmpretrain.structures.format_label / format_score of a results value.
torch::Tensor format_label(const config::Value& value);
torch::Tensor format_score(const config::Value& value);

}  // namespace mmcpp::pretrain
