// MMEngine's BaseDataset: OpenMMLab 2.0 annotation files (JSON / YAML),
// metainfo priority, prefix joining, indices, lazy init, subsets, the pipeline
// and its packing, refetching of bad samples and the errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/data/base_dataset.h"
#include "mmcpp/registry/registry.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::data {
namespace {

using config::Value;

const std::string kDir = std::string(MMCPP_TEST_DATA_DIR) + "/datasets";

Value cfg(const std::string& text) {
  return config::Config::fromstring("c = " + text, ".py")
      .to_dict()
      .as_dict()
      .find("c")
      ->deep_copy();
}

// Test-only transforms, registered in the engine's TRANSFORMS.

// Packs info into a Sample: inputs = [sample_idx, draw], gt_label, img_path.
class BaseDatasetTestPack : public Transform {
 public:
  static std::shared_ptr<BaseDatasetTestPack> from_config(registry::BuildArgs&) {
    return std::make_shared<BaseDatasetTestPack>();
  }
  bool transform(Results& r, Rng&) const override {
    const auto& d = r.info.as_dict();
    Sample s;
    double draw = d.contains("draw") ? d.find("draw")->as_float() : -1.0;
    s.inputs = torch::tensor({static_cast<double>(d.find("sample_idx")->as_int()), draw});
    s.data_sample = std::make_shared<DataSample>();
    s.data_sample->set_gt_label(torch::tensor({d.find("gt_label")->as_int()}));
    s.data_sample->set_metainfo("img_path", *d.find("img_path"));
    r.packed = std::move(s);
    return true;
  }
  std::string repr() const override { return "BaseDatasetTestPack()"; }
};

// Drops samples whose img_path contains "bad"; throws OSError for "broken".
class BaseDatasetTestFilter : public Transform {
 public:
  static std::shared_ptr<BaseDatasetTestFilter> from_config(registry::BuildArgs&) {
    return std::make_shared<BaseDatasetTestFilter>();
  }
  bool transform(Results& r, Rng&) const override {
    const std::string& p = r.info.as_dict().find("img_path")->as_str();
    if (p.find("broken") != std::string::npos) throw Error("OSError", "failed to read " + p);
    return p.find("bad") == std::string::npos;
  }
  std::string repr() const override { return "BaseDatasetTestFilter()"; }
};

// Records a random draw in the info.
class BaseDatasetTestDraw : public Transform {
 public:
  static std::shared_ptr<BaseDatasetTestDraw> from_config(registry::BuildArgs&) {
    return std::make_shared<BaseDatasetTestDraw>();
  }
  bool transform(Results& r, Rng& rng) const override {
    r.info.as_dict().set("draw", Value(rng.uniform()));
    return true;
  }
  std::string repr() const override { return "BaseDatasetTestDraw()"; }
};

MMCPP_REGISTER(registry::TRANSFORMS, BaseDatasetTestPack, "dict(type='BaseDatasetTestPack')");
MMCPP_REGISTER(registry::TRANSFORMS, BaseDatasetTestFilter, "dict(type='BaseDatasetTestFilter')");
MMCPP_REGISTER(registry::TRANSFORMS, BaseDatasetTestDraw, "dict(type='BaseDatasetTestDraw')");

// A subclass with a class METAINFO.
class MetaDataset : public BaseDataset {
 public:
  explicit MetaDataset(BaseDatasetOptions o)
      : BaseDataset(std::move(o), cfg("dict(task_name='class_task', classes=('x', 'y'))")) {}

 protected:
  std::shared_ptr<BaseDataset> copy() const override {
    return std::make_shared<MetaDataset>(*this);
  }
};

BaseDatasetOptions opts(const std::string& ann = "ann_basic.json") {
  BaseDatasetOptions o;
  o.ann_file = ann;
  o.data_root = kDir;
  return o;
}

std::string kind_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind() + ": " + e.what();
  }
  return "no error";
}

