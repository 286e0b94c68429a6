// Every case of the transform oracle (MMCPP_ORACLE_DIR/transforms/cases/*.json,
// whatever its transform type) against MMPretrain/MMCV's output, with its recorded
// random draws replayed: the image within the case's tolerance and the results
// dict's other keys. The input images are checked first (their md5 against the
// index, our decoder against the cv2 decodes the oracle ships).
//
// One test loops over the cases found at run time (not one test per case): the
// test names then do not depend on the folder the build was configured with, so
// MMCPP_ORACLE_DIR can point one build at another oracle folder.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <iostream>
#include <map>

#include "mmcpp/core/env.h"
#include "mmcpp/core/hash.h"
#include "mmcpp/cv/image/io.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/pretrain/transforms/loading.h"
#include "tests/support/oracle.h"
#include "tests/support/transform_oracle.h"

namespace mmcpp::testing {
namespace {

namespace fs = std::filesystem;

std::string transforms_dir() { return oracle_dir("transforms"); }

// index.json's "images": file name -> {md5, ...}.
nlohmann::ordered_json image_index() {
  return read_json_file(transforms_dir() + "/index.json").at("images");
}

bool is_cv2_decode(const std::string& name) {
  const std::string tail = "_cv2_decoded.png";
  return name.size() > tail.size() &&
         name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
}

TEST(TransformsOracle, EveryCaseMatchesMMPretrain) {
  const std::vector<std::string> names = transform_case_names();
  ASSERT_FALSE(names.empty()) << "no case in " << transforms_dir() << "/cases";
  std::map<std::string, int> per_type;
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const TransformCase c = load_transform_case(name);
    const data::Results r = run_transform_case(c);
    expect_matches_oracle(c, r);
    expect_results_after(c, r);
    ++per_type[c.spec.as_dict().find("transform")->as_dict().find("type")->as_str()];
    if (!r.has_img()) continue;
    const torch::Tensor got = r.img().contiguous();
    const torch::Tensor exp = mmcpp::mmcv::as_tensor(c.expected).contiguous();
    if (got.sizes() == exp.sizes()) {
      const torch::Tensor diff = (got.to(torch::kInt32) - exp.to(torch::kInt32)).abs();
      std::cout << "[ oracle   ] " << name << ": max |diff| " << diff.max().item<int>() << ", "
                << diff.gt(0).sum().item<std::int64_t>() << " of " << diff.numel()
                << " values differ\n";
    }
  }
  std::cout << "[ oracle   ] " << names.size() << " transform cases of " << per_type.size()
            << " types replayed\n";
}

// The oracle's input images are the files it describes.
TEST(TransformsOracle, ImagesMatchTheIndex) {
  const auto images = image_index();
  ASSERT_FALSE(images.empty());
  for (const auto& [name, info] : images.items()) {
    EXPECT_EQ(md5_hex(Env::system().read_file(transforms_dir() + "/images/" + name)),
              info.at("md5").get<std::string>())
        << name;
  }
}

// Cases from a JPEG depend on the decoder: ours must give what MMPretrain saw
// (<stem>_cv2_decoded.png, where the oracle ships one).
TEST(TransformsOracle, JpegDecodeMatchesCv2) {
  int compared = 0;
  const auto images = image_index();
  for (const auto& [name, info] : images.items()) {
    const fs::path path = fs::path(transforms_dir()) / "images" / name;
    const fs::path decoded = path.parent_path() / (path.stem().string() + "_cv2_decoded.png");
    if (!fs::exists(decoded)) continue;
    SCOPED_TRACE(name);
    const cv::Mat mine = mmcpp::mmcv::imread(path.string());
    const cv::Mat ref = cv::imread(decoded.string(), cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(ref.empty());
    ASSERT_EQ(mine.size(), ref.size());
    ASSERT_EQ(mine.type(), ref.type());
    EXPECT_EQ(cv::norm(mine, ref, cv::NORM_INF), 0.0)
        << "this OpenCV/libjpeg decodes " << name << " differently from OpenCV 4.6 / libjpeg-turbo";
    ++compared;
  }
  std::cout << "[ oracle   ] " << compared << " JPEG decodes compared with cv2's\n";
}

// LoadImageFromFile gives the arrays the oracle started from (every input image).
TEST(TransformsOracle, LoadImageFromFileMatchesInputs) {
  int loaded = 0;
  const auto images = image_index();
  for (const auto& [name, info] : images.items()) {
    if (is_cv2_decode(name)) continue;
    SCOPED_TRACE(name);
    const std::string path = transforms_dir() + "/images/" + name;
    pretrain::LoadImageFromFile load({});
    data::Results r;
    r.info.as_dict().set(config::Value("img_path"), config::Value(path));
    Rng rng(0);
    ASSERT_TRUE(load.transform(r, rng));
    const cv::Mat ref = cv::imread(path, cv::IMREAD_COLOR);
    const cv::Mat mine = mmcpp::mmcv::as_mat(r.img());
    ASSERT_EQ(mine.size(), ref.size());
    EXPECT_EQ(cv::norm(mine, ref, cv::NORM_INF), 0.0);
    EXPECT_EQ(r.info.as_dict().find("ori_shape")->repr(),
              config::Value::tuple({config::Value(ref.rows), config::Value(ref.cols)}).repr());
    if (info.contains("loaded_bgr_shape")) {
      EXPECT_EQ(std::vector<std::int64_t>({ref.rows, ref.cols, ref.channels()}),
                info["loaded_bgr_shape"].get<std::vector<std::int64_t>>());
    }
    ++loaded;
  }
  EXPECT_GT(loaded, 0);
}

}  // namespace
}  // namespace mmcpp::testing
