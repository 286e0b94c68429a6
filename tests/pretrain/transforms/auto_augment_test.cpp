// Unit tests of AutoAugment, RandAugment and their operations: preset
// policies, hparams merging, magnitude computations, argument validation,
// repr(), the use of the Rng (replay and seeds).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/data/transform.h"
#include "mmcpp/pretrain/transforms/auto_augment.h"
#include "mmcpp/pretrain/transforms/base_aug_transform.h"
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

torch::Tensor pattern(int h = 24, int w = 32) {
  return torch::arange(h * w * 3, torch::kInt64)
      .remainder(253)
      .to(torch::kUInt8)
      .reshape({h, w, 3});
}

torch::Tensor apply(const data::TransformPtr& t, const torch::Tensor& img, Rng& rng) {
  data::Results r;
  r.set_img(img.clone());
  EXPECT_TRUE(t->transform(r, rng));
  return r.img();
}

std::shared_ptr<BaseAugTransform> aug(const std::string& cfg) {
  auto t = std::dynamic_pointer_cast<BaseAugTransform>(build(cfg));
  EXPECT_TRUE(t) << cfg;
  return t;
}

TEST(AutoAugment, ImagenetPolicyBuildsAndMergesHparamsOnlyIntoTheRepr) {
  auto t = std::dynamic_pointer_cast<AutoAugment>(
      build("dict(type='AutoAugment', policies='imagenet', hparams=dict(pad_val=0))"));
  ASSERT_TRUE(t);
  ASSERT_EQ(t->transforms().size(), 25u);
  for (const auto& sub : t->transforms()) EXPECT_EQ(sub->transforms().size(), 2u);
  EXPECT_EQ(
      t->repr().rfind(
          "AutoAugment(policies:\n    Posterize, \tRotate\n    Solarize, \tAutoContrast\n", 0),
      0u)
      << t->repr();
  // MMPretrain 1.2 merges hparams into self.policies but builds the operations
  // from the policies as given.
  const Value& rotate_policy = t->policies().items()[0].items()[1];
  EXPECT_EQ(rotate_policy.as_dict().find("pad_val")->as_int(), 0);
  EXPECT_EQ(t->transforms()[0]->transforms()[1]->repr(),
            "Rotate(angle=30.0, center=None, scale=1.0, pad_val=128, prob=0.6, "
            "random_negative_prob=0.5, interpolation=nearest)");
  EXPECT_EQ(t->policies().items()[1].items()[0].as_dict().find("thr")->as_number(), 256.0 / 9 * 4);
  EXPECT_EQ(error_kind("dict(type='AutoAugment', policies='cifar')"), "AssertionError");
  EXPECT_EQ(error_kind("dict(type='AutoAugment', policies=[[dict(type='NoSuchOp')]])"),
            "AssertionError");
}

TEST(AutoAugment, SubPolicySelectionUsesTheRng) {
  auto t = build(
      "dict(type='AutoAugment', policies=[[dict(type='Invert', prob=1.0)], "
      "[dict(type='Posterize', bits=1, prob=1.0)]])");
  const torch::Tensor img = pattern();
  Rng replay(0);
  replay.replay({{"AutoAugment.random_pipeline_index", Value(1)},
                 {"Posterize.random_disable", Value(false)}});
  EXPECT_TRUE(torch::equal(apply(t, img, replay), img.bitwise_and(128)));
  EXPECT_EQ(replay.replay_left(), 0u);
  std::set<bool> inverted;
  for (int seed = 0; seed < 40; ++seed) {
    Rng rng(static_cast<std::uint64_t>(seed));
    inverted.insert(torch::equal(apply(t, img, rng), 255 - img));
  }
  EXPECT_EQ(inverted.size(), 2u);  // both sub-policies get chosen
}

