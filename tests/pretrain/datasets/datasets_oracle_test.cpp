// CIFAR10 / CIFAR100 / FashionMNIST against what MMPretrain 1.2.0 gives
// (MMCPP_ORACLE_DIR/datasets: reduced CIFAR-format fixtures made of Fashion-MNIST
// images, and Debian's dataset-fashion-mnist files): lengths, classes, labels,
// per-image byte sums, the first 20 images byte for byte, the binary layout.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>

#include "mmcpp/config/config.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/datasets/cifar.h"
#include "mmcpp/pretrain/datasets/mnist.h"
#include "mmcpp/pretrain/datasets/utils.h"
#include "mmcpp/pretrain/registry.h"
#include "tests/support/oracle.h"

namespace mmcpp::pretrain {
namespace {

namespace fs = std::filesystem;
using config::Value;
using nlohmann::ordered_json;

const char* kFashionDir = "/usr/share/datasets/fashion-mnist";

// Throws (the test fails) when the oracle has no datasets/ folder.
std::string datasets_dir() { return testing::oracle_dir("datasets"); }

Value cfg(const std::string& text) {
  return config::Config::fromstring("c = " + text, ".py")
      .to_dict()
      .as_dict()
      .find("c")
      ->deep_copy();
}

const ordered_json& expected() {
  static const ordered_json j = testing::read_json_file(datasets_dir() + "/expected.json");
  return j;
}

// Compares one dataset with an expected entry (CIFAR10.train, ...).
void check_dataset(BaseDataset& ds, const ordered_json& exp, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(ds.size(), exp["len"].get<std::size_t>());
  std::vector<std::string> classes = exp["classes"].get<std::vector<std::string>>();
  ASSERT_TRUE(ds.CLASSES());
  EXPECT_EQ(*ds.CLASSES(), classes);
  std::vector<std::int64_t> labels, sums;
  std::vector<std::int64_t> shape = exp["img_shape"].get<std::vector<std::int64_t>>();
  std::string bytes;
  // As many leading samples as the oracle lists (20 in its README).
  const std::size_t n = exp["first20_labels"].size();
  ASSERT_GT(n, 0u);
  for (std::size_t i = 0; i < n; ++i) {
    data::DataInfo info = ds.get_data_info(i);
    std::vector<std::string> keys;
    for (const auto& [k, v] : info.info.as_dict().entries()) keys.push_back(k.as_str());
    for (const auto& [k, v] : info.arrays) keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(keys, exp["getitem_keys"].get<std::vector<std::string>>());
    labels.push_back(info.info.as_dict().find("gt_label")->as_int());
    const torch::Tensor& img = info.arrays.at("img");
    ASSERT_EQ(img.sizes().vec(), shape);
    ASSERT_EQ(img.scalar_type(), torch::kUInt8);
    EXPECT_TRUE(img.is_contiguous());
    sums.push_back(img.sum().item<std::int64_t>());
    bytes.append(static_cast<const char*>(img.data_ptr()), static_cast<std::size_t>(img.numel()));
  }
  EXPECT_EQ(labels, exp["first20_labels"].get<std::vector<std::int64_t>>());
  EXPECT_EQ(sums, exp["first20_img_uint8_sums"].get<std::vector<std::int64_t>>());
  std::string file = datasets_dir() + "/expected/" + exp["first20_images_file"].get<std::string>();
  EXPECT_TRUE(bytes == Env::system().read_file(file)) << "the first 20 images differ from " << file;
  // All labels through get_gt_labels, as many as the dataset has.
  EXPECT_EQ(ds.get_gt_labels().size(), ds.size());
}

// The fixture files are the ones expected.json describes.
TEST(DatasetsOracle, FixtureFilesMatchTheirMd5) {
  const ordered_json& files = expected()["fixture_files"];
  ASSERT_FALSE(files.empty());
  for (const auto& [rel, info] : files.items()) {
    EXPECT_EQ(calculate_md5(datasets_dir() + "/" + rel), info["md5"].get<std::string>()) << rel;
  }
}

// Every entry of expected.json named after a registered dataset type whose data
// is a fixture folder of the oracle (datasets/<type in lower case>/), every
// split it records.
TEST(DatasetsOracle, EveryFixtureDatasetMatchesMMPretrain) {
  registry::ScopeGuard scope("mmpretrain");
  int checked = 0;
  for (const auto& [name, entry] : expected().items()) {
    std::string folder = name;
    for (char& c : folder) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string root = datasets_dir() + "/" + folder;
    if (!entry.is_object() || !DATASETS().get(name) || !fs::is_directory(root)) continue;
    for (const auto& [split, exp] : entry.items()) {
      if (!exp.is_object() || !exp.contains("len")) continue;
      std::string kwargs = ", split='" + split + "'";
      auto ds = DATASETS().build(
          cfg("dict(type='" + name + "', data_root='" + root + "'" + kwargs + ")"));
      check_dataset(dynamic_cast<BaseDataset&>(*ds), exp, name + "/" + split);
      ++checked;
    }
  }
  EXPECT_GT(checked, 0) << "no fixture dataset entry in expected.json";
}

TEST(DatasetsOracle, Cifar10ClassesFromTheMetaFile) {
  // As the oracle: the class with METAINFO = {} reads batches.meta's label_names.
  CifarSpec spec = CifarSpec::cifar10();
  spec.metainfo = Value::dict(false);
  for (const auto& [split, exp] : expected()["CIFAR10_classes_from_meta_file"].items()) {
    if (!exp.is_object() || !exp.contains("len")) continue;
    PretrainDatasetOptions o;
    o.base.data_root = datasets_dir() + "/cifar10";
    auto ds = data::make_dataset<CIFAR10>(o, split, false, spec);
    check_dataset(*ds, exp, "CIFAR10_classes_from_meta_file/" + split);
  }
}

TEST(DatasetsOracle, Cifar10BinaryLayoutEqualsThePickles) {
  const ordered_json& exp = expected()["cifar10_binary_layout"];
  // A root holding only the binary folder (the fixture has both layouts).
  fs::path root =
      fs::path(::testing::TempDir()) / ("mmcpp_cifar_bin_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  fs::create_directory_symlink(datasets_dir() + "/cifar10/cifar-10-batches-bin",
                               root / "cifar-10-batches-bin");
  for (const auto& [split, file] :
       {std::pair<std::string, std::string>{"train", "data_batch_1.bin"},
        {"test", "test_batch.bin"}}) {
    SCOPED_TRACE(split);
    auto bin = DATASETS().build(cfg("dict(type='CIFAR10', data_root='" + root.string() +
                                    "', split='" + split + "', metainfo=dict(classes=None))"));
    auto py = DATASETS().build(cfg("dict(type='CIFAR10', data_root='" + datasets_dir() +
                                   "/cifar10', split='" + split + "')"));
    const ordered_json& e = exp[file];
    ASSERT_EQ(bin->size(), e["records"].get<std::size_t>());
    std::vector<std::int64_t> labels, sums;
    for (std::size_t i = 0; i < e["first20_labels"].size(); ++i) {
      labels.push_back(bin->get_cat_ids(i).at(0));
      sums.push_back(bin->get_data_info(i).arrays.at("img").sum().item<std::int64_t>());
    }
    EXPECT_EQ(labels, e["first20_labels"].get<std::vector<std::int64_t>>());
    EXPECT_EQ(sums, e["first20_img_uint8_sums"].get<std::vector<std::int64_t>>());
    ASSERT_EQ(bin->size(), py->size());
    for (std::size_t i = 0; i < bin->size(); ++i) {
      ASSERT_TRUE(torch::equal(bin->get_data_info(i).arrays.at("img"),
                               py->get_data_info(i).arrays.at("img")))
          << "image " << i;
      ASSERT_EQ(bin->get_cat_ids(i), py->get_cat_ids(i)) << "label " << i;
    }
    EXPECT_EQ(*dynamic_cast<BaseDataset&>(*bin).CLASSES(),
              exp["batches.meta.txt"].get<std::vector<std::string>>());
  }
  fs::remove_all(root);
}

TEST(DatasetsOracle, MissingCifarGivesTheStockMessageAndMore) {
  // The stock classes refuse the reduced fixture (md5 of the real files); ours
  // read it (see cifar.h), but an empty root gives the same message, extended.
  fs::path empty =
      fs::path(::testing::TempDir()) / ("mmcpp_cifar_none_" + std::to_string(::getpid()));
  fs::create_directories(empty);
  for (const char* name : {"CIFAR10", "CIFAR100"}) {
    std::string stock =
        expected()["stock_classes_on_fixture"]["results"][std::string(name) + "/train"]["message"]
            .get<std::string>();
    std::string prefix = stock.substr(0, stock.find("<data_root>")) + empty.string() + "/";
    try {
      DATASETS().build(
          cfg(std::string("dict(type='") + name + "', data_root='" + empty.string() + "')"));
      ADD_FAILURE() << name << " built from an empty folder";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), "RuntimeError");
      EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << e.what();
    }
  }
  fs::remove_all(empty);
}

