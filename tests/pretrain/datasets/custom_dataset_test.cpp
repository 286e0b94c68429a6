// MMPretrain's BaseDataset / CustomDataset / ImageNet on a temporary folder tree
// of tiny image files: class folders, annotation lists, extensions, classes.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/datasets/custom.h"
#include "mmcpp/pretrain/datasets/imagenet.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {
namespace {

namespace fs = std::filesystem;
using config::Value;

Value cfg(const std::string& text) {
  return config::Config::fromstring("c = " + text, ".py")
      .to_dict()
      .as_dict()
      .find("c")
      ->deep_copy();
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind() + ": " + e.what();
  }
  return "no error";
}

// Packs the label and path (test only; PackInputs is the real one).
class CustomDatasetTestPack : public data::Transform {
 public:
  static std::shared_ptr<CustomDatasetTestPack> from_config(registry::BuildArgs&) {
    return std::make_shared<CustomDatasetTestPack>();
  }
  bool transform(data::Results& r, Rng&) const override {
    data::Sample s;
    s.inputs = torch::zeros({1});
    s.data_sample = std::make_shared<data::DataSample>();
    s.data_sample->set_gt_label(torch::tensor({r.info.as_dict().find("gt_label")->as_int()}));
    s.data_sample->set_metainfo("img_path", *r.info.as_dict().find("img_path"));
    r.packed = std::move(s);
    return true;
  }
  std::string repr() const override { return "CustomDatasetTestPack()"; }
};
MMCPP_REGISTER(TRANSFORMS, CustomDatasetTestPack, "dict(type='CustomDatasetTestPack')");

void touch(const fs::path& p, const std::string& bytes = "\x89PNG\r\n\x1a\n") {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

class CustomDatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("mmcpp_custom_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    touch(root_ / "train/b_dog/x.png");
    touch(root_ / "train/b_dog/Y.JPG");
    touch(root_ / "train/b_dog/notes.txt");
    touch(root_ / "train/b_dog/.hidden.png");
    touch(root_ / "train/b_dog/sub/z.jpeg");
    touch(root_ / "train/a_cat/1.png");
    touch(root_ / "train/a_cat/0.bmp");
    touch(root_ / "train/c_empty/readme.md");
    touch(root_ / "train/top_level_file.png");  // not in a class folder: ignored
    std::ofstream(root_ / "train.txt") << "a_cat/1.png 0\nwith space/img 2.png 1\n";
    std::ofstream(root_ / "bad.txt") << "a_cat/1.png zero\n";
  }
  void TearDown() override { fs::remove_all(root_); }

  std::shared_ptr<data::BaseDataset> build(const std::string& text) {
    return DATASETS().build(cfg(text));
  }
  std::vector<std::string> paths(const data::BaseDataset& ds) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < ds.size(); ++i) {
      std::string p = ds.get_data_info(i).info.as_dict().find("img_path")->as_str();
      out.push_back(p.substr(root_.string().size() + 1));
    }
    return out;
  }
  std::string root() const { return root_.string(); }
  fs::path root_;
};

