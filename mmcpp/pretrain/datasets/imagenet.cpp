#include "mmcpp/pretrain/datasets/imagenet.h"

#include <filesystem>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/pretrain/datasets/categories.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

const std::vector<std::string>& img_extensions() {
  static const std::vector<std::string> e = {".jpg", ".jpeg", ".png", ".ppm",
                                             ".bmp", ".pgm",  ".tif"};
  return e;
}

bool prefix_unset(const Value& p) { return p.is_none() || (p.is_str() && p.as_str().empty()); }

// The split's defaults: data_prefix = split, ann_file = meta/<split>.txt if present.
void apply_split(CustomDatasetOptions& o, const std::string& split) {
  auto& b = o.base.base;
  if (prefix_unset(b.data_prefix)) b.data_prefix = Value(split);
  if (b.ann_file.empty()) {
    std::string meta = data::join_path(data::join_path(b.data_root, "meta"), split + ".txt");
    std::error_code ec;
    if (std::filesystem::exists(meta, ec)) b.ann_file = data::join_path("meta", split + ".txt");
  }
}

Value imagenet_metainfo() {
  Value m = Value::dict(false);
  m.as_dict().set("classes", categories_value(IMAGENET_CATEGORIES()));
  return m;
}

CustomDatasetOptions read_options(registry::BuildArgs& args) {
  CustomDatasetOptions o = CustomDatasetOptions::from_args(args, {"extensions"});
  o.extensions = args.get_str_list("extensions", img_extensions());
  return o;
}

CustomDatasetOptions imagenet_options(CustomDatasetOptions o, const std::string& split) {
  if (!split.empty()) {
    if (split != "train" && split != "val" && split != "test")
      throw Error("AssertionError",
                  "The split must be one of ['train', 'val', 'test'], but get '" + split + "'");
    if (split == "test") {
      print_log(
          "Since the ImageNet1k test set does not provide label annotations, `with_label` is set "
          "to False",
          LogLevel::Info);
      o.with_label = false;
    }
    apply_split(o, split);
  }
  return o;
}

CustomDatasetOptions imagenet21k_options(CustomDatasetOptions o, const std::string& split,
                                         bool multi_label) {
  if (multi_label)
    throw Error("NotImplementedError", "The `multi_label` option is not supported by now.");
  if (!split.empty()) {
    if (split != "train")
      throw Error("AssertionError", "The split must be one of ['train'], but get '" + split +
                                        "'. If you want to specify your own validation set or "
                                        "test set, please set split to None.");
    apply_split(o, split);
  }
  if (o.base.base.ann_file.empty())
    print_log(
        "The ImageNet21k dataset is large, and scanning directory may consume long time. "
        "Considering to specify the `ann_file` to accelerate the initialization.",
        LogLevel::Warning);
  return o;
}

}  // namespace

ImageNet::ImageNet(CustomDatasetOptions options, const std::string& split)
    : CustomDataset(imagenet_options(std::move(options), split), imagenet_metainfo()) {}

std::shared_ptr<ImageNet> ImageNet::from_config(registry::BuildArgs& args) {
  std::string split = args.get_str("split", "");
  auto ds = std::make_shared<ImageNet>(read_options(args), split);
  args.check_all_used();  // unknown keys first, as Python's TypeError
  ds->init();
  return ds;
}

std::vector<std::string> ImageNet::extra_repr() const {
  return {"Root of dataset: \t" + data_root()};
}

std::shared_ptr<data::BaseDataset> ImageNet::copy() const {
  if (typeid(*this) == typeid(ImageNet)) return std::make_shared<ImageNet>(*this);
  return data::BaseDataset::copy();
}

ImageNet21k::ImageNet21k(CustomDatasetOptions options, const std::string& split, bool multi_label)
    : CustomDataset(imagenet21k_options(std::move(options), split, multi_label)) {}

std::shared_ptr<ImageNet21k> ImageNet21k::from_config(registry::BuildArgs& args) {
  std::string split = args.get_str("split", "");
  bool multi_label = args.get_bool("multi_label", false);
  auto ds = std::make_shared<ImageNet21k>(read_options(args), split, multi_label);
  args.check_all_used();  // unknown keys first, as Python's TypeError
  ds->init();
  if (!ds->CLASSES())
    print_log(
        "The CLASSES is not stored in the `ImageNet21k` class. Considering to specify the "
        "`classes` argument if you need do inference on the ImageNet-21k dataset",
        LogLevel::Warning);
  return ds;
}

std::shared_ptr<data::BaseDataset> ImageNet21k::copy() const {
  if (typeid(*this) == typeid(ImageNet21k)) return std::make_shared<ImageNet21k>(*this);
  return data::BaseDataset::copy();
}

MMCPP_REGISTER(DATASETS, ImageNet,
               "dict(type='ImageNet', data_root='data/imagenet', split='train', lazy_init=True)");
MMCPP_REGISTER(DATASETS, ImageNet21k,
               "dict(type='ImageNet21k', data_root='data/imagenet21k', split='train', "
               "lazy_init=True)");

}  // namespace mmcpp::pretrain
