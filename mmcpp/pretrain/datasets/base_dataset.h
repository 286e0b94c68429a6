// MMPretrain's BaseDataset (mmpretrain/datasets/base_dataset.py): MMEngine's
// BaseDataset plus `classes` (a list, or a text file with one name per line),
// data_prefix as a str (-> dict(img_path=...)), `~` expansion, transforms built
// from MMPretrain's TRANSFORMS registry, and the classification helpers
// CLASSES / class_to_idx / get_gt_labels / get_cat_ids. Data infos hold
// `gt_label` (an int) and `img_path` or an `img` array.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mmcpp/data/base_dataset.h"

namespace mmcpp::pretrain {

// MMPretrain's BaseDataset arguments beyond MMEngine's.
struct PretrainDatasetOptions {
  data::BaseDatasetOptions base;
  config::Value classes;  // None, a str (file path) or a list/tuple of names

  // Reads ann_file, metainfo, data_root, data_prefix (str or dict), filter_cfg,
  // indices, serialize_data, pipeline, test_mode, lazy_init, max_refetch and
  // classes from `args`, except the keys in `skip` (which a subclass reads
  // itself or does not accept); the pipeline is built from MMPretrain's registry.
  static PretrainDatasetOptions from_args(registry::BuildArgs& args,
                                          const std::set<std::string>& skip = {});
};

class BaseDataset : public data::BaseDataset {
 public:
  BaseDataset(PretrainDatasetOptions options, config::Value class_metainfo);
  // Example: dict(type='BaseDataset', ann_file='data/ann.json', lazy_init=True)
  static std::shared_ptr<BaseDataset> from_config(registry::BuildArgs& args);

  void full_init() override;
  std::string repr() const override;
  // Lines after the sample and category counts in repr().
  virtual std::vector<std::string> extra_repr() const;

  const std::string& img_prefix() const;
  // metainfo['classes'] as strings; nullopt when there is no 'classes'.
  std::optional<std::vector<std::string>> CLASSES() const;
  std::map<std::string, std::int64_t> class_to_idx() const;
  std::vector<std::int64_t> get_gt_labels() const;
  std::vector<std::int64_t> get_cat_ids(std::size_t idx) const override;

 protected:
  std::shared_ptr<data::BaseDataset> copy() const override;
};

// Builds a transform pipeline from MMPretrain's TRANSFORMS (`pipeline`: a list
// of transform dicts, or None).
std::shared_ptr<data::Compose> build_pretrain_pipeline(const config::Value& pipeline);

// A data_prefix argument (str or dict) as the dict MMEngine's BaseDataset takes.
config::Value prefix_dict(const config::Value& data_prefix);

// What CIFAR10/CIFAR100 and MNIST/FashionMNIST share (their __init__ are alike):
// the common options plus `split`, `download` and a str `data_prefix`.
PretrainDatasetOptions read_split_options(registry::BuildArgs& args, std::string& split,
                                          bool& download);
// Checks `split` ('train'/'test') and that a root is given, warns on
// split='train' with test_mode, and makes data_prefix dict(root=data_prefix);
// `name` is the class in messages.
PretrainDatasetOptions split_root_options(PretrainDatasetOptions o, const std::string& split,
                                          const std::string& name);
// data_prefix['root'] of a dataset built with split_root_options.
const std::string& prefix_root(const data::BaseDataset& dataset);

}  // namespace mmcpp::pretrain
