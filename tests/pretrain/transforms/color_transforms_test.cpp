// Unit tests of ColorJitter, Lighting, RandomErasing, RandomGrayscale and
// GaussianBlur: arguments and their validation, repr(), the random draws and
// their replay, shapes.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <opencv2/core.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/data/transform.h"
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

std::string error_kind(const std::string& cfg) {
  try {
    build(cfg);
  } catch (const Error& e) {
    return e.kind();
  }
  return "none";
}

data::Results results_with(const torch::Tensor& img) {
  data::Results r;
  r.set_img(img);
  return r;
}

torch::Tensor pattern(int h = 30, int w = 40) {
  return torch::arange(h * w * 3, torch::kInt64)
      .remainder(251)
      .to(torch::kUInt8)
      .reshape({h, w, 3});
}

torch::Tensor apply(const data::TransformPtr& t, const torch::Tensor& img, Rng& rng) {
  data::Results r = results_with(img.clone());
  EXPECT_TRUE(t->transform(r, rng));
  return r.img();
}

TEST(ColorJitter, RangesReprAndValidation) {
  auto t = build("dict(type='ColorJitter', brightness=0.4, hue=[-0.1, 0.2])");
  EXPECT_EQ(t->repr(),
            "ColorJitter(brightness=(0.6, 1.4), contrast=None, saturation=None, "
            "hue=(-0.1, 0.2))");
  // Clipped to the bounds.
  EXPECT_EQ(build("dict(type='ColorJitter', brightness=1.5, hue=0.7)")->repr(),
            "ColorJitter(brightness=(0.0, 2.5), contrast=None, saturation=None, hue=(-0.5, 0.5))");
  EXPECT_EQ(error_kind("dict(type='ColorJitter', contrast=-0.1)"), "ValueError");
  EXPECT_EQ(error_kind("dict(type='ColorJitter', saturation=[0.1, 0.2, 0.3])"), "TypeError");
  EXPECT_EQ(error_kind("dict(type='ColorJitter', backend='pil')"), "ValueError");
  EXPECT_EQ(error_kind("dict(type='ColorJitter', gamma=0.1)"), "TypeError");
}

TEST(ColorJitter, ReplaysRandParamsAndAppliesInOrder) {
  auto t = build("dict(type='ColorJitter', brightness=0.5, contrast=0.5)");
  Rng rng(0);
  rng.replay({{"ColorJitter._rand_params",
               Value::list({Value::list({Value(3), Value(2), Value(1), Value(0)}), Value(0.0),
                            Value(1.0), Value(), Value()})}});
  // Contrast 1.0 then brightness 0: black.
  EXPECT_EQ(apply(t, pattern(), rng).count_nonzero().item<std::int64_t>(), 0);
  // Without replay the same seed gives the same image, another seed another one.
  Rng a(7), b(7), c(8);
  const auto img = pattern();
  EXPECT_TRUE(torch::equal(apply(t, img, a), apply(t, img, b)));
  EXPECT_FALSE(torch::equal(apply(t, img, a), apply(t, img, c)));
}

TEST(Lighting, ArgumentsReprAndWrap) {
  const std::string cfg =
      "dict(type='Lighting', eigval=[10, 1, 1], eigvec=[[1, 0, 0], [0, 1, 0], [0, 0, 1]], "
      "alphastd=0.5)";
  auto t = build(cfg);
  EXPECT_EQ(t->repr(),
            "Lighting(eigval=[10, 1, 1], eigvec=[[1, 0, 0], [0, 1, 0], [0, 0, 1]], "
            "alphastd=0.5, to_rgb=False)");
  Rng rng(0);
  rng.replay({{"numpy.random.normal", Value::list({Value(1.0), Value(-30.0), Value(0.5)})}});
  torch::Tensor img = torch::full({2, 2, 3}, 20, torch::kUInt8);
  const torch::Tensor out = apply(t, img, rng);
  EXPECT_EQ(out[0][0][0].item<int>(), 30);
  EXPECT_EQ(out[0][0][1].item<int>(), 246);  // -10 wraps: no clipping in MMPretrain
  EXPECT_EQ(out[0][0][2].item<int>(), 20);
  EXPECT_EQ(error_kind("dict(type='Lighting', eigval=[1, 1, 1], eigvec=[[1, 0, 0]], alphastd=0.1)"),
            "AssertionError");
  EXPECT_EQ(error_kind("dict(type='Lighting', eigval=[1, 1, 1], "
                       "eigvec=[[1, 0, 0], [0, 1, 0], [0, 0, 1]], alphastd=1)"),
            "AssertionError");  // alphastd must be a float
  EXPECT_EQ(error_kind("dict(type='Lighting', eigvec=[[1]])"), "TypeError");  // eigval missing
}