TEST(RandAugment, TimmIncreasingPolicies) {
  auto t = std::dynamic_pointer_cast<RandAugment>(
      build("dict(type='RandAugment', policies='timm_increasing', num_policies=2, "
            "magnitude_level=9, magnitude_std=0.5, "
            "hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic'))"));
  ASSERT_TRUE(t);
  ASSERT_EQ(t->transforms().size(), 15u);
  EXPECT_EQ(
      t->repr().rfind("RandAugment(num_policies=2, magnitude_level=9, total_level=10, policies:\n"
                      "    AutoContrast\n    Equalize\n    Invert\n    Rotate (0, 30)\n",
                      0),
      0u)
      << t->repr();
  // hparams reach the operations naming them; the magnitude settings those with a range.
  EXPECT_EQ(t->transforms()[0]->repr(), "AutoContrast(prob=0.5)");
  EXPECT_EQ(t->transforms()[11]->repr(),
            "Shear(magnitude=None, pad_val=(104, 116, 124), prob=0.5, direction=horizontal, "
            "random_negative_prob=0.5, interpolation=bicubic, magnitude_level=9, "
            "magnitude_range=(0, 0.3), magnitude_std=0.5, total_level=10, )");
  EXPECT_EQ(t->transforms()[5]->repr(),
            "Solarize(thr=None, prob=0.5, magnitude_level=9, magnitude_range=(256, 0), "
            "magnitude_std=0.5, total_level=10, ))");
  auto simple = std::dynamic_pointer_cast<RandAugment>(build(
      "dict(type='RandAugment', policies='simple_increasing', num_policies=1, magnitude_level=3)"));
  ASSERT_TRUE(simple);
  EXPECT_EQ(simple->transforms().size(), 5u);
}

TEST(RandAugment, Validation) {
  const std::string ok = "policies='timm_increasing', ";
  EXPECT_EQ(error_kind("dict(type='RandAugment', " + ok + "num_policies=0, magnitude_level=9)"),
            "AssertionError");
  EXPECT_EQ(error_kind("dict(type='RandAugment', " + ok + "num_policies=2, magnitude_level=-1)"),
            "AssertionError");
  EXPECT_EQ(error_kind("dict(type='RandAugment', " + ok +
                       "num_policies=2, magnitude_level=9, total_level=0)"),
            "AssertionError");
  EXPECT_EQ(error_kind("dict(type='RandAugment', " + ok +
                       "num_policies=2, magnitude_level=9, magnitude_std='big')"),
            "AssertionError");
  EXPECT_EQ(
      error_kind("dict(type='RandAugment', policies='fancy', num_policies=2, magnitude_level=9)"),
      "AssertionError");
  EXPECT_EQ(error_kind("dict(type='RandAugment', policies=[dict(type='Rotate', "
                       "magnitude_range='ab')], num_policies=2, magnitude_level=9)"),
            "AssertionError");
  EXPECT_EQ(error_kind(
                "dict(type='RandAugment', policies=['Rotate'], num_policies=1, magnitude_level=9)"),
            "AssertionError");
  EXPECT_EQ(error_kind("dict(type='RandAugment', " + ok + "magnitude_level=9)"), "TypeError");
}

TEST(RandAugment, SameSeedSameOutputAndReplayOrder) {
  auto t = build(
      "dict(type='RandAugment', policies='timm_increasing', num_policies=2, "
      "magnitude_level=9, magnitude_std=0.5)");
  const torch::Tensor img = pattern();
  std::set<std::string> outputs;
  for (int seed = 0; seed < 10; ++seed) {
    Rng a(static_cast<std::uint64_t>(seed)), b(static_cast<std::uint64_t>(seed));
    const torch::Tensor x = apply(t, img, a);
    EXPECT_TRUE(torch::equal(x, apply(t, img, b))) << "seed " << seed;
    outputs.insert(std::to_string(x.to(torch::kInt64).sum().item<std::int64_t>()));
  }
  EXPECT_GT(outputs.size(), 3u);
  // Replay: policy 2 (Invert) twice, enabled once.
  Rng replay(0);
  replay.replay({{"RandAugment.random_policy_indices", Value::list({Value(2), Value(2)})},
                 {"Invert.random_disable", Value(false)},
                 {"Invert.random_disable", Value(true)}});
  EXPECT_TRUE(torch::equal(apply(t, img, replay), 255 - img));
  EXPECT_EQ(replay.replay_left(), 0u);
}

