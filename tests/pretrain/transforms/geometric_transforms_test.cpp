// Unit tests of the loading / geometric / formatting transforms: argument
// validation, draws from the Rng, errors naming files, values, wrappers.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <tuple>

#include <unistd.h>
#include <opencv2/imgcodecs.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/data/transform.h"
#include "mmcpp/data/tta_views.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/wrappers.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {
namespace {

using config::Value;

Value parse(const std::string& text) {
  return config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy();
}

data::TransformPtr build(const std::string& cfg) {
  registry::ScopeGuard scope("mmpretrain");
  return data::build_transform(parse(cfg));
}

std::string build_error(const std::string& cfg) {
  try {
    build(cfg);
  } catch (const Error& e) {
    return e.kind();
  }
  return "";
}

torch::Tensor test_image(int h = 48, int w = 64) {
  return torch::arange(h * w * 3, torch::kInt64)
      .remainder(251)
      .to(torch::kUInt8)
      .reshape({h, w, 3});
}

data::Results results_with(torch::Tensor img) {
  data::Results r;
  r.info.as_dict().set(Value("ori_shape"), Value::tuple({Value(img.size(0)), Value(img.size(1))}));
  r.set_img(std::move(img));
  return r;
}

torch::Tensor run(const data::TransformPtr& t, std::uint64_t seed, torch::Tensor img) {
  data::Results r = results_with(std::move(img));
  Rng rng(seed);
  EXPECT_TRUE(t->transform(r, rng));
  return r.img().contiguous();
}

TEST(GeometricTransforms, ArgumentErrors) {
  EXPECT_EQ(build_error("dict(type='Resize')"), "AssertionError");
  EXPECT_EQ(build_error("dict(type='Resize', scale=8, scale_factor=2)"), "TypeError");
  EXPECT_EQ(build_error("dict(type='Resize', scale=8, interpolation='cubic')"), "KeyError");
  EXPECT_EQ(build_error("dict(type='Resize', scale=8, backend='turbo')"), "ValueError");
  EXPECT_EQ(build_error("dict(type='Resize', scale=8, colour=1)"), "TypeError");  // unknown key
  EXPECT_EQ(build_error("dict(type='RandomFlip')"), "ValueError");  // prob=None, as MMCV
  EXPECT_EQ(build_error("dict(type='RandomFlip', prob=0.5, direction='sideways')"),
            "AssertionError");
  EXPECT_EQ(build_error("dict(type='RandomFlip', prob=[0.6, 0.6], direction=['horizontal', "
                        "'vertical'])"),
            "AssertionError");
  EXPECT_EQ(build_error("dict(type='RandomFlip', prob=[0.5], direction=['horizontal', "
                        "'vertical'])"),
            "AssertionError");
  EXPECT_EQ(build_error("dict(type='RandomResizedCrop', scale=8, crop_ratio_range=(1.0, 0.5))"),
            "ValueError");
  EXPECT_EQ(build_error("dict(type='RandomResizedCrop', scale=8, max_attempts=-1)"),
            "AssertionError");
  EXPECT_EQ(build_error("dict(type='RandomResizedCrop', scale=8, interpolation='box')"),
            "AssertionError");
  EXPECT_EQ(build_error("dict(type='RandomCrop', crop_size=0)"), "AssertionError");
  EXPECT_EQ(build_error("dict(type='RandomCrop', crop_size=8, padding_mode='wrap')"),
            "AssertionError");
  EXPECT_EQ(build_error("dict(type='RandomCrop', crop_size=8, padding=(1, 2, 3))"), "ValueError");
  EXPECT_EQ(build_error("dict(type='Pad', size=(8, 8), size_divisor=4)"), "AssertionError");
  EXPECT_EQ(build_error("dict(type='Pad')"), "AssertionError");
  EXPECT_EQ(build_error("dict(type='Pad', size=(8, 8), pad_to_square=True)"), "AssertionError");
  EXPECT_EQ(build_error("dict(type='CenterCrop', crop_size=(1, 2, 3))"), "AssertionError");
  EXPECT_EQ(build_error("dict(type='ResizeEdge', scale=8, edge='diagonal')"), "AssertionError");
  EXPECT_EQ(build_error("dict(type='EfficientNetRandomCrop', scale=(8, 8))"), "AssertionError");
  EXPECT_EQ(build_error("dict(type='LoadImageFromFile', imdecode_backend='pillow')"), "ValueError");
  EXPECT_EQ(build_error("dict(type='LoadImageFromFile', color_type='sepia')"), "ValueError");
  EXPECT_EQ(build_error("dict(type='LoadImageFromFile', file_client_args=dict(), "
                        "backend_args=dict())"),
            "ValueError");
  EXPECT_EQ(build_error("dict(type='RandomChoice', transforms=[[], []], prob=[0.1, 0.2])"),
            "AssertionError");
}

TEST(GeometricTransforms, RandomDrawsComeFromTheRng) {
  for (const char* cfg : {"dict(type='RandomFlip', prob=0.5, direction=['horizontal', "
                          "'vertical', 'diagonal'])",
                          "dict(type='RandomCrop', crop_size=24, padding=4)",
                          "dict(type='RandomResizedCrop', scale=16)"}) {
    auto t = build(cfg);
    EXPECT_TRUE(torch::equal(run(t, 7, test_image()), run(t, 7, test_image()))) << cfg;
    int differing = 0;
    const torch::Tensor base = run(t, 1, test_image());
    for (std::uint64_t seed = 2; seed < 12; ++seed) {
      differing += !torch::equal(base, run(t, seed, test_image()));
    }
    EXPECT_GT(differing, 0) << cfg << ": the output never depends on the seed";
  }
}

TEST(GeometricTransforms, RandomFlipReplaysRecordedDirection) {
  auto t = build("dict(type='RandomFlip', prob=[0.3, 0.3], direction=['horizontal', 'vertical'])");
  data::Results r = results_with(test_image());
  const torch::Tensor before = r.img().clone();
  Rng rng(0);
  rng.replay({{"RandomFlip._choose_direction", Value("vertical")}});
  ASSERT_TRUE(t->transform(r, rng));
  EXPECT_TRUE(torch::equal(r.img(), before.flip({0})));
  EXPECT_EQ(r.info.as_dict().find("flip_direction")->as_str(), "vertical");
  EXPECT_TRUE(r.info.as_dict().find("flip")->as_bool());
  EXPECT_EQ(rng.replay_left(), 0u);
  // None: no flip.
  data::Results r2 = results_with(test_image());
  Rng rng2(0);
  rng2.replay({{"RandomFlip._choose_direction", Value()}});
  ASSERT_TRUE(t->transform(r2, rng2));
  EXPECT_FALSE(r2.info.as_dict().find("flip")->as_bool());
  EXPECT_TRUE(r2.info.as_dict().find("flip_direction")->is_none());
}

TEST(GeometricTransforms, FlipProbabilities) {
  auto t = build("dict(type='RandomFlip', prob=0.25)");
  int flipped = 0;
  for (std::uint64_t s = 0; s < 2000; ++s) {
    data::Results r = results_with(test_image(4, 4));
    Rng rng(s);
    t->transform(r, rng);
    flipped += r.info.as_dict().find("flip")->as_bool();
  }
  EXPECT_NEAR(flipped / 2000.0, 0.25, 0.04);
}

class TempDir {
 public:
  TempDir() {
    path_ =
        std::filesystem::temp_directory_path() / ("mmcpp_load_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name, const std::string& content) const {
    const std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

TEST(LoadImageFromFile, ErrorsNameTheFile) {
  TempDir dir;
  const std::string corrupt = dir.file("broken.jpg", "this is not a jpeg at all");
  auto load = build("dict(type='LoadImageFromFile')");
  data::Results r;
  r.info.as_dict().set(Value("img_path"), Value(corrupt));
  Rng rng(0);
  try {
    load->transform(r, rng);
    ADD_FAILURE() << "a corrupt file loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "AssertionError");
    EXPECT_NE(std::string(e.what()).find(corrupt), std::string::npos) << e.what();
  }
  const std::string missing = corrupt + ".missing";
  r.info.as_dict().set(Value("img_path"), Value(missing));
  try {
    load->transform(r, rng);
    ADD_FAILURE() << "a missing file loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "FileNotFoundError");
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  // ignore_empty drops missing and empty files (MMCV's except branch)...
  auto lenient = build("dict(type='LoadImageFromFile', ignore_empty=True)");
  EXPECT_FALSE(lenient->transform(r, rng));
  r.info.as_dict().set(Value("img_path"), Value(dir.file("empty.png", "")));
  EXPECT_FALSE(lenient->transform(r, rng));
  // ... but, as in MMCV, not undecodable ones.
  r.info.as_dict().set(Value("img_path"), Value(corrupt));
  EXPECT_THROW(lenient->transform(r, rng), Error);
}

TEST(LoadImageFromFile, ColorTypesAndFloat) {
  TempDir dir;
  cv::Mat img(5, 7, CV_8UC3, cv::Scalar(10, 20, 30));
  std::vector<uchar> png;
  cv::imencode(".png", img, png);
  const std::string path = dir.file("a.png", std::string(png.begin(), png.end()));
  for (const auto& [cfg, shape, dtype] :
       std::vector<std::tuple<std::string, std::vector<std::int64_t>, torch::ScalarType>>{
           {"dict(type='LoadImageFromFile')", {5, 7, 3}, torch::kUInt8},
           {"dict(type='LoadImageFromFile', color_type='grayscale')", {5, 7}, torch::kUInt8},
           {"dict(type='LoadImageFromFile', to_float32=True)", {5, 7, 3}, torch::kFloat32}}) {
    data::Results r;
    r.info.as_dict().set(Value("img_path"), Value(path));
    Rng rng(0);
    ASSERT_TRUE(build(cfg)->transform(r, rng));
    EXPECT_EQ(r.img().sizes().vec(), shape) << cfg;
    EXPECT_EQ(r.img().scalar_type(), dtype) << cfg;
    EXPECT_EQ(r.info.as_dict().find("img_shape")->repr(), "(5, 7)");
    EXPECT_EQ(r.info.as_dict().find("ori_shape")->repr(), "(5, 7)");
  }
  EXPECT_EQ(build("dict(type='LoadImageFromFile')")->repr(),
            "LoadImageFromFile(ignore_empty=False, to_float32=False, color_type='color', "
            "imdecode_backend='cv2', backend_args=None)");
}

TEST(Normalize, ValuesAndRepr) {
  auto t = build(
      "dict(type='Normalize', mean=[123.675, 116.28, 103.53], "
      "std=[58.395, 57.12, 57.375], to_rgb=True)");
  torch::Tensor img = torch::zeros({2, 2, 3}, torch::kUInt8);
  img.index_put_({0, 0}, torch::tensor({10, 20, 30}, torch::kUInt8));  // B, G, R
  data::Results r = results_with(img);
  Rng rng(0);
  ASSERT_TRUE(t->transform(r, rng));
  ASSERT_EQ(r.img().scalar_type(), torch::kFloat32);
  const torch::Tensor px = r.img().index({0, 0});
  // RGB order after to_rgb: R=30, G=20, B=10.
  EXPECT_NEAR(px[0].item<float>(), (30 - 123.675f) / 58.395f, 1e-5);
  EXPECT_NEAR(px[1].item<float>(), (20 - 116.28f) / 57.12f, 1e-5);
  EXPECT_NEAR(px[2].item<float>(), (10 - 103.53f) / 57.375f, 1e-5);
  EXPECT_TRUE(r.info.as_dict().contains("img_norm_cfg"));
  EXPECT_EQ(t->repr(),
            "Normalize(mean=[123.675 116.28  103.53 ], std=[58.395 57.12  57.375], to_rgb=True)");
  EXPECT_EQ(build("dict(type='Normalize', mean=[0, 0, 0], std=[1, 1, 1], to_rgb=False)")->repr(),
            "Normalize(mean=[0. 0. 0.], std=[1. 1. 1.], to_rgb=False)");
}

TEST(GeometricTransforms, Reprs) {
  EXPECT_EQ(build("dict(type='Resize', scale=224)")->repr(),
            "Resize(scale=(224, 224), scale_factor=None, keep_ratio=False, "
            "clip_object_border=True), backend=cv2), interpolation=bilinear)");
  EXPECT_EQ(build("dict(type='RandomFlip', prob=0.5)")->repr(),
            "RandomFlip(prob=0.5, direction=horizontal)");
  EXPECT_EQ(build("dict(type='RandomResizedCrop', scale=224)")->repr(),
            "RandomResizedCrop(scale=(224, 224), crop_ratio_range=(0.08, 1.0), "
            "aspect_ratio_range=(0.75, 1.3333), max_attempts=10, interpolation=bilinear, "
            "backend=cv2)");
  EXPECT_EQ(build("dict(type='RandomCrop', crop_size=32, padding=4)")->repr(),
            "RandomCrop(crop_size=(32, 32), padding=4, pad_if_needed=False, pad_val=0, "
            "padding_mode=constant)");
  EXPECT_EQ(build("dict(type='ResizeEdge', scale=256)")->repr(),
            "ResizeEdge(scale=256, edge=short, backend=cv2, interpolation=bilinear)");
  EXPECT_EQ(build("dict(type='PackInputs')")->repr(),
            "PackInputs(input_key='img', algorithm_keys=(), meta_keys=('sample_idx', "
            "'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip', 'flip_direction'))");
}

TEST(GeometricTransforms, CropsAreViews) {
  auto t = build("dict(type='CenterCrop', crop_size=16)");
  data::Results r = results_with(test_image());
  const auto* base = r.img().data_ptr<std::uint8_t>();
  const auto storage_bytes = r.img().numel();
  Rng rng(0);
  ASSERT_TRUE(t->transform(r, rng));
  const auto* crop = r.img().data_ptr<std::uint8_t>();
  EXPECT_GE(crop, base);
  EXPECT_LT(crop, base + storage_bytes) << "CenterCrop copied the pixels";
  EXPECT_EQ(r.img().sizes().vec(), (std::vector<std::int64_t>{16, 16, 3}));
  EXPECT_EQ(r.info.as_dict().find("img_shape")->repr(), "(16, 16)");
  // The view keeps the original storage alive (nothing else holds it here).
  EXPECT_TRUE(torch::equal(r.img(), test_image().slice(0, 16, 32).slice(1, 24, 40)));

  auto random_crop = build("dict(type='RandomCrop', crop_size=(20, 30))");
  data::Results rc = results_with(test_image());
  const torch::Tensor original = rc.img();
  ASSERT_TRUE(random_crop->transform(rc, rng));
  EXPECT_TRUE(rc.img().storage().is_alias_of(original.storage())) << "RandomCrop copied";
}

TEST(GeometricTransforms, ResizeRecordsScales) {
  auto t = build("dict(type='Resize', scale=(32, 20), keep_ratio=True)");
  data::Results r = results_with(test_image(48, 64));
  Rng rng(0);
  ASSERT_TRUE(t->transform(r, rng));
  // min(32 / 64, 20 / 48) = 0.4167 -> (27, 20).
  EXPECT_EQ(r.img().sizes().vec(), (std::vector<std::int64_t>{20, 27, 3}));
  EXPECT_EQ(r.info.as_dict().find("scale")->repr(), "(32, 20)");
  EXPECT_EQ(r.info.as_dict().find("keep_ratio")->repr(), "True");
  // gt_bboxes follow the image.
  auto t2 = build("dict(type='Resize', scale_factor=0.5)");
  data::Results r2 = results_with(test_image(48, 64));
  r2.arrays["gt_bboxes"] = torch::tensor({{10.0f, 4.0f, 60.0f, 40.0f}});
  ASSERT_TRUE(t2->transform(r2, rng));
  EXPECT_TRUE(torch::allclose(r2.arrays["gt_bboxes"], torch::tensor({{5.0f, 2.0f, 30.0f, 20.0f}})));
  EXPECT_EQ(r2.info.as_dict().find("scale")->repr(), "(32, 24)");
}

TEST(Wrappers, RandomApplyAndRandomChoice) {
  auto apply = build(
      "dict(type='RandomApply', transforms=[dict(type='RandomFlip', prob=1.0)], "
      "prob=0.5)");
  int applied = 0;
  for (std::uint64_t s = 0; s < 400; ++s) {
    data::Results r = results_with(test_image(4, 4));
    Rng rng(s);
    ASSERT_TRUE(apply->transform(r, rng));
    applied += r.info.as_dict().contains("flip");
  }
  EXPECT_GT(applied, 150);
  EXPECT_LT(applied, 250);
  // Replay: the recorded decision wins.
  data::Results r = results_with(test_image(4, 4));
  Rng rng(0);
  rng.replay({{"RandomApply.random_apply", Value(false)}});
  ASSERT_TRUE(apply->transform(r, rng));
  EXPECT_FALSE(r.info.as_dict().contains("flip"));

  auto choice = build(
      "dict(type='RandomChoice', transforms=[[dict(type='Resize', scale=8)], "
      "[dict(type='Resize', scale=4)]], prob=[0.25, 0.75])");
  int small = 0;
  for (std::uint64_t s = 0; s < 400; ++s) {
    data::Results rr = results_with(test_image(16, 16));
    Rng rng2(s);
    ASSERT_TRUE(choice->transform(rr, rng2));
    small += rr.img().size(0) == 4;
  }
  EXPECT_GT(small, 250);
  EXPECT_LT(small, 350);
  data::Results rr = results_with(test_image(16, 16));
  Rng rng3(0);
  rng3.replay({{"RandomChoice.random_pipeline_index", Value(0)}});
  ASSERT_TRUE(choice->transform(rr, rng3));
  EXPECT_EQ(rr.img().size(0), 8);
}

TEST(Wrappers, TestTimeAugBranches) {
  auto tta = build(
      "dict(type='TestTimeAug', transforms=[[dict(type='Resize', scale=8), "
      "dict(type='Resize', scale=12)], [dict(type='RandomFlip', prob=0.0), "
      "dict(type='RandomFlip', prob=1.0)], [dict(type='PackInputs')]])");
  data::Results r = results_with(test_image(16, 16));
  r.info.as_dict().set(Value("gt_label"), Value(2));
  Rng rng(0);
  ASSERT_TRUE(tta->transform(r, rng));
  const auto* branches = tta_branches(r);
  ASSERT_NE(branches, nullptr);
  ASSERT_EQ(branches->size(), 4u);
  const std::vector<std::int64_t> sizes = {8, 8, 12, 12};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& b = (*branches)[i];
    ASSERT_TRUE(b.packed.has_value());
    EXPECT_EQ(b.packed->inputs.sizes().vec(), (std::vector<std::int64_t>{3, sizes[i], sizes[i]}));
    EXPECT_EQ(b.packed->data_sample->metainfo().as_dict().find("flip")->as_bool(), i % 2 == 1);
    EXPECT_EQ(b.packed->data_sample->gt_label().item<std::int64_t>(), 2);
  }
  // The results now carry the branches only, packed as one augmented sample.
  EXPECT_EQ(r.arrays.size(), 0u);
  ASSERT_TRUE(r.packed.has_value());
  EXPECT_FALSE(r.packed->inputs.defined());
  const auto* views = data::tta_views(*r.packed->data_sample);
  ASSERT_NE(views, nullptr);
  ASSERT_EQ(views->size(), 4u);
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_TRUE((*views)[i].inputs.equal((*branches)[i].packed->inputs));
  EXPECT_EQ(r.packed->data_sample->gt_label().item<std::int64_t>(), 2);
  EXPECT_NE(tta->repr().find("TestTimeAug"), std::string::npos);
}

TEST(PackInputs, LabelsAndLayout) {
  auto pack = build("dict(type='PackInputs', algorithm_keys=['extra'], meta_keys=['img_shape'])");
  data::Results r = results_with(test_image(5, 6));
  r.info.as_dict().set(Value("gt_label"), Value::list({Value(1), Value(4)}));
  r.info.as_dict().set(Value("gt_score"), Value::list({Value(0.25), Value(0.75)}));
  r.arrays["extra"] = torch::ones({2});
  const torch::Tensor hwc = r.img().clone();
  Rng rng(0);
  ASSERT_TRUE(pack->transform(r, rng));
  ASSERT_TRUE(r.packed.has_value());
  const auto& in = r.packed->inputs;
  EXPECT_TRUE(in.is_contiguous());
  EXPECT_TRUE(torch::equal(in, hwc.permute({2, 0, 1})));
  const auto& ds = *r.packed->data_sample;
  EXPECT_EQ(ds.gt_label().scalar_type(), torch::kInt64);
  EXPECT_EQ(ds.gt_label().numel(), 2);
  EXPECT_EQ(ds.get("gt_score").scalar_type(), torch::kFloat32);
  EXPECT_EQ(ds.metainfo().as_dict().find("num_classes")->as_int(), 2);
  EXPECT_TRUE(ds.has("extra"));
  EXPECT_EQ(ds.metainfo().as_dict().find("img_shape")->repr(), "(5, 6)");
  EXPECT_FALSE(ds.metainfo().as_dict().contains("ori_shape"));
  // A 2-D image gets a channel axis.
  data::Results g = results_with(torch::zeros({3, 4}, torch::kUInt8));
  ASSERT_TRUE(pack->transform(g, rng));
  EXPECT_EQ(g.packed->inputs.sizes().vec(), (std::vector<std::int64_t>{1, 3, 4}));
}

// Report-only measurement (run with --gtest_also_run_disabled_tests).
TEST(GeometricTransforms, DISABLED_TimeRandomResizedCropFlip) {
  auto pipeline = [] {
    registry::ScopeGuard scope("mmpretrain");
    return data::Compose::from_list(
        parse("[dict(type='RandomResizedCrop', scale=224), dict(type='RandomFlip', prob=0.5)]"));
  }();
  const torch::Tensor img = test_image(256, 320);
  const int n = 2000;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    data::Results r = results_with(img);
    Rng rng(i);
    pipeline->transform(r, rng);
  }
  const double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / n;
  std::printf("[ measure  ] RandomResizedCrop(224)+RandomFlip on 320x256: %.1f us/image\n", us);
}

}  // namespace
}  // namespace mmcpp::pretrain
