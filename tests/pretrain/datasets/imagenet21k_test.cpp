// ImageNet21k (mmpretrain/datasets/imagenet.py) on a temporary folder tree:
// split='train' takes data_prefix 'train' and meta/train.txt when present, class
// folders otherwise (classes from the folder names, ImageNet's seven
// extensions); no built-in class list; other splits and multi_label refused as
// MMPretrain refuses them.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/datasets/imagenet.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

namespace fs = std::filesystem;

config::Value cfg(const std::string& text) {
  return config::Config::fromstring("c = " + text, ".py").get("c")->deep_copy();
}

void touch(const fs::path& p) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << "\x89PNG\r\n\x1a\n";
}

class ImageNet21kTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("mmcpp_in21k_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    touch(root_ / "train/n01/a.JPEG");
    touch(root_ / "train/n01/b.png");
    touch(root_ / "train/n01/c.tiff");  // not among ImageNet's extensions
    touch(root_ / "train/n01/d.webp");  // nor this
    touch(root_ / "train/n02/e.tif");
  }
  void TearDown() override { fs::remove_all(root_); }

  std::shared_ptr<data::BaseDataset> build(const std::string& args) {
    return DATASETS().build(
        cfg("dict(type='ImageNet21k', data_root='" + root_.string() + "'" + args + ")"));
  }
  std::vector<std::string> paths(const data::BaseDataset& ds) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < ds.size(); ++i) {
      const std::string p = ds.get_data_info(i).info.as_dict().find("img_path")->as_str();
      out.push_back(p.substr(root_.string().size() + 1));
    }
    return out;
  }
  static std::string error_of(const std::function<void()>& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return e.kind() + ": " + e.what();
    }
    return "no error";
  }
  fs::path root_;
};

TEST_F(ImageNet21kTest, TrainSplitScansClassFolders) {
  auto ds = build(", split='train'");
  EXPECT_EQ(paths(*ds),
            (std::vector<std::string>{"train/n01/a.JPEG", "train/n01/b.png", "train/n02/e.tif"}));
  auto& base = dynamic_cast<BaseDataset&>(*ds);
  EXPECT_EQ(base.get_gt_labels(), (std::vector<std::int64_t>{0, 0, 1}));
  ASSERT_TRUE(base.CLASSES());
  EXPECT_EQ(*base.CLASSES(), (std::vector<std::string>{"n01", "n02"}));
}

TEST_F(ImageNet21kTest, TrainSplitReadsMetaTrainTxt) {
  fs::create_directories(root_ / "meta");
  std::ofstream(root_ / "meta/train.txt") << "n02/e.tif 5\nn01/a.JPEG 3\n";
  auto ds = build(", split='train'");
  EXPECT_EQ(paths(*ds), (std::vector<std::string>{"train/n02/e.tif", "train/n01/a.JPEG"}));
  auto& base = dynamic_cast<BaseDataset&>(*ds);
  EXPECT_EQ(base.get_gt_labels(), (std::vector<std::int64_t>{5, 3}));
  // No built-in list of the 21k classes: none unless `classes` is given.
  EXPECT_FALSE(base.CLASSES());
  auto named = build(", split='train', classes=['x%d' % i for i in range(6)]");
  ASSERT_TRUE(dynamic_cast<BaseDataset&>(*named).CLASSES());
  EXPECT_EQ(dynamic_cast<BaseDataset&>(*named).CLASSES()->at(5), "x5");
}

TEST_F(ImageNet21kTest, NoSplitUsesTheGivenPrefix) {
  // Without a split nothing is inferred: meta/train.txt is not looked at.
  fs::create_directories(root_ / "meta");
  std::ofstream(root_ / "meta/train.txt") << "n02/e.tif 5\n";
  auto ds = build(", data_prefix='train'");
  EXPECT_EQ(ds->size(), 3u);
}

TEST_F(ImageNet21kTest, RefusesOtherSplitsAndMultiLabel) {
  // MMPretrain's exception kinds and messages (after the component's name).
  const std::string split = error_of([&] { build(", split='val'"); });
  EXPECT_EQ(split.rfind("AssertionError: ", 0), 0u) << split;
  EXPECT_NE(split.find("The split must be one of ['train'], but get 'val'"), std::string::npos)
      << split;
  const std::string multi = error_of([&] { build(", split='train', multi_label=True"); });
  EXPECT_EQ(multi.rfind("NotImplementedError: ", 0), 0u) << multi;
  EXPECT_NE(multi.find("The `multi_label` option is not supported by now."), std::string::npos)
      << multi;
}

}  // namespace
}  // namespace mmcpp::pretrain