TEST(BaseAugTransform, MagnitudeFromLevel) {
  Rng rng(0);
  // level / total * (val2 - val1) + val1
  EXPECT_DOUBLE_EQ(
      aug("dict(type='Rotate', magnitude_range=(0, 30), magnitude_level=3)")->random_magnitude(rng),
      9.0);
  EXPECT_DOUBLE_EQ(aug("dict(type='Posterize', magnitude_range=(4, 0), magnitude_level=3)")
                       ->random_magnitude(rng),
                   4 - 0.3 * 4);
  EXPECT_DOUBLE_EQ(aug("dict(type='Solarize', magnitude_range=(256, 0), magnitude_level=9, "
                       "total_level=10)")
                       ->random_magnitude(rng),
                   256 - 0.9 * 256);
  // 'inf': U(0, level), mapped.
  auto inf =
      aug("dict(type='Rotate', magnitude_range=(0, 30), magnitude_level=5, magnitude_std='inf')");
  // std > 0: N(level, std) clipped to [0, total_level].
  auto wide =
      aug("dict(type='Rotate', magnitude_range=(10, 30), magnitude_level=5, magnitude_std=100.)");
  int at_low = 0, at_high = 0;
  for (int i = 0; i < 200; ++i) {
    const double m = inf->random_magnitude(rng);
    EXPECT_GE(m, 0.0);
    EXPECT_LE(m, 15.0);
    const double w = wide->random_magnitude(rng);
    EXPECT_GE(w, 10.0);
    EXPECT_LE(w, 30.0);
    at_low += w == 10.0;
    at_high += w == 30.0;
  }
  EXPECT_GT(at_low, 50);
  EXPECT_GT(at_high, 50);
  // Replayed magnitudes are used as recorded.
  Rng replay(0);
  replay.replay({{"transforms[3].Rotate.random_magnitude", Value(12.5)}});
  EXPECT_DOUBLE_EQ(inf->random_magnitude(replay), 12.5);
}

TEST(BaseAugTransform, DisableAndNegativeFollowTheirProbabilities) {
  auto t = aug("dict(type='Contrast', magnitude=0.5, prob=0.25, random_negative_prob=0.75)");
  Rng rng(11);
  int disabled = 0, negated = 0;
  for (int i = 0; i < 2000; ++i) {
    disabled += t->random_disable(rng);
    negated += t->random_negative(rng, 1.0) < 0;
  }
  EXPECT_NEAR(disabled / 2000.0, 0.75, 0.05);
  EXPECT_NEAR(negated / 2000.0, 0.75, 0.05);
}

TEST(AugOperations, ArgumentValidationAndRepr) {
  EXPECT_EQ(error_kind("dict(type='Shear')"), "AssertionError");
  EXPECT_EQ(error_kind("dict(type='Shear', magnitude=0.1, magnitude_range=(0, 0.3))"),
            "AssertionError");
  EXPECT_EQ(error_kind("dict(type='Shear', magnitude=0.1, direction='diagonal')"),
            "AssertionError");
  EXPECT_EQ(error_kind("dict(type='Translate', magnitude=0.1, interpolation='cubic')"), "KeyError");
  EXPECT_EQ(error_kind("dict(type='Posterize', bits=9)"), "AssertionError");
  EXPECT_EQ(error_kind("dict(type='Solarize', thr=128, random_negative_prob=0.5)"), "TypeError");
  EXPECT_EQ(error_kind("dict(type='SolarizeAdd', magnitude=10, thr='x')"), "AssertionError");
  EXPECT_EQ(error_kind("dict(type='Invert', prob=0.5, angle=3)"), "TypeError");
  EXPECT_EQ(error_kind("dict(type='Cutout')"), "AssertionError");
  EXPECT_EQ(error_kind("dict(type='Rotate', angle=10, magnitude_std='huge', magnitude_level=1)"),
            "ValueError");
  EXPECT_EQ(build("dict(type='Rotate', angle=30.)")->repr(),
            "Rotate(angle=30.0, center=None, scale=1.0, pad_val=128, prob=0.5, "
            "random_negative_prob=0.5, interpolation=nearest)");
  EXPECT_EQ(build("dict(type='Translate', magnitude=0.2, pad_val=[1, 2, 3])")->repr(),
            "Translate(magnitude=0.2, pad_val=(1, 2, 3), prob=0.5, direction=horizontal, "
            "random_negative_prob=0.5, interpolation=nearest)");
  EXPECT_EQ(build("dict(type='Cutout', shape=16)")->repr(),
            "Cutout(shape=16, pad_val=128, prob=0.5)");
  EXPECT_EQ(build("dict(type='SolarizeAdd', magnitude=110)")->repr(),
            "SolarizeAdd(magnitude=110, thr=128, prob=0.5)");
  EXPECT_EQ(build("dict(type='Brightness', magnitude=0.5)")->repr(),
            "Brightness(magnitude=0.5, prob=0.5, random_negative_prob=0.5)");
  EXPECT_EQ(build("dict(type='Equalize', prob=1.)")->repr(), "Equalize(prob=1.0)");
}