TEST(BaseDataset, LoadsJsonAndYamlAlike) {
  for (const char* ann : {"ann_basic.json", "ann_basic.yaml"}) {
    auto ds = make_dataset<BaseDataset>(opts(ann), Value());
    ASSERT_EQ(ds->size(), 4u) << ann;
    EXPECT_EQ(ds->ann_file(), kDir + "/" + ann);
    DataInfo info = ds->get_data_info(1);
    const auto& d = info.info.as_dict();
    // data_prefix dict(img_path='') joined with data_root, then with the item.
    EXPECT_EQ(d.find("img_path")->as_str(), kDir + "/sub/b.jpg");
    EXPECT_EQ(d.find("height")->as_int(), 2);
    EXPECT_EQ(d.find("sample_idx")->as_int(), 1);
    EXPECT_TRUE(ds->get_data_info(3).info.as_dict().find("extra")->equals(cfg("[1, 2.5, None]")));
    auto meta = ds->metainfo();
    EXPECT_EQ(meta.as_dict().find("task_name")->as_str(), "test_task");
    EXPECT_TRUE(meta.as_dict().find("classes")->equals(cfg("['cat', 'dog']")));
  }
}

TEST(BaseDataset, MetainfoPriorityArgumentThenClassThenFile) {
  auto ds = make_dataset<MetaDataset>(opts());
  // METAINFO beats the annotation file, which fills the keys still missing.
  EXPECT_EQ(ds->metainfo().as_dict().find("task_name")->as_str(), "class_task");
  EXPECT_TRUE(ds->metainfo().as_dict().find("classes")->equals(cfg("('x', 'y')")));
  EXPECT_EQ(ds->metainfo().as_dict().find("dataset_type")->as_str(), "test_dataset");

  BaseDatasetOptions o = opts();
  o.metainfo = cfg("dict(task_name='arg_task', classes='" + kDir + "/classes.txt', other='x.txt')");
  auto ds2 = make_dataset<MetaDataset>(o);
  auto m = ds2->metainfo().as_dict();
  EXPECT_EQ(m.find("task_name")->as_str(), "arg_task");
  // A str naming a file becomes its lines; any other str stays a str.
  EXPECT_TRUE(m.find("classes")->equals(cfg("['cat', 'dog', 'bird']")));
  EXPECT_EQ(m.find("other")->as_str(), "x.txt");
  // metainfo() is a copy.
  ds2->metainfo().as_dict().set("task_name", Value("changed"));
  EXPECT_EQ(ds2->metainfo().as_dict().find("task_name")->as_str(), "arg_task");
}

TEST(BaseDataset, PrefixJoiningRules) {
  BaseDatasetOptions o = opts();
  o.data_prefix = cfg("dict(img_path='imgs/', seg='/abs/seg')");
  o.lazy_init = true;
  auto ds = std::make_shared<BaseDataset>(o, Value());
  ds->init();
  EXPECT_EQ(ds->data_prefix().as_dict().find("img_path")->as_str(), kDir + "/imgs/");
  EXPECT_EQ(ds->data_prefix().as_dict().find("seg")->as_str(), "/abs/seg");
  // Every prefix key must be in the raw data info.
  EXPECT_NE(kind_of([&] { ds->size(); }).find("AssertionError"), std::string::npos);

  BaseDatasetOptions abs;
  abs.ann_file = kDir + "/ann_basic.json";
  abs.data_root = "/elsewhere";
  abs.data_prefix = cfg("dict(img_path='')");
  abs.lazy_init = true;
  auto ds2 = make_dataset<BaseDataset>(abs, Value());
  EXPECT_EQ(ds2->ann_file(), kDir + "/ann_basic.json");  // absolute: not joined
  EXPECT_EQ(ds2->data_prefix().as_dict().find("img_path")->as_str(), "/elsewhere/");

  BaseDatasetOptions bad = opts();
  bad.data_prefix = cfg("dict(img_path=1)");
  EXPECT_NE(kind_of([&] { BaseDataset(bad, Value()); }).find("TypeError"), std::string::npos);
}

