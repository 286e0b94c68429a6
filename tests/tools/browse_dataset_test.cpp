// `mmcpp browse-dataset`: in transformed mode the PNG is exactly the image the
// training pipeline produces for that sample in epoch 0 (same seed), original
// mode honours --rescale-factor, and concat puts both side by side.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/data/base_dataset.h"
#include "mmcpp/registry/registry.h"
#include "mmcpp/registry/root.h"

namespace mmcpp {
namespace {

namespace fs = std::filesystem;

const char* kFashionMnist = "/usr/share/datasets/fashion-mnist";

class BrowseDataset : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(std::string(kFashionMnist) + "/t10k-images-idx3-ubyte.gz")) {
      GTEST_SKIP() << "Fashion-MNIST is not installed in " << kFashionMnist
                   << " (apt install dataset-fashion-mnist)";
    }
    dir_ = fs::temp_directory_path() / ("mmcpp_browse_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "cfg.py") << dataset_cfg_text_;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  int browse(const std::string& mode, const std::string& extra = "") {
    const std::string cmd = std::string(MMCPP_BINARY) + " browse-dataset " +
                            (dir_ / "cfg.py").string() + " -o " + (dir_ / mode).string() + " -m " +
                            mode + " -n 3 " + extra + " > " + (dir_ / "log.txt").string() + " 2>&1";
    return std::system(cmd.c_str());
  }

  fs::path dir_;
  const std::string dataset_cfg_text_ =
      "default_scope = 'mmpretrain'\n"
      "randomness = dict(seed=5)\n"
      "train_dataloader = dict(batch_size=2, dataset=dict(type='FashionMNIST', data_root='" +
      std::string(kFashionMnist) +
      "', test_mode=True, pipeline=[dict(type='RandomCrop', crop_size=20), "
      "dict(type='RandomFlip', prob=0.5), dict(type='PackInputs')]))\n";
};

TEST_F(BrowseDataset, TransformedPngIsThePipelineOutput) {
  ASSERT_EQ(browse("transformed"), 0);
  config::Config cfg = config::Config::fromfile((dir_ / "cfg.py").string());
  registry::ScopeGuard scope("mmpretrain");
  auto dataset =
      registry::DATASETS().build(*cfg.get("train_dataloader")->as_dict().find("dataset"));
  for (std::size_t i = 0; i < 3; ++i) {
    data::SampleContext ctx;
    ctx.seed = data::sample_seed(5, 0, i);
    ctx.training = true;
    const torch::Tensor expected = dataset->get(i, ctx).inputs;  // (1, 20, 20) uint8
    const cv::Mat png = cv::imread((dir_ / "transformed" / (std::to_string(i) + ".png")).string(),
                                   cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(png.empty()) << i;
    const torch::Tensor got = mmcpp::mmcv::as_tensor(png).clone();
    EXPECT_TRUE(torch::equal(got, expected.squeeze(0))) << "sample " << i;
  }
}

TEST_F(BrowseDataset, OriginalRescaledAndConcat) {
  ASSERT_EQ(browse("original", "-r 2"), 0);
  const cv::Mat original = cv::imread((dir_ / "original" / "0.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(original.empty());
  EXPECT_EQ(original.rows, 56);
  EXPECT_EQ(original.cols, 56);

  ASSERT_EQ(browse("concat"), 0);
  const cv::Mat concat = cv::imread((dir_ / "concat" / "1.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(concat.empty());
  EXPECT_EQ(concat.rows, 28);
  EXPECT_EQ(concat.cols, 28 + 20);
}

TEST_F(BrowseDataset, WithoutOutputDirIsAClearError) {
  const std::string cmd = std::string(MMCPP_BINARY) + " browse-dataset " +
                          (dir_ / "cfg.py").string() + " > " + (dir_ / "log.txt").string() +
                          " 2>&1";
  EXPECT_NE(std::system(cmd.c_str()), 0);
  std::ifstream log(dir_ / "log.txt");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("--output-dir"), std::string::npos) << text;
}

}  // namespace
}  // namespace mmcpp