TEST_F(CustomDatasetTest, ClassFoldersSortedRecursiveCaseInsensitive) {
  auto ds = build("dict(type='CustomDataset', data_root='" + root() + "', data_prefix='train')");
  auto& custom = dynamic_cast<CustomDataset&>(*ds);
  EXPECT_EQ(paths(*ds),
            (std::vector<std::string>{"train/a_cat/0.bmp", "train/a_cat/1.png", "train/b_dog/Y.JPG",
                                      "train/b_dog/sub/z.jpeg", "train/b_dog/x.png"}));
  EXPECT_EQ(custom.get_gt_labels(), (std::vector<std::int64_t>{0, 0, 1, 1, 1}));
  EXPECT_EQ(custom.get_cat_ids(2), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(*custom.CLASSES(), (std::vector<std::string>{"a_cat", "b_dog", "c_empty"}));
  EXPECT_EQ(custom.class_to_idx().at("c_empty"), 2);
  EXPECT_TRUE(ds->metainfo().as_dict().find("classes")->is_tuple());
  EXPECT_NE(custom.repr().find("Number of categories: \t3"), std::string::npos) << custom.repr();
}

TEST_F(CustomDatasetTest, ClassesArgumentMustMatchTheFolders) {
  auto ds = build("dict(type='CustomDataset', data_prefix='" + root() +
                  "/train', classes=['cat', 'dog', 'none'])");
  EXPECT_EQ(*dynamic_cast<BaseDataset&>(*ds).CLASSES(),
            (std::vector<std::string>{"cat", "dog", "none"}));
  std::string err = error_of([&] {
    build("dict(type='CustomDataset', data_prefix='" + root() + "/train', classes=['a'])");
  });
  EXPECT_NE(err.find("The number of subfolders (3) doesn't match the number of specified classes "
                     "(1)"),
            std::string::npos)
      << err;
}

TEST_F(CustomDatasetTest, WithoutLabelsEveryFile) {
  auto ds = build("dict(type='CustomDataset', data_prefix=dict(img_path='" + root() +
                  "/train'), with_label=False, extensions=('.PNG',))");
  EXPECT_EQ(paths(*ds), (std::vector<std::string>{"train/a_cat/1.png", "train/b_dog/x.png",
                                                  "train/top_level_file.png"}));
  EXPECT_FALSE(ds->get_data_info(0).info.as_dict().contains("gt_label"));
  EXPECT_FALSE(dynamic_cast<BaseDataset&>(*ds).CLASSES());
}

TEST_F(CustomDatasetTest, AnnotationListSplitsOnTheLastSpace) {
  auto ds = build("dict(type='CustomDataset', data_root='" + root() +
                  "', ann_file='train.txt', data_prefix='train', "
                  "pipeline=[dict(type='CustomDatasetTestPack')])");
  EXPECT_EQ(paths(*ds),
            (std::vector<std::string>{"train/a_cat/1.png", "train/with space/img 2.png"}));
  EXPECT_EQ(dynamic_cast<BaseDataset&>(*ds).get_gt_labels(), (std::vector<std::int64_t>{0, 1}));
  data::Sample s = ds->get(1, data::SampleContext{});
  EXPECT_EQ(s.data_sample->gt_label().item<std::int64_t>(), 1);
  std::string err = error_of(
      [&] { build("dict(type='CustomDataset', data_root='" + root() + "', ann_file='bad.txt')"); });
  EXPECT_NE(err.find("bad.txt:1"), std::string::npos) << err;
  EXPECT_NE(err.find("invalid literal for int()"), std::string::npos) << err;
}

TEST_F(CustomDatasetTest, ErrorsNameThePlace) {
  std::string none = error_of([&] { build("dict(type='CustomDataset')"); });
  EXPECT_NE(none.find("One of `ann_file`, `data_root` and `data_prefix` must be specified"),
            std::string::npos)
      << none;
  std::string missing =
      error_of([&] { build("dict(type='CustomDataset', data_prefix='" + root() + "/nowhere')"); });
  EXPECT_NE(missing.find("FileNotFoundError"), std::string::npos) << missing;
  EXPECT_NE(missing.find("nowhere"), std::string::npos) << missing;
  std::string empty = error_of([&] {
    build("dict(type='CustomDataset', data_prefix='" + root() + "/train', extensions=['.gif'])");
  });
  EXPECT_EQ(empty.rfind("RuntimeError", 0), 0u) << empty;
  EXPECT_NE(empty.find("Found 0 files in subfolders of"), std::string::npos) << empty;
  std::string unknown = error_of([&] {
    build("dict(type='CustomDataset', data_prefix='" + root() + "/train', with_labels=False)");
  });
  EXPECT_NE(unknown.find("with_labels"), std::string::npos) << unknown;
  // Lazy: nothing is read until used.
  auto lazy =
      build("dict(type='CustomDataset', data_prefix='" + root() + "/nowhere', lazy_init=True)");
  EXPECT_FALSE(lazy->fully_initialized());
}

TEST_F(CustomDatasetTest, ClassesFromATextFileAndSubsets) {
  std::ofstream(root_ / "classes.txt") << "x\ny\nz\n";
  auto ds = build("dict(type='CustomDataset', data_prefix='" + root() + "/train', classes='" +
                  root() + "/classes.txt', indices=[4, 0])");
  auto& b = dynamic_cast<BaseDataset&>(*ds);
  EXPECT_EQ(*b.CLASSES(), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(b.get_gt_labels(), (std::vector<std::int64_t>{1, 0}));
  auto sub = ds->get_subset(Value(1));
  EXPECT_EQ(sub->size(), 1u);
  EXPECT_EQ(sub->class_name(), "CustomDataset");
  EXPECT_EQ(sub->get_cat_ids(0), (std::vector<std::int64_t>{1}));
}

TEST_F(CustomDatasetTest, ImageNetSplitsAndMetaFiles) {
  // train: class folders (no meta/train.txt), which must match the 1000
  // METAINFO classes unless `classes` says otherwise.
  std::string mismatch =
      error_of([&] { build("dict(type='ImageNet', data_root='" + root() + "', split='train')"); });
  EXPECT_NE(mismatch.find("(3) doesn't match the number of specified classes (1000)"),
            std::string::npos)
      << mismatch;
  auto lazy =
      build("dict(type='ImageNet', data_root='" + root() + "', split='train', lazy_init=True)");
  EXPECT_EQ(dynamic_cast<BaseDataset&>(*lazy).CLASSES()->at(0), "tench, Tinca tinca");
  auto train = build("dict(type='ImageNet', data_root='" + root() +
                     "', split='train', classes=['a', 'b', 'c'])");
  EXPECT_EQ(train->size(), 5u);
  // test: a flat folder, without labels.
  touch(root_ / "test/t1.jpg");
  touch(root_ / "test/t0.JPEG");
  auto test = build("dict(type='ImageNet', data_root='" + root() + "', split='test')");
  EXPECT_EQ(paths(*test), (std::vector<std::string>{"test/t0.JPEG", "test/t1.jpg"}));
  EXPECT_FALSE(test->get_data_info(0).info.as_dict().contains("gt_label"));
  // meta/val.txt is used when present.
  fs::create_directories(root_ / "meta");
  std::ofstream(root_ / "meta/val.txt") << "v1.JPEG 7\nv2.JPEG 999\n";
  auto val = build("dict(type='ImageNet', data_root='" + root() + "', split='val')");
  EXPECT_EQ(paths(*val), (std::vector<std::string>{"val/v1.JPEG", "val/v2.JPEG"}));
  EXPECT_EQ(dynamic_cast<BaseDataset&>(*val).get_gt_labels(), (std::vector<std::int64_t>{7, 999}));
  EXPECT_NE(dynamic_cast<BaseDataset&>(*val).repr().find("Root of dataset: \t" + root()),
            std::string::npos);
  std::string bad = error_of([&] { build("dict(type='ImageNet', data_root='x', split='dev')"); });
  EXPECT_NE(bad.find("The split must be one of ['train', 'val', 'test']"), std::string::npos)
      << bad;
}

TEST_F(CustomDatasetTest, BaseDatasetReadsOpenMMLabAnnotations) {
  std::string dir = std::string(MMCPP_TEST_DATA_DIR) + "/datasets";
  auto ds = build("dict(type='BaseDataset', ann_file='ann_basic.yaml', data_root='" + dir +
                  "', data_prefix='imgs', classes=['p', 'q'])");
  auto& b = dynamic_cast<BaseDataset&>(*ds);
  EXPECT_EQ(b.img_prefix(), dir + "/imgs");
  EXPECT_EQ(ds->get_data_info(0).info.as_dict().find("img_path")->as_str(), dir + "/imgs/a.jpg");
  // `classes` goes into metainfo, above the file's.
  EXPECT_EQ(*b.CLASSES(), (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(b.get_gt_labels(), (std::vector<std::int64_t>{0, 1, 1, 0}));
  std::string err = error_of([&] { build("dict(type='BaseDataset')"); });
  EXPECT_NE(err.find("ann_file"), std::string::npos) << err;
}

}  // namespace
}  // namespace mmcpp::pretrain