TEST(BaseDataset, IndicesAndSubsets) {
  BaseDatasetOptions o = opts();
  o.indices = Value(2);
  EXPECT_EQ(make_dataset<BaseDataset>(o, Value())->size(), 2u);
  o.indices = Value(-1);
  auto last = make_dataset<BaseDataset>(o, Value());
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ(last->get_data_info(0).info.as_dict().find("img_path")->as_str(), kDir + "/d.jpg");
  o.indices = cfg("[3, 0]");
  auto picked = make_dataset<BaseDataset>(o, Value());
  EXPECT_EQ(picked->get_data_info(0).info.as_dict().find("height")->as_int(), 6);
  EXPECT_EQ(picked->get_data_info(1).info.as_dict().find("height")->as_int(), 604);
  o.indices = Value(10);  // slicing clamps
  EXPECT_EQ(make_dataset<BaseDataset>(o, Value())->size(), 4u);

  auto ds = make_dataset<MetaDataset>(opts());
  auto sub = ds->get_subset(cfg("[1, -1]"));
  ASSERT_EQ(sub->size(), 2u);
  EXPECT_EQ(ds->size(), 4u);  // the original is unchanged
  EXPECT_EQ(sub->get_data_info(1).info.as_dict().find("height")->as_int(), 6);
  EXPECT_EQ(sub->get_data_info(1).info.as_dict().find("sample_idx")->as_int(), 1);
  EXPECT_EQ(sub->class_name(), "MetaDataset");
  EXPECT_TRUE(sub->metainfo().equals(ds->metainfo()));
  // Serialized datasets (the default) assert the int bound, as MMEngine.
  EXPECT_NE(kind_of([&] { ds->get_subset(Value(4)); }).find("AssertionError"), std::string::npos);
  EXPECT_NE(kind_of([&] { ds->get_subset(cfg("[7]")); }).find("AssertionError"), std::string::npos);
  ds->get_subset_(Value(-3));
  ASSERT_EQ(ds->size(), 3u);
  EXPECT_EQ(ds->get_data_info(0).info.as_dict().find("height")->as_int(), 2);
}

TEST(BaseDataset, LazyInitLoadsOnFirstUse) {
  BaseDatasetOptions o = opts();
  o.lazy_init = true;
  auto ds = make_dataset<BaseDataset>(o, Value());
  EXPECT_FALSE(ds->fully_initialized());
  // The annotation file's metainfo is not read yet.
  EXPECT_FALSE(ds->metainfo().as_dict().contains("task_name"));
  EXPECT_EQ(ds->size(), 4u);
  EXPECT_TRUE(ds->fully_initialized());
  EXPECT_TRUE(ds->metainfo().as_dict().contains("task_name"));
  // A missing annotation file is only an error once loaded.
  BaseDatasetOptions missing = opts("no_such.json");
  missing.lazy_init = true;
  auto lazy = make_dataset<BaseDataset>(missing, Value());
  std::string err = kind_of([&] { lazy->full_init(); });
  EXPECT_NE(err.find("FileNotFoundError"), std::string::npos) << err;
  EXPECT_NE(err.find("no_such.json"), std::string::npos) << err;
}

TEST(BaseDataset, BadAnnotationFilesAreClearErrors) {
  std::string e1 =
      kind_of([&] { make_dataset<BaseDataset>(opts("ann_no_data_list.json"), Value()); });
  EXPECT_NE(e1.find("ValueError: Annotation must have data_list and metainfo keys"),
            std::string::npos)
      << e1;
  std::string e2 =
      kind_of([&] { make_dataset<BaseDataset>(opts("ann_not_a_dict.json"), Value()); });
  EXPECT_NE(e2.find("TypeError"), std::string::npos) << e2;
  std::string e3 = kind_of([&] { make_dataset<BaseDataset>(opts("classes.txt"), Value()); });
  EXPECT_NE(e3.find("TypeError: Unsupported format: txt"), std::string::npos) << e3;
  std::string e4 = kind_of([&] { make_dataset<BaseDataset>(opts("ann_empty.json"), Value()); });
  EXPECT_NE(e4.find("ValueError: BaseDataset is empty"), std::string::npos) << e4;
  EXPECT_NE(e4.find("ann_empty.json"), std::string::npos) << e4;
}

