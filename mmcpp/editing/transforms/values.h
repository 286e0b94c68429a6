// SetValues and CopyValues (mmagic/datasets/transforms/values.py).
//
// SetValues(dictionary): results.update(deepcopy(dictionary)), e.g. the SR
// configs' dict(scale=2) that PairedRandomCrop reads.
// CopyValues(src_keys, dst_keys): results[dst] = deepcopy(results[src]) pairwise
// (images are copied too).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/data/transform.h"

namespace mmcpp::editing {

class SetValues : public data::Transform {
 public:
  explicit SetValues(config::Value dictionary);
  // Example: dict(type='SetValues', dictionary=dict(scale=2))
  static std::shared_ptr<SetValues> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  config::Value dictionary_;
};

class CopyValues : public data::Transform {
 public:
  CopyValues(std::vector<std::string> src_keys, std::vector<std::string> dst_keys);
  // Example: dict(type='CopyValues', src_keys=['gt'], dst_keys=['img'])
  static std::shared_ptr<CopyValues> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  std::vector<std::string> src_keys_, dst_keys_;
};

}  // namespace mmcpp::editing
