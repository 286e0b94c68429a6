// CIFAR10/CIFAR100 and MNIST readers on tiny files written by the test (pickle
// and binary layouts, IDX), their errors (corrupt pickle, missing files), the
// KFoldDataset wrapper and the helpers (md5, numpy's default_rng).
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/io/pickle_writer.h"
#include "mmcpp/pretrain/datasets/cifar.h"
#include "mmcpp/pretrain/datasets/dataset_wrappers.h"
#include "mmcpp/pretrain/datasets/mnist.h"
#include "mmcpp/pretrain/datasets/utils.h"
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

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// Image i of a batch: pixel (c, y, x) = (i * 7 + c * 50 + y * 3 + x) % 256.
std::string cifar_rows(int n) {
  std::string b;
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) b += static_cast<char>((i * 7 + c * 50 + y * 3 + x) % 256);
  return b;
}

io::PyObject pylist_of_ints(const std::vector<std::int64_t>& v) {
  io::PyObject::Items items;
  for (auto x : v) items.push_back(io::PyObject::from_int(x));
  return io::PyObject::list(std::move(items));
}

std::string cifar_pickle(int n, const std::vector<std::int64_t>& labels, const char* label_key) {
  io::NumpyArray a;
  a.dtype = "|u1";
  a.shape = {n, 3072};
  a.data = cifar_rows(n);
  io::PyObject d = io::PyObject::dict();
  d.as_dict().set("batch_label", io::PyObject::str("testing batch"));
  d.as_dict().set(label_key, pylist_of_ints(labels));
  d.as_dict().set("data", io::PyObject::numpy_array(a));
  return io::pickle_dumps(d);
}

std::string names_pickle(const char* key, const std::vector<std::string>& names) {
  io::PyObject::Items items;
  for (const auto& n : names) items.push_back(io::PyObject::str(n));
  io::PyObject d = io::PyObject::dict();
  d.as_dict().set(key, io::PyObject::list(std::move(items)));
  return io::pickle_dumps(d);
}

class CifarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("mmcpp_cifar_" + std::to_string(::getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string root() const { return root_.string(); }
  fs::path root_;
};

TEST_F(CifarTest, PickleLayoutGivesHwcRgbImages) {
  write(root_ / "c10/cifar-10-batches-py/data_batch_1", cifar_pickle(3, {4, 0, 9}, "labels"));
  write(root_ / "c10/cifar-10-batches-py/data_batch_3", cifar_pickle(2, {1, 2}, "labels"));
  write(root_ / "c10/cifar-10-batches-py/batches.meta",
        names_pickle("label_names", {"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"}));
  auto ds = DATASETS().build(cfg("dict(type='CIFAR10', data_root='" + root() + "/c10')"));
  ASSERT_EQ(ds->size(), 5u);  // batches 1 and 3, in order
  auto& cifar = dynamic_cast<CIFAR10&>(*ds);
  EXPECT_EQ(cifar.get_gt_labels(), (std::vector<std::int64_t>{4, 0, 9, 1, 2}));
  EXPECT_EQ(cifar.CLASSES()->at(0), "airplane");  // METAINFO; batches.meta is not read
  data::DataInfo info = ds->get_data_info(1);
  torch::Tensor img = info.arrays.at("img");
  ASSERT_EQ(img.sizes(), (std::vector<std::int64_t>{32, 32, 3}));
  ASSERT_EQ(img.scalar_type(), torch::kUInt8);
  // HWC: (y=2, x=5, c=1) of image 1 = (7 + 50 + 6 + 5) % 256.
  EXPECT_EQ(img[2][5][1].item<int>(), 68);
  EXPECT_EQ(info.info.as_dict().find("gt_label")->as_int(), 0);
  EXPECT_EQ(info.info.as_dict().find("sample_idx")->as_int(), 1);
  // Image 0 of batch 3 (global 3) restarts the pattern.
  EXPECT_EQ(ds->get_data_info(3).arrays.at("img")[0][0][0].item<int>(), 0);

  // Without METAINFO classes, batches.meta gives them.
  CifarSpec spec = CifarSpec::cifar10();
  spec.metainfo = Value::dict(false);
  PretrainDatasetOptions o;
  o.base.data_root = root() + "/c10";
  auto from_meta = data::make_dataset<CIFAR10>(o, "train", false, spec);
  EXPECT_EQ(from_meta->CLASSES()->at(9), "n9");
}

TEST_F(CifarTest, BinaryLayoutMatchesThePickles) {
  std::string rows = cifar_rows(2);
  std::string bin;
  for (int i = 0; i < 2; ++i) {
    bin += static_cast<char>(i == 0 ? 7 : 3);
    bin += rows.substr(static_cast<std::size_t>(i) * 3072, 3072);
  }
  write(root_ / "cifar-10-batches-bin/test_batch.bin", bin);
  write(root_ / "cifar-10-batches-bin/batches.meta.txt", "a\nb\n\n");
  write(root_ / "py/cifar-10-batches-py/test_batch", cifar_pickle(2, {7, 3}, "labels"));
  auto bin_ds = DATASETS().build(cfg("dict(type='CIFAR10', data_prefix='" + root() +
                                     "', split='test', metainfo=dict(classes=None))"));
  auto py_ds = DATASETS().build(
      cfg("dict(type='CIFAR10', data_root='" + root() + "/py', split='test', test_mode=True)"));
  ASSERT_EQ(bin_ds->size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(torch::equal(bin_ds->get_data_info(i).arrays.at("img"),
                             py_ds->get_data_info(i).arrays.at("img")));
    EXPECT_EQ(bin_ds->get_cat_ids(i), py_ds->get_cat_ids(i));
  }
  // metainfo classes=None: read from batches.meta.txt (blank lines dropped).
  EXPECT_EQ(*dynamic_cast<CIFAR10&>(*bin_ds).CLASSES(), (std::vector<std::string>{"a", "b"}));
}

TEST_F(CifarTest, Cifar100ReadsFineLabels) {
  write(root_ / "cifar-100-python/train", cifar_pickle(2, {42, 99}, "fine_labels"));
  auto ds = DATASETS().build(cfg("dict(type='CIFAR100', data_root='" + root() + "')"));
  EXPECT_EQ(dynamic_cast<CIFAR100&>(*ds).get_gt_labels(), (std::vector<std::int64_t>{42, 99}));
  EXPECT_EQ(dynamic_cast<CIFAR100&>(*ds).CLASSES()->size(), 100u);
}

TEST_F(CifarTest, CorruptOrMissingFilesAreClearErrors) {
  std::string good = cifar_pickle(3, {1, 2, 3}, "labels");
  write(root_ / "cifar-10-batches-py/data_batch_1", good.substr(0, good.size() / 2));
  std::string truncated =
      error_of([&] { DATASETS().build(cfg("dict(type='CIFAR10', data_root='" + root() + "')")); });
  EXPECT_NE(truncated.find("UnpicklingError"), std::string::npos) << truncated;
  EXPECT_NE(truncated.find("data_batch_1"), std::string::npos) << truncated;

  write(root_ / "cifar-10-batches-py/data_batch_1", "not a pickle at all");
  std::string garbage =
      error_of([&] { DATASETS().build(cfg("dict(type='CIFAR10', data_root='" + root() + "')")); });
  EXPECT_NE(garbage.find("data_batch_1"), std::string::npos) << garbage;

  // Nothing for the split: which files are expected, where, and how to get them.
  std::string missing = error_of([&] {
    DATASETS().build(cfg("dict(type='CIFAR10', data_root='" + root() + "', split='test')"));
  });
  EXPECT_NE(missing.find("RuntimeError: Cannot find CIFAR10 dataset in " + root() + "/"),
            std::string::npos)
      << missing;
  EXPECT_NE(missing.find("test_batch"), std::string::npos) << missing;
  EXPECT_NE(missing.find("cifar-10-python.tar.gz"), std::string::npos) << missing;
  EXPECT_NE(missing.find("does not download"), std::string::npos) << missing;

  std::string no_root = error_of([&] { DATASETS().build(cfg("dict(type='CIFAR10')")); });
  EXPECT_NE(no_root.find("Please set ``data_root``"), std::string::npos) << no_root;
  std::string bad_split =
      error_of([&] { DATASETS().build(cfg("dict(type='CIFAR10', data_root='x', split='val')")); });
  EXPECT_NE(bad_split.find("AssertionError"), std::string::npos) << bad_split;
  std::string ann = error_of(
      [&] { DATASETS().build(cfg("dict(type='CIFAR10', data_root='x', ann_file='a.txt')")); });
  EXPECT_NE(ann.find("ann_file"), std::string::npos) << ann;
}

std::string idx_file(std::vector<std::uint32_t> dims, const std::string& data) {
  std::string b = {0, 0, 8, static_cast<char>(dims.size())};
  for (std::uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) b += static_cast<char>((d >> s) & 0xff);
  return b + data;
}

TEST_F(CifarTest, MnistIdxFilesChosenByTestMode) {
  std::string train_imgs(2 * 28 * 28, '\0');
  train_imgs[28 * 28 + 5] = '\x7f';
  write(root_ / "train-images-idx3-ubyte", idx_file({2, 28, 28}, train_imgs));
  write(root_ / "train-labels-idx1-ubyte", idx_file({2}, std::string{3, 8}));
  write(root_ / "t10k-images-idx3-ubyte", idx_file({1, 28, 28}, std::string(28 * 28, '\1')));
  write(root_ / "t10k-labels-idx1-ubyte", idx_file({1}, std::string{6}));
  auto train = DATASETS().build(cfg("dict(type='MNIST', data_root='" + root() + "')"));
  ASSERT_EQ(train->size(), 2u);
  EXPECT_EQ(train->get_data_info(1).arrays.at("img")[0][5].item<int>(), 127);
  EXPECT_EQ(train->get_cat_ids(1), (std::vector<std::int64_t>{8}));
  EXPECT_EQ(dynamic_cast<MNIST&>(*train).CLASSES()->at(3), "3 - three");
  // MMPretrain 1.2.0: split='test' alone still reads the training files.
  auto split_only =
      DATASETS().build(cfg("dict(type='FashionMNIST', data_root='" + root() + "', split='test')"));
  EXPECT_EQ(split_only->size(), 2u);
  auto test = DATASETS().build(
      cfg("dict(type='FashionMNIST', data_root='" + root() + "', split='test', test_mode=True)"));
  ASSERT_EQ(test->size(), 1u);
  EXPECT_EQ(test->get_cat_ids(0), (std::vector<std::int64_t>{6}));
  EXPECT_EQ(dynamic_cast<MNIST&>(*test).CLASSES()->at(0), "T-shirt/top");

  write(root_ / "t10k-labels-idx1-ubyte", idx_file({2}, std::string{6}));  // one byte short
  std::string short_file = error_of([&] {
    DATASETS().build(cfg("dict(type='MNIST', data_root='" + root() + "', test_mode=True)"));
  });
  EXPECT_NE(short_file.find("t10k-labels-idx1-ubyte"), std::string::npos) << short_file;
  std::string missing = error_of(
      [&] { DATASETS().build(cfg("dict(type='FashionMNIST', data_root='" + root() + "/none')")); });
  EXPECT_NE(missing.find("Cannot find FashionMNIST dataset"), std::string::npos) << missing;
  EXPECT_NE(missing.find("train-images-idx3-ubyte"), std::string::npos) << missing;
  EXPECT_NE(missing.find("apt install dataset-fashion-mnist"), std::string::npos) << missing;
}

TEST(KFoldDataset, FoldsPartitionTheDataset) {
  std::string dir = std::string(MMCPP_TEST_DATA_DIR) + "/datasets";
  std::string base = "dict(type='BaseDataset', ann_file='" + dir + "/ann_basic.json')";
  std::vector<std::int64_t> all;
  for (int fold = 0; fold < 2; ++fold) {
    auto test = DATASETS().build(cfg("dict(type='KFoldDataset', dataset=" + base + ", fold=" +
                                     std::to_string(fold) + ", num_splits=2, test_mode=True)"));
    auto train = DATASETS().build(cfg("dict(type='KFoldDataset', dataset=" + base +
                                      ", fold=" + std::to_string(fold) + ", num_splits=2)"));
    EXPECT_EQ(test->size(), 2u);
    EXPECT_EQ(train->size(), 2u);
    for (std::size_t i = 0; i < test->size(); ++i) {
      // sample_idx counts inside the fold (a get_subset, as in MMPretrain).
      EXPECT_EQ(test->get_data_info(i).info.as_dict().find("sample_idx")->as_int(),
                static_cast<std::int64_t>(i));
      all.push_back(test->get_data_info(i).info.as_dict().find("height")->as_int());
    }
  }
  EXPECT_EQ(all, (std::vector<std::int64_t>{604, 2, 4, 6}));
  auto kf = DATASETS().build(
      cfg("dict(type='KFoldDataset', dataset=" + base + ", fold=1, num_splits=3, seed=0)"));
  EXPECT_NE(dynamic_cast<KFoldDataset&>(*kf).repr().find("Fold: \t2nd of 3-fold"),
            std::string::npos);
}

TEST(NumpyDefaultRng, MatchesNumpy) {
  // np.random.default_rng(seed).random(), as numpy's documentation shows.
  EXPECT_DOUBLE_EQ(NumpyDefaultRng(0).random(), 0.6369616873214543);
  EXPECT_DOUBLE_EQ(NumpyDefaultRng(12345).random(), 0.22733602246716966);
}

TEST(DatasetUtils, Md5AndSuffixes) {
  // calculate_md5 streams a file through core's Md5 (tests/core/hash_test.cpp).
  const std::string path = ::testing::TempDir() + "mmcpp_md5_" + std::to_string(::getpid());
  std::ofstream(path, std::ios::binary) << std::string(1000, 'a');
  EXPECT_EQ(calculate_md5(path), "cabe45dcc9ae5b66ba86600cca6b8ba8");
  EXPECT_TRUE(check_md5(path, "cabe45dcc9ae5b66ba86600cca6b8ba8"));
  std::filesystem::remove(path);
  EXPECT_EQ(rm_suffix("train-images-idx3-ubyte.gz"), "train-images-idx3-ubyte");
  EXPECT_EQ(rm_suffix("a.tar.gz", ".tar"), "a");
}

}  // namespace
}  // namespace mmcpp::pretrain