TEST(BaseDataset, GetRunsThePipelineWithTheSampleSeed) {
  BaseDatasetOptions o = opts();
  o.pipeline = cfg("[dict(type='BaseDatasetTestDraw'), dict(type='BaseDatasetTestPack')]");
  auto ds = make_dataset<BaseDataset>(o, Value());
  SampleContext ctx;
  ctx.seed = 123;
  Sample a = ds->get(1, ctx);
  Sample b = ds->get(1, ctx);
  ctx.seed = 124;
  Sample c = ds->get(1, ctx);
  EXPECT_EQ(a.inputs[0].item<double>(), 1.0);
  EXPECT_EQ(a.inputs[1].item<double>(), b.inputs[1].item<double>());
  EXPECT_NE(a.inputs[1].item<double>(), c.inputs[1].item<double>());
  EXPECT_EQ(a.data_sample->gt_label().item<std::int64_t>(), 1);
  EXPECT_EQ(a.data_sample->metainfo().as_dict().find("img_path")->as_str(), kDir + "/sub/b.jpg");
  // The stored data info is not changed by the pipeline.
  EXPECT_FALSE(ds->get_data_info(1).info.as_dict().contains("draw"));
}

TEST(BaseDataset, PipelineWithoutPackingIsAnError) {
  BaseDatasetOptions o = opts();
  o.pipeline = cfg("[dict(type='BaseDatasetTestDraw')]");
  auto ds = make_dataset<BaseDataset>(o, Value());
  std::string err = kind_of([&] { ds->get(0, SampleContext{}); });
  EXPECT_NE(err.find("ValueError"), std::string::npos) << err;
  EXPECT_NE(err.find("did not pack"), std::string::npos) << err;
  EXPECT_NE(err.find("PackInputs"), std::string::npos) << err;
}

TEST(BaseDataset, DroppedSampleIsRefetchedInTraining) {
  BaseDatasetOptions o = opts();
  o.pipeline = cfg("[dict(type='BaseDatasetTestFilter'), dict(type='BaseDatasetTestPack')]");
  auto ds = make_dataset<BaseDataset>(o, Value());
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    SampleContext ctx;
    ctx.seed = seed;
    ctx.training = true;
    Sample s = ds->get(2, ctx);  // bad_c.jpg is always dropped
    EXPECT_NE(s.inputs[0].item<double>(), 2.0);
    // Deterministic: the same seed refetches the same replacement.
    EXPECT_EQ(ds->get(2, ctx).inputs[0].item<double>(), s.inputs[0].item<double>());
  }
  // Only bad samples left and no refetch budget: an error after max_refetch.
  o.indices = cfg("[2]");
  o.max_refetch = 3;
  auto only_bad = make_dataset<BaseDataset>(o, Value());
  SampleContext training;
  training.training = true;
  std::string err = kind_of([&] { only_bad->get(0, training); });
  EXPECT_NE(err.find("Cannot find valid image after 3!"), std::string::npos) << err;
}

// The val and test loaders (SampleContext::training false) never substitute a
// sample, even when the dataset is not in test_mode.
TEST(BaseDataset, DroppedSampleInTheValLoaderIsAnError) {
  BaseDatasetOptions o = opts();
  o.pipeline = cfg("[dict(type='BaseDatasetTestFilter'), dict(type='BaseDatasetTestPack')]");
  auto ds = make_dataset<BaseDataset>(o, Value());
  SampleContext val;  // training = false
  EXPECT_NO_THROW(ds->get(0, val));
  std::string err = kind_of([&] { ds->get(2, val); });
  EXPECT_EQ(err.rfind("RuntimeError", 0), 0u) << err;
  EXPECT_NE(err.find("bad_c.jpg"), std::string::npos) << err;
  EXPECT_NE(err.find("never replace"), std::string::npos) << err;
}

