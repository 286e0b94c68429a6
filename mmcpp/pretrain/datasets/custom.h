// CustomDataset (mmpretrain/datasets/custom.py): images in class sub-folders, or
// listed in an annotation text file.
//
//  - ann_file given: lines "relative/path.png <label>" (split on the LAST space),
//    or bare paths with with_label=False, joined onto data_prefix['img_path'];
//  - no ann_file, with_label=True: the sub-folders of the prefix, sorted, are the
//    classes (unless `classes`/metainfo give them, whose count must match), and
//    every file below a folder (recursively, sorted, extension test
//    case-insensitive, hidden files skipped) is a sample of that class;
//  - no ann_file, with_label=False: every file below the prefix.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/pretrain/datasets/base_dataset.h"

namespace mmcpp::pretrain {

struct CustomDatasetOptions {
  PretrainDatasetOptions base;
  bool with_label = true;
  std::vector<std::string> extensions = {".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif"};

  // data_root, data_prefix, ann_file, with_label, extensions, metainfo, lazy_init
  // and the BaseDataset keyword arguments, except the keys in `skip`.
  static CustomDatasetOptions from_args(registry::BuildArgs& args,
                                        const std::set<std::string>& skip = {});
};

class CustomDataset : public BaseDataset {
 public:
  CustomDataset(CustomDatasetOptions options, config::Value class_metainfo = config::Value());
  // Example: dict(type='CustomDataset', data_prefix='data/custom', lazy_init=True)
  static std::shared_ptr<CustomDataset> from_config(registry::BuildArgs& args);

  bool is_valid_file(const std::string& filename) const;
  bool with_label() const { return with_label_; }
  const std::vector<std::string>& extensions() const { return extensions_; }
  // folder name -> class index of the last folder scan (with_label, no ann_file).
  const std::map<std::string, std::int64_t>& folder_to_idx() const { return folder_to_idx_; }

 protected:
  std::vector<data::DataInfo> load_data_list() override;
  std::shared_ptr<data::BaseDataset> copy() const override;

 private:
  bool with_label_;
  std::vector<std::string> extensions_;  // lower case, deduplicated
  std::map<std::string, std::int64_t> folder_to_idx_;
};

// find_folders: the sorted sub-folder names of `root` and their indices.
std::pair<std::vector<std::string>, std::map<std::string, std::int64_t>> find_folders(
    const std::string& root);
// Files below `dir` (recursive), as paths relative to it, sorted; names starting
// with '.' are skipped (LocalBackend.list_dir_or_file).
std::vector<std::string> list_files_recursive(const std::string& dir);

}  // namespace mmcpp::pretrain