TEST(RandomErasing, ValidationReprAndPatch) {
  EXPECT_EQ(build("dict(type='RandomErasing')")->repr(),
            "RandomErasing(erase_prob=0.5, min_area_ratio=0.02, max_area_ratio=0.4, "
            "aspect_range=(0.3, 3.3333333333333335), mode=const, fill_color=(128, 128, 128), "
            "fill_std=None)");
  EXPECT_EQ(build("dict(type='RandomErasing', aspect_range=2.0, fill_color=0)")->repr(),
            "RandomErasing(erase_prob=0.5, min_area_ratio=0.02, max_area_ratio=0.4, "
            "aspect_range=(0.5, 2.0), mode=const, fill_color=[0, 0, 0], fill_std=None)");
  EXPECT_EQ(error_kind("dict(type='RandomErasing', erase_prob=1)"), "AssertionError");
  EXPECT_EQ(error_kind("dict(type='RandomErasing', min_area_ratio=0.5, max_area_ratio=0.4)"),
            "AssertionError");
  EXPECT_EQ(error_kind("dict(type='RandomErasing', aspect_range=[1, 2])"), "AssertionError");
  EXPECT_EQ(error_kind("dict(type='RandomErasing', mode='noise')"), "AssertionError");
  EXPECT_EQ(error_kind("dict(type='RandomErasing', fill_color=[1, 2])"), "AssertionError");

  auto t = build("dict(type='RandomErasing', erase_prob=1.0, fill_color=[300.7, 2.9, 0])");
  Rng rng(0);
  rng.replay(
      {{"RandomErasing.random_disable", Value(false)},
       {"RandomErasing.random_patch", Value::tuple({Value(2), Value(3), Value(4), Value(5)})}});
  const torch::Tensor img = pattern();
  const torch::Tensor out = apply(t, img, rng);
  // fill cast to uint8 as numpy does: 300.7 -> 44, 2.9 -> 2.
  EXPECT_EQ(out[2][3][0].item<int>(), 44);
  EXPECT_EQ(out[5][7][1].item<int>(), 2);
  EXPECT_TRUE(torch::equal(out[6], img[6]));
  EXPECT_TRUE(torch::equal(out.select(1, 8), img.select(1, 8)));

  // Drawn patches stay inside the image and follow the area bounds.
  auto drawn = build("dict(type='RandomErasing', erase_prob=1.0, mode='rand')");
  for (int seed = 0; seed < 50; ++seed) {
    Rng r(static_cast<std::uint64_t>(seed));
    const torch::Tensor o = apply(drawn, img, r);
    const auto changed = (o != img).any(2).nonzero();
    if (changed.size(0) == 0) continue;
    EXPECT_LE(changed.select(1, 0).max().item<int>(), 29);
    EXPECT_LE(changed.select(1, 1).max().item<int>(), 39);
  }
}

TEST(RandomGrayscale, ShapesAndWeights) {
  auto t = build("dict(type='RandomGrayscale', prob=1.0)");
  EXPECT_EQ(t->repr(),
            "RandomGrayscale(prob = 1.0, keep_channels = False, "
            "channel_weights = (1.0, 1.0, 1.0), color_format = bgr)");
  Rng rng(1);
  torch::Tensor img =
      torch::tensor({10, 20, 31}, torch::kUInt8).reshape({1, 1, 3}).expand({2, 2, 3}).contiguous();
  torch::Tensor out = apply(t, img, rng);
  ASSERT_EQ(out.dim(), 2);
  EXPECT_EQ(out[0][0].item<int>(), 20);  // 61 / 3 = 20.33 truncated
  auto keep = build(
      "dict(type='RandomGrayscale', prob=1.0, keep_channels=True, "
      "channel_weights=[0.0, 0.0, 1.0])");
  out = apply(keep, img, rng);
  ASSERT_EQ(out.sizes(), img.sizes());
  EXPECT_EQ(out[1][1][0].item<int>(), 31);
  // Not applied (prob 0): a 2-D image gains a channel axis, as in MMCV.
  auto never = build("dict(type='RandomGrayscale', prob=0.0)");
  out = apply(never, torch::zeros({4, 5}, torch::kUInt8), rng);
  EXPECT_EQ(out.sizes(), (std::vector<std::int64_t>{4, 5, 1}));
  EXPECT_EQ(error_kind("dict(type='RandomGrayscale', prob=1.5)"), "AssertionError");
  EXPECT_EQ(error_kind("dict(type='RandomGrayscale', color_format='lab')"), "AssertionError");
  // Replay of random.random().
  Rng replay(0);
  replay.replay({{"RandomGrayscale._random_prob", Value(0.95)}});
  out = apply(build("dict(type='RandomGrayscale', prob=0.9)"), img, replay);
  EXPECT_EQ(out.dim(), 3);  // 0.95 >= 0.9: kept in colour
}

TEST(GaussianBlur, ArgumentsAndMagnitude) {
  EXPECT_EQ(build("dict(type='GaussianBlur', radius=1.5)")->repr(),
            "GaussianBlur(radius=1.5, prob=0.5)");
  EXPECT_EQ(error_kind("dict(type='GaussianBlur')"), "AssertionError");
  EXPECT_EQ(error_kind("dict(type='GaussianBlur', radius=1, magnitude_range=(0, 2))"),
            "AssertionError");
  EXPECT_EQ(error_kind("dict(type='GaussianBlur', radius=1, random_negative_prob=0.1)"),
            "TypeError");
  auto t = build("dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), prob=1.0)");
  EXPECT_EQ(t->repr(),
            "GaussianBlur(radius=None, prob=1.0, magnitude_level=10, "
            "magnitude_range=(0.1, 2.0), magnitude_std=0.0, total_level=10, )");
  Rng rng(3);
  const torch::Tensor out = apply(t, pattern(), rng);
  EXPECT_EQ(out.sizes(), pattern().sizes());
  EXPECT_FALSE(torch::equal(out, pattern()));
}

}  // namespace
}  // namespace mmcpp::pretrain