TEST(BaseDataset, DroppedOrFailingSampleInTestModeNamesTheFile) {
  BaseDatasetOptions o = opts();
  o.test_mode = true;
  o.pipeline = cfg("[dict(type='BaseDatasetTestFilter'), dict(type='BaseDatasetTestPack')]");
  auto ds = make_dataset<BaseDataset>(o, Value());
  EXPECT_NO_THROW(ds->get(0, SampleContext{}));
  std::string err = kind_of([&] { ds->get(2, SampleContext{}); });
  EXPECT_NE(err.find("bad_c.jpg"), std::string::npos) << err;
  EXPECT_NE(err.find("should not get `None`"), std::string::npos) << err;

  // A transform that throws: OSError naming the file in test mode ...
  BaseDatasetOptions t = opts();
  t.data_prefix = cfg("dict(img_path='broken')");
  t.test_mode = true;
  t.pipeline = o.pipeline;
  auto broken = make_dataset<BaseDataset>(t, Value());
  std::string err2 = kind_of([&] { broken->get(1, SampleContext{}); });
  EXPECT_EQ(err2.rfind("OSError", 0), 0u) << err2;
  EXPECT_NE(err2.find("broken/sub/b.jpg"), std::string::npos) << err2;
  // ... and in training too: only a dropped sample is replaced (MMEngine); a
  // transform that throws is an error naming the sample, its file and the
  // transform, never a reason to try other samples.
  t.test_mode = false;
  t.max_refetch = 2;
  auto train = make_dataset<BaseDataset>(t, Value());
  SampleContext training;
  training.training = true;
  std::string err3 = kind_of([&] { train->get(1, training); });
  EXPECT_EQ(err3.rfind("OSError", 0), 0u) << err3;
  EXPECT_NE(err3.find("sample 1 of BaseDataset"), std::string::npos) << err3;
  EXPECT_NE(err3.find("broken/sub/b.jpg"), std::string::npos) << err3;
  EXPECT_NE(err3.find("BaseDatasetTestFilter: failed to read"), std::string::npos) << err3;
  EXPECT_EQ(err3.find("Cannot find valid image"), std::string::npos) << err3;
}

// A plain dataset (overriding size() and get()) keeps working unchanged.
class PlainDataset : public BaseDataset {
 public:
  std::size_t size() const override { return 3; }
  Sample get(std::size_t index, const SampleContext&) override {
    Sample s;
    s.inputs = torch::tensor({static_cast<double>(index)});
    return s;
  }
};

TEST(BaseDataset, PlainSubclassesOverrideSizeAndGet) {
  PlainDataset ds;
  EXPECT_EQ(ds.size(), 3u);
  EXPECT_EQ(ds.get(2, SampleContext{}).inputs.item<double>(), 2.0);
  ds.full_init();  // a no-op
  EXPECT_FALSE(ds.has_data_list());
  EXPECT_NE(kind_of([&] { ds.get_data_info(0); }).find("NotImplementedError"), std::string::npos);
  EXPECT_NE(kind_of([&] { ds.get_cat_ids(0); }).find("NotImplementedError"), std::string::npos);
  EXPECT_EQ(ds.class_name(), "PlainDataset");
}

TEST(BaseDataset, ListFromFileUsesUniversalNewlines) {
  std::string path = ::testing::TempDir() + "/mmcpp_lines.txt";
  {
    std::ofstream f(path, std::ios::binary);
    f << "a\r\nb\rc\n\nd";
  }
  EXPECT_EQ(list_from_file(path), (std::vector<std::string>{"a", "b", "c", "", "d"}));
  EXPECT_EQ(join_path("a", ""), "a/");
  EXPECT_EQ(join_path("a/", "b"), "a/b");
  EXPECT_EQ(join_path("a", "/b"), "/b");
}

}  // namespace
}  // namespace mmcpp::data
