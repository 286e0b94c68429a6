// ImageNet and ImageNet21k (mmpretrain/datasets/imagenet.py): CustomDataset with
// `split`. With split='train'|'val'|'test' the prefix defaults to the split's
// folder and `meta/<split>.txt` under data_root is the annotation file when it
// exists (else the folder is scanned); split='test' has no labels. ImageNet's
// METAINFO classes are the 1000 ImageNet class names. ImageNet21k accepts only
// split='train' and multi_label=False.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/pretrain/datasets/custom.h"

namespace mmcpp::pretrain {

class ImageNet : public CustomDataset {
 public:
  ImageNet(CustomDatasetOptions options, const std::string& split);
  // Example: dict(type='ImageNet', data_root='data/imagenet', split='train', lazy_init=True)
  static std::shared_ptr<ImageNet> from_config(registry::BuildArgs& args);
  std::vector<std::string> extra_repr() const override;

 protected:
  std::shared_ptr<data::BaseDataset> copy() const override;
};

class ImageNet21k : public CustomDataset {
 public:
  ImageNet21k(CustomDatasetOptions options, const std::string& split, bool multi_label);
  // Example: dict(type='ImageNet21k', data_root='data/imagenet21k', split='train', lazy_init=True)
  static std::shared_ptr<ImageNet21k> from_config(registry::BuildArgs& args);

 protected:
  std::shared_ptr<data::BaseDataset> copy() const override;
};

}  // namespace mmcpp::pretrain
