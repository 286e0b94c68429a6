// Unreadable images in a dataset: an error naming the sample, the file and the
// transform; skipped in training only when the user opts in with
// LoadImageFromFile(ignore_empty=True), with a warning through the logger
// naming the file; never substituted by the val/test loaders.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/data/base_dataset.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {
namespace {

namespace fs = std::filesystem;

class UnreadableImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("mmcpp_unreadable_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "a");
    cv::Mat img(4, 4, CV_8UC3, cv::Scalar(1, 2, 3));
    std::vector<uchar> png;
    cv::imencode(".png", img, png);
    for (const char* name : {"0.png", "1.png", "3.png"})
      std::ofstream(root_ / "a" / name, std::ios::binary)
          .write(reinterpret_cast<const char*>(png.data()),
                 static_cast<std::streamsize>(png.size()));
    std::ofstream(root_ / "a" / "2.png", std::ios::binary);  // empty: unreadable
  }
  void TearDown() override { fs::remove_all(root_); }

  std::shared_ptr<data::BaseDataset> dataset(bool ignore_empty) {
    std::string text = "c = dict(type='CustomDataset', data_prefix='" + root_.string() +
                       "', pipeline=[dict(type='LoadImageFromFile', ignore_empty=" +
                       (ignore_empty ? "True" : "False") + "), dict(type='PackInputs')])";
    return DATASETS().build(config::Config::fromstring(text, ".py").get("c")->deep_copy());
  }
  std::string broken() const { return (root_ / "a" / "2.png").string(); }

  fs::path root_;
};

std::string error_of(data::BaseDataset& ds, std::size_t index, bool training) {
  data::SampleContext ctx;
  ctx.seed = 5;
  ctx.training = training;
  try {
    ds.get(index, ctx);
  } catch (const Error& e) {
    return e.kind() + ": " + e.what();
  }
  return "no error";
}

TEST_F(UnreadableImageTest, WithoutOptInItIsAnErrorNamingSampleFileAndTransform) {
  auto ds = dataset(false);
  std::string err = error_of(*ds, 2, /*training=*/true);
  EXPECT_EQ(err.rfind("ValueError", 0), 0u) << err;
  EXPECT_NE(err.find("sample 2 of CustomDataset"), std::string::npos) << err;
  EXPECT_NE(err.find(broken()), std::string::npos) << err;
  EXPECT_NE(err.find("LoadImageFromFile: "), std::string::npos) << err;
  EXPECT_EQ(err.find("Cannot find valid image"), std::string::npos) << err;
}

TEST_F(UnreadableImageTest, OptInSkipsItInTrainingWithAWarningInTheLog) {
  auto ds = dataset(true);
  const std::string log_path = (root_ / "run.log").string();
  {
    auto logger = std::make_shared<Logger>("mmengine");
    logger->set_console(false);
    logger->add_file(log_path);
    CurrentLoggerScope scope(logger);
    data::SampleContext ctx;
    ctx.seed = 5;
    ctx.training = true;
    data::Sample s = ds->get(2, ctx);  // another sample instead
    EXPECT_NE(s.data_sample->metainfo().as_dict().find("img_path")->as_str(), broken());
  }
  std::ifstream in(log_path);
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("WARNING - LoadImageFromFile: skipping " + broken()), std::string::npos)
      << log;
  // The val / test loaders never substitute a sample.
  std::string err = error_of(*ds, 2, /*training=*/false);
  EXPECT_NE(err.find(broken()), std::string::npos) << err;
  EXPECT_NE(err.find("never replace"), std::string::npos) << err;
}

}  // namespace
}  // namespace mmcpp::pretrain
