#include "mmcpp/pretrain/datasets/base_dataset.h"

#include <algorithm>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

std::shared_ptr<data::Compose> build_pretrain_pipeline(const Value& pipeline) {
  std::vector<data::TransformPtr> transforms;
  if (!pipeline.is_none()) {
    if (!pipeline.is_sequence())
      throw Error("TypeError",
                  "pipeline must be a list of transform dicts, got " + pipeline.type_name());
    for (const Value& cfg : pipeline.items()) {
      if (!cfg.is_dict())
        throw Error("TypeError", "transform must be a dict with a 'type', got " + cfg.repr());
      transforms.push_back(TRANSFORMS().build(cfg));
    }
  }
  return std::make_shared<data::Compose>(std::move(transforms));
}

Value prefix_dict(const Value& data_prefix) {
  if (data_prefix.is_none() || data_prefix.is_str()) {
    Value d = Value::dict(false);
    d.as_dict().set("img_path",
                    Value(data::expanduser(data_prefix.is_str() ? data_prefix.as_str() : "")));
    return d;
  }
  return data_prefix;
}

PretrainDatasetOptions PretrainDatasetOptions::from_args(registry::BuildArgs& args,
                                                         const std::set<std::string>& skip) {
  auto want = [&](const char* k) { return skip.count(k) == 0; };
  PretrainDatasetOptions o;
  data::BaseDatasetOptions& b = o.base;
  // None is accepted where Python only tests truthiness.
  if (want("ann_file")) b.ann_file = data::expanduser(args.get_opt_str("ann_file").value_or(""));
  if (want("metainfo")) b.metainfo = args.value("metainfo");
  if (want("data_root")) b.data_root = args.get_opt_str("data_root").value_or("");
  if (want("data_prefix")) b.data_prefix = args.value_or("data_prefix", Value(""));
  if (want("filter_cfg")) b.filter_cfg = args.value("filter_cfg");
  if (want("indices")) b.indices = args.value("indices");
  if (want("serialize_data")) b.serialize_data = args.get_bool("serialize_data", true);
  if (want("pipeline")) b.pipeline = args.value("pipeline");
  if (want("test_mode")) b.test_mode = args.get_bool("test_mode", false);
  if (want("lazy_init")) b.lazy_init = args.get_bool("lazy_init", false);
  if (want("max_refetch")) b.max_refetch = args.get_int("max_refetch", 1000);
  if (want("classes")) o.classes = args.value("classes");
  return o;
}

namespace {

// _compat_classes: `classes` goes into metainfo (which wins over it).
Value compat_classes(Value metainfo, const Value& classes) {
  Value names;
  if (classes.is_str()) {
    Value::Items items;
    for (auto& l : data::list_from_file(data::expanduser(classes.as_str())))
      items.emplace_back(std::move(l));
    names = Value::tuple(std::move(items));
  } else if (classes.is_sequence()) {
    names = Value::tuple(classes.items());
  } else if (!classes.is_none()) {
    throw Error("ValueError", "Unsupported type " + classes.type_name() + " of classes.");
  }
  if (metainfo.is_none()) metainfo = Value::dict(false);
  if (classes.is_none()) return metainfo;
  if (!metainfo.is_dict())
    throw Error("TypeError", "metainfo should be a dict, but got " + metainfo.type_name());
  Value out = Value::dict(false);
  out.as_dict().set("classes", names);
  for (const auto& [k, v] : metainfo.as_dict().entries()) out.as_dict().set(k, v);
  return out;
}

data::BaseDatasetOptions prepared(PretrainDatasetOptions o) {
  o.base.metainfo = compat_classes(o.base.metainfo, o.classes);
  if (!o.base.built_pipeline) o.base.built_pipeline = build_pretrain_pipeline(o.base.pipeline);
  o.base.data_prefix = prefix_dict(o.base.data_prefix);
  return std::move(o.base);
}

}  // namespace

BaseDataset::BaseDataset(PretrainDatasetOptions options, Value class_metainfo)
    : data::BaseDataset(prepared(std::move(options)), std::move(class_metainfo)) {}

std::shared_ptr<BaseDataset> BaseDataset::from_config(registry::BuildArgs& args) {
  if (!args.has("ann_file"))
    throw Error("TypeError",
                "BaseDataset.__init__() missing 1 required positional argument: "
                "'ann_file'");
  auto ds = std::make_shared<BaseDataset>(PretrainDatasetOptions::from_args(args), Value());
  args.check_all_used();  // unknown keys first, as Python's TypeError
  ds->init();
  return ds;
}

std::shared_ptr<data::BaseDataset> BaseDataset::copy() const {
  if (typeid(*this) == typeid(BaseDataset)) return std::make_shared<BaseDataset>(*this);
  return data::BaseDataset::copy();
}

void BaseDataset::full_init() {
  data::BaseDataset::full_init();
  // COCO-style `categories` give the classes when none are set.
  Value& meta = metainfo_ref();
  const Value* cats = meta.as_dict().find("categories");
  if (cats && !meta.as_dict().contains("classes") && cats->is_sequence()) {
    std::vector<std::pair<std::int64_t, Value>> sorted;
    for (const Value& c : cats->items()) {
      if (!c.is_dict() || !c.as_dict().contains("id") || !c.as_dict().contains("category_name"))
        throw Error("KeyError",
                    "metainfo categories need 'id' and 'category_name', got " + c.repr());
      sorted.emplace_back(c.as_dict().find("id")->as_int(), *c.as_dict().find("category_name"));
    }
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    Value::Items names;
    for (auto& [id, n] : sorted) names.push_back(n);
    meta.as_dict().set("classes", Value::tuple(std::move(names)));
  }
}

