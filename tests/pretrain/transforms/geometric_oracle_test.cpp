// The geometric transforms against MMPretrain/MMCV's outputs (the transform
// oracle, MMCPP_ORACLE_DIR/transforms): every case whose transform is one of
// ours, with its recorded random draws replayed.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "mmcpp/cv/image/io.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/pretrain/transforms/loading.h"
#include "tests/support/oracle.h"
#include "tests/support/transform_oracle.h"

namespace mmcpp::testing {
namespace {

const std::vector<std::string> kTypes = {"Resize",
                                         "ResizeEdge",
                                         "CenterCrop",
                                         "RandomCrop",
                                         "RandomResizedCrop",
                                         "EfficientNetRandomCrop",
                                         "EfficientNetCenterCrop",
                                         "RandomFlip",
                                         "Pad"};

std::string transforms_dir() { return oracle_dir() + "/transforms"; }

class GeometricOracle : public ::testing::TestWithParam<std::string> {};

TEST_P(GeometricOracle, MatchesMMPretrain) {
  const TransformCase c = load_transform_case(GetParam());
  const data::Results got = run_transform_case(c);
  expect_matches_oracle(c, got);
  expect_results_after(c, got);
}

INSTANTIATE_TEST_SUITE_P(Cases, GeometricOracle, ::testing::ValuesIn(transform_case_names(kTypes)),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GeometricOracle);

TEST(GeometricOracleSet, HasEveryType) {
  if (transform_case_names().empty()) GTEST_SKIP() << "transform oracle absent (MMCPP_ORACLE_DIR)";
  for (const auto& type : kTypes) {
    EXPECT_FALSE(transform_case_names({type}).empty()) << "no oracle case for " << type;
  }
  EXPECT_GE(transform_case_names(kTypes).size(), 40u);
}

// The JPEG cases depend on the decoder: ours must give what MMPretrain saw.
TEST(GeometricOracleSet, JpegDecodeMatchesCv2) {
  if (transform_case_names().empty()) GTEST_SKIP() << "transform oracle absent (MMCPP_ORACLE_DIR)";
  const cv::Mat mine = mmcpp::mmcv::imread(transforms_dir() + "/images/rocket.jpg");
  const cv::Mat ref =
      cv::imread(transforms_dir() + "/images/rocket_cv2_decoded.png", cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(ref.empty());
  ASSERT_EQ(mine.size(), ref.size());
  ASSERT_EQ(mine.type(), ref.type());
  EXPECT_EQ(cv::norm(mine, ref, cv::NORM_INF), 0.0)
      << "this OpenCV/libjpeg decodes rocket.jpg differently from OpenCV 4.6 / libjpeg-turbo";
}

// LoadImageFromFile gives the arrays the oracle started from.
TEST(GeometricOracleSet, LoadImageFromFileMatchesInputs) {
  if (transform_case_names().empty()) GTEST_SKIP() << "transform oracle absent (MMCPP_ORACLE_DIR)";
  for (const char* name : {"chelsea.png", "coffee.png", "astronaut_crop.png", "rocket.jpg"}) {
    pretrain::LoadImageFromFile load({});
    data::Results r;
    r.info.as_dict().set(config::Value("img_path"),
                         config::Value(transforms_dir() + "/images/" + name));
    Rng rng(0);
    ASSERT_TRUE(load.transform(r, rng));
    const cv::Mat ref = cv::imread(transforms_dir() + "/images/" + name, cv::IMREAD_COLOR);
    const cv::Mat mine = mmcpp::mmcv::as_mat(r.img());
    ASSERT_EQ(mine.size(), ref.size()) << name;
    EXPECT_EQ(cv::norm(mine, ref, cv::NORM_INF), 0.0) << name;
    EXPECT_EQ(r.info.as_dict().find("ori_shape")->repr(),
              config::Value::tuple({config::Value(ref.rows), config::Value(ref.cols)}).repr());
  }
}

}  // namespace
}  // namespace mmcpp::testing