TEST(DatasetsOracle, FashionMnistFromTheDebianPackage) {
  const ordered_json& exp = expected()["FashionMNIST"];
  for (const auto& [file, md5] : exp["package_md5"].items()) {
    std::string path = std::string(kFashionDir) + "/" + file;
    // A test dependency (scripts/install-deps.sh installs it): absent is a failure.
    ASSERT_TRUE(fs::exists(path)) << path << " is absent: install Debian's dataset-fashion-mnist "
                                  << "(apt install dataset-fashion-mnist; scripts/install-deps.sh "
                                     "does)";
    ASSERT_EQ(calculate_md5(path), md5.get<std::string>()) << path << " is not the oracle's file";
  }
  int checked = 0;
  for (const auto& [entry, e] : exp.items()) {
    if (!e.is_object() || !e.contains("kwargs")) continue;
    ++checked;
    std::string kwargs;
    for (const auto& [k, v] : e["kwargs"].items())
      kwargs +=
          ", " + k + "=" +
          (v.is_boolean() ? (v.get<bool>() ? "True" : "False") : "'" + v.get<std::string>() + "'");
    auto ds = DATASETS().build(cfg("dict(type='FashionMNIST', data_root='" +
                                   std::string(kFashionDir) + "'" + kwargs + ")"));
    check_dataset(dynamic_cast<BaseDataset&>(*ds), e, "FashionMNIST/" + entry);
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace mmcpp::pretrain