const std::string& BaseDataset::img_prefix() const {
  const Value* p = data_prefix().as_dict().find("img_path");
  if (!p)
    throw Error("KeyError", "'img_path': data_prefix of " + class_name() + " has no img_path (" +
                                data_prefix().repr() + ")");
  return p->as_str();
}

std::optional<std::vector<std::string>> BaseDataset::CLASSES() const {
  const Value* c = metainfo_ref().as_dict().find("classes");
  if (!c || c->is_none()) return std::nullopt;
  std::vector<std::string> out;
  if (!c->is_sequence())
    throw Error("TypeError", "metainfo['classes'] should be a list of str, got " + c->repr());
  for (const Value& v : c->items()) out.push_back(v.is_str() ? v.as_str() : v.repr());
  return out;
}

std::map<std::string, std::int64_t> BaseDataset::class_to_idx() const {
  auto classes = CLASSES();
  if (!classes)
    throw Error("TypeError",
                "'NoneType' object is not iterable: " + class_name() + " has no classes");
  std::map<std::string, std::int64_t> m;
  for (std::size_t i = 0; i < classes->size(); ++i) m[(*classes)[i]] = static_cast<std::int64_t>(i);
  return m;
}

std::vector<std::int64_t> BaseDataset::get_gt_labels() const {
  std::vector<std::int64_t> labels;
  std::size_t n = size();
  labels.reserve(n);
  for (std::size_t i = 0; i < n; ++i) labels.push_back(get_cat_ids(i).at(0));
  return labels;
}

std::vector<std::int64_t> BaseDataset::get_cat_ids(std::size_t idx) const {
  // Without copying the data info (and its image array).
  std::size_t n = size();
  if (idx >= n)
    throw Error("IndexError", class_name() + ": index " + std::to_string(idx) +
                                  " out of range for a dataset of length " + std::to_string(n));
  const Value* label = data_list()[idx].info.as_dict().find("gt_label");
  if (!label) throw Error("KeyError", "'gt_label': " + describe_sample(idx) + " has no gt_label");
  if (!label->is_int())
    throw Error("TypeError",
                "gt_label of " + describe_sample(idx) + " should be an int, got " + label->repr());
  return {label->as_int()};
}

std::vector<std::string> BaseDataset::extra_repr() const {
  return {"Annotation file: \t" + ann_file(), "Prefix of images: \t" + img_prefix()};
}

std::string BaseDataset::repr() const {
  std::vector<std::string> body;
  if (fully_initialized())
    body.push_back("Number of samples: \t" + std::to_string(size()));
  else
    body.push_back("Haven't been initialized");
  if (auto c = CLASSES()) body.push_back("Number of categories: \t" + std::to_string(c->size()));
  for (auto& l : extra_repr()) body.push_back(l);
  if (!pipeline()->transforms().empty()) {
    body.push_back("With transforms:");
    for (const auto& t : pipeline()->transforms()) body.push_back("    " + t->repr());
  }
  std::string s = "Dataset " + class_name();
  for (const auto& l : body) s += "\n    " + l;
  return s;
}

MMCPP_REGISTER(DATASETS, BaseDataset,
               "dict(type='BaseDataset', ann_file='data/ann.json', lazy_init=True)");

PretrainDatasetOptions read_split_options(registry::BuildArgs& args, std::string& split,
                                          bool& download) {
  PretrainDatasetOptions o = PretrainDatasetOptions::from_args(args, {"ann_file", "data_prefix"});
  split = args.get_str("split", "train");
  download = args.get_bool("download", true);
  o.base.data_prefix = config::Value(args.get_str("data_prefix", ""));
  return o;
}

PretrainDatasetOptions split_root_options(PretrainDatasetOptions o, const std::string& split,
                                          const std::string& name) {
  if (split != "train" && split != "test")
    throw Error("AssertionError",
                "The split must be one of ['train', 'test'], but get '" + split + "'");
  if (split == "train" && o.base.test_mode)
    print_log(name + ": split=\"train\" but test_mode=True. The training set will be used.",
              LogLevel::Warning);
  config::Value& prefix = o.base.data_prefix;
  if (!prefix.is_none() && !prefix.is_str())
    throw Error("TypeError", "prefix should be a string, but got " + prefix.type_name() + " (" +
                                 name + " data_prefix=" + prefix.repr() + ")");
  const std::string p = prefix.is_str() ? prefix.as_str() : "";
  if (o.base.data_root.empty() && p.empty())
    throw Error("RuntimeError", "Please set ``data_root`` tospecify the dataset path");
  o.base.ann_file = "";
  config::Value d = config::Value::dict(false);
  d.as_dict().set("root", config::Value(p));
  prefix = d;
  return o;
}

const std::string& prefix_root(const data::BaseDataset& dataset) {
  return dataset.data_prefix().as_dict().find("root")->as_str();
}

}  // namespace mmcpp::pretrain