TEST(AugOperations, SolarizeAddFollowsNumpyTypes) {
  const torch::Tensor img = torch::tensor({100, 127, 128, 200}, torch::kUInt8)
                                .reshape({1, 4, 1})
                                .expand({1, 4, 3})
                                .contiguous();
  Rng rng(0);
  // An int magnitude adds in uint8 and wraps (numpy 1.24 value-based casting).
  torch::Tensor out = apply(build("dict(type='SolarizeAdd', magnitude=200, prob=1.0)"), img, rng);
  EXPECT_EQ(out[0][0][0].item<int>(), 44);
  EXPECT_EQ(out[0][2][0].item<int>(), 128);
  // A float magnitude adds in float64, capped at 255 and truncated.
  out = apply(build("dict(type='SolarizeAdd', magnitude=200.5, prob=1.0)"), img, rng);
  EXPECT_EQ(out[0][0][0].item<int>(), 255);
  out = apply(build("dict(type='SolarizeAdd', magnitude=10.7, prob=1.0)"), img, rng);
  EXPECT_EQ(out[0][1][0].item<int>(), 137);
}

TEST(AugOperations, CutoutReplaysMmcvCentreDraws) {
  auto t = build("dict(type='Cutout', shape=(4, 6), pad_val=(9, 8, 7), prob=1.0)");
  Rng rng(0);
  rng.replay({{"Cutout.random_disable", Value(false)},
              {"numpy.random.uniform", Value(5.5)},
              {"numpy.random.uniform", Value(2.2)}});
  const torch::Tensor out = apply(t, pattern(10, 12), rng);
  EXPECT_EQ(out[3][0][0].item<int>(), 9);
  EXPECT_EQ(out[6][5][2].item<int>(), 7);
  EXPECT_NE(out[7][5][0].item<int>(), 9);
  EXPECT_EQ(rng.replay_left(), 0u);
}

TEST(AugOperations, TwoDimensionalImagesKeepTheirShape) {
  Rng rng(0);
  const torch::Tensor gray = torch::arange(48, torch::kUInt8).reshape({6, 8});
  for (const char* cfg :
       {"dict(type='Invert', prob=1.0)", "dict(type='Posterize', bits=2, prob=1.0)",
        "dict(type='Shear', magnitude=0.2, prob=1.0)",
        "dict(type='Rotate', angle=10., prob=1.0)"}) {
    EXPECT_EQ(apply(build(cfg), gray, rng).sizes(), gray.sizes()) << cfg;
  }
  const torch::Tensor hw1 = gray.unsqueeze(2);
  EXPECT_EQ(apply(build("dict(type='Invert', prob=1.0)"), hw1, rng).sizes(), hw1.sizes());
}

TEST(MergeHparams, OnlyNamedArgumentsTheyLack) {
  registry::ScopeGuard scope("mmpretrain");
  const Value hparams = parse("dict(pad_val=7, interpolation='bicubic', magnitude_level=3)");
  const Value rotate = merge_hparams(parse("dict(type='Rotate', angle=3., pad_val=1)"), hparams);
  EXPECT_EQ(rotate.as_dict().find("pad_val")->as_int(), 1);
  EXPECT_EQ(rotate.as_dict().find("interpolation")->as_str(), "bicubic");
  EXPECT_FALSE(rotate.as_dict().contains("magnitude_level"));  // a **kwargs argument
  const Value invert = merge_hparams(parse("dict(type='Invert')"), hparams);
  EXPECT_EQ(invert.as_dict().size(), 1u);
  EXPECT_THROW(merge_hparams(parse("dict(type='Nope')"), hparams), Error);
}

}  // namespace
}  // namespace mmcpp::pretrain
