// BasicImageDataset (mmagic/datasets/basic_image_dataset.py): images of
// low-level vision tasks (super-resolution, inpainting) by key, e.g.
// data_prefix=dict(img='LRbicx2', gt='GTmod12').
//
// The names come from an annotation file (ann_file: each line's first
// space-separated token, blank lines skipped, sub-folders kept: DIV2K's
// "0001_s001.png (480,480,3)") or from listing data_prefix[search_key]
// (search_key defaults to the first data_prefix key; files with an img_suffix
// ending, case-sensitive; names starting with '.' skipped; recursive lists
// sub-folders). A listed file is kept when re.match(tmpl.format('.*'), name)
// matches (a prefix match) and named by removing tmpl.format('') + ext from it
// (str.replace). Each name gives dict(key=name, <k>_path=join(data_prefix[k],
// filename_tmpl[k].format(name) + ext)) for every data_prefix key, with the
// search file's extension for every key. filename_tmpl defaults to '{}' per
// key. Nothing checks that the files exist.
//
// Differences from MMagic, on purpose: the folder listing is sorted (MMagic
// keeps os.scandir order, which depends on the file system); filename_tmpl is
// not a shared mutable default (MMagic's `dict()` default keeps keys from
// earlier datasets in the same process).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/data/base_dataset.h"

namespace mmcpp::editing {

struct BasicImageDatasetOptions {
  data::BaseDatasetOptions base;
  config::Value filename_tmpl = config::Value::dict(false);  // key -> template
  std::string search_key;                                    // "" = first data_prefix key
  std::vector<std::string> img_suffix;                       // empty = any file
  bool recursive = false;
};

class BasicImageDataset : public data::BaseDataset {
 public:
  explicit BasicImageDataset(BasicImageDatasetOptions o);
  // Example: dict(type='BasicImageDataset', data_prefix=dict(gt='GT'), lazy_init=True)
  static std::shared_ptr<BasicImageDataset> from_config(registry::BuildArgs& args);

  const std::string& search_key() const { return search_key_; }
  const config::Value& filename_tmpl() const { return filename_tmpl_; }
  std::string class_name() const override { return "BasicImageDataset"; }

  // MMagic's IMG_EXTENSIONS.
  static const std::vector<std::string>& img_extensions();

 protected:
  std::vector<data::DataInfo> load_data_list() override;
  std::shared_ptr<data::BaseDataset> copy() const override;

 private:
  std::vector<std::string> path_list() const;

  config::Value filename_tmpl_;
  std::string search_key_;
  std::vector<std::string> img_suffix_;
  bool recursive_;
};

// str.format with one positional argument for templates like '{}_x2'.
std::string format_template(const std::string& tmpl, const std::string& arg);
// os.path.splitext.
std::pair<std::string, std::string> split_ext(const std::string& path);

}  // namespace mmcpp::editing
