// Batch augments (Mixup, CutMix, ResizeMix, RandomBatchAugment): for an injected
// lam and partner order the outputs equal MMPretrain's formulas; drawn ones are
// consistent with what the mixed scores say; RandomBatchAugment's choice follows
// `probs`.
#include <gtest/gtest.h>

#include <torch/nn/functional/upsampling.h>
#include <torch/torch.h>

#include <cmath>
#include <set>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/utils/batch_augments/cutmix.h"
#include "mmcpp/pretrain/models/utils/batch_augments/mixup.h"
#include "mmcpp/pretrain/models/utils/batch_augments/resizemix.h"
#include "mmcpp/pretrain/models/utils/batch_augments/wrapper.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {
namespace {

config::Value cfg(const std::string& text) {
  return *config::Config::fromstring("c = " + text, ".py").to_dict().as_dict().find("c");
}

std::shared_ptr<BatchAugment> build(const std::string& text) {
  return BATCH_AUGMENTS().build(cfg(text));
}

// (N, num_classes) one-hot of labels 0..N-1.
torch::Tensor eye_scores(std::int64_t n) { return torch::eye(n, torch::kLong); }

// Image i is filled with the value i + 1, so a pixel tells whose it is.
torch::Tensor labelled_images(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) {
  return (torch::arange(1, n + 1, torch::kFloat)).view({n, 1, 1, 1}).expand({n, c, h, w}).clone();
}

void expect_rows_sum_to_one(const torch::Tensor& scores) {
  torch::Tensor sums = scores.sum(1);
  for (std::int64_t i = 0; i < sums.size(0); ++i)
    EXPECT_NEAR(sums[i].item<float>(), 1.0f, 1e-6f) << "row " << i;
}

TEST(Mixup, InjectedLamGivesTheFormula) {
  Mixup mixup(0.8);
  torch::manual_seed(3);
  torch::Tensor x = torch::rand({4, 3, 5, 5});
  torch::Tensor s = eye_scores(4).to(torch::kFloat);
  const double lam = 0.3;
  const std::vector<std::int64_t> index = {2, 0, 3, 1};
  auto [mx, ms] = mixup.mix_with(x, s, lam, index);
  auto xa = x.accessor<float, 4>();
  auto ma = mx.accessor<float, 4>();
  for (int i = 0; i < 4; ++i)
    for (int c = 0; c < 3; ++c)
      for (int h = 0; h < 5; ++h)
        for (int w = 0; w < 5; ++w) {
          const float want = xa[i][c][h][w] * static_cast<float>(lam) +
                             xa[index[i]][c][h][w] * static_cast<float>(1 - lam);
          ASSERT_FLOAT_EQ(ma[i][c][h][w], want);
        }
  for (int i = 0; i < 4; ++i) {
    EXPECT_FLOAT_EQ(ms[i][i].item<float>(), 0.3f);
    EXPECT_FLOAT_EQ(ms[i][index[i]].item<float>(), 0.7f);
  }
  expect_rows_sum_to_one(ms);
}

TEST(Mixup, DrawnMixIsConsistentWithItsScoresAndSeeded) {
  auto mixup = build("dict(type='Mixup', alpha=1.0)");
  torch::manual_seed(0);
  torch::Tensor x = torch::rand({6, 2, 3, 3});
  torch::Tensor s = eye_scores(6);
  Rng rng(11);
  auto [mx, ms] = (*mixup)(x, s, rng);
  EXPECT_EQ(ms.scalar_type(), torch::kFloat);
  expect_rows_sum_to_one(ms);
  // Replay the draws: lam first, then the permutation (Python's order).
  Rng replay(11);
  const double lam = replay.beta(1.0, 1.0);
  const std::vector<std::int64_t> index = replay.permutation(6);
  auto [ex, es] = dynamic_cast<Mixup&>(*mixup).mix_with(x, s.to(torch::kFloat), lam, index);
  EXPECT_TRUE(torch::equal(mx, ex));
  EXPECT_TRUE(torch::equal(ms, es));
  for (int i = 0; i < 6; ++i)
    if (index[i] != i) EXPECT_FLOAT_EQ(ms[i][i].item<float>(), static_cast<float>(lam));
  // Another seed, another mix.
  Rng other(12);
  EXPECT_FALSE(torch::equal((*mixup)(x, s, other).second, ms));
}

TEST(Mixup, ChecksArgumentsAsMMPretrain) {
  EXPECT_THROW(build("dict(type='Mixup', alpha=1)"), Error);  // not a float
  EXPECT_THROW(build("dict(type='Mixup', alpha=-0.5)"), Error);
  EXPECT_THROW(build("dict(type='Mixup')"), Error);
  EXPECT_THROW(build("dict(type='Mixup', alpha=1.0, prob=0.5)"), Error);
  Mixup mixup(1.0);
  Rng rng(0);
  try {
    mixup(torch::zeros({2, 3, 4, 4}), torch::zeros({2}), rng);
    FAIL() << "1-d scores accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "AssertionError");
  }
}

TEST(CutMix, BoxAreaMatchesTheCorrectedLam) {
  CutMix cutmix(1.0, std::nullopt, true);
  Rng rng(5);
  for (int t = 0; t < 200; ++t) {
    const double lam = rng.uniform();
    auto [box, corrected] = cutmix.cutmix_bbox_and_lam(17, 23, lam, rng);
    EXPECT_GE(box.y1, 0);
    EXPECT_LE(box.y2, 17);
    EXPECT_GE(box.x1, 0);
    EXPECT_LE(box.x2, 23);
    EXPECT_LE(box.y1, box.y2);
    EXPECT_LE(box.x1, box.x2);
    EXPECT_DOUBLE_EQ(corrected, 1.0 - static_cast<double>(box.area()) / (17.0 * 23.0));
    // Unclipped, the box is 2 * (int(H * sqrt(1 - lam)) // 2) high.
    const std::int64_t cut_h = static_cast<std::int64_t>(17 * std::sqrt(1 - lam));
    EXPECT_LE(box.y2 - box.y1, cut_h / 2 * 2);
  }
  CutMix uncorrected(1.0, std::nullopt, false);
  EXPECT_DOUBLE_EQ(uncorrected.cutmix_bbox_and_lam(17, 23, 0.4, rng).second, 0.4);
}

TEST(CutMix, PastedPixelsMatchTheMixedScores) {
  auto cutmix = build("dict(type='CutMix', alpha=1.0)");
  const std::int64_t n = 5, h = 12, w = 16;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    torch::Tensor x = labelled_images(n, 3, h, w);
    Rng rng(seed);
    auto [mx, ms] = (*cutmix)(x.clone(), eye_scores(n), rng);
    expect_rows_sum_to_one(ms);
    Rng replay(seed);
    replay.beta(1.0, 1.0);
    const std::vector<std::int64_t> index = replay.permutation(n);
    for (std::int64_t i = 0; i < n; ++i) {
      if (index[i] == i) continue;
      // Pixels taken from the partner, over all channels, are the box.
      torch::Tensor from_partner = mx[i].eq(static_cast<float>(index[i] + 1));
      const double area = from_partner.sum().item<double>() / 3.0;
      const double own = mx[i].eq(static_cast<float>(i + 1)).sum().item<double>() / 3.0;
      EXPECT_EQ(area + own, static_cast<double>(h * w));
      EXPECT_NEAR(ms[i][i].item<float>(), 1.0 - area / (h * w), 1e-6) << "seed " << seed;
      EXPECT_NEAR(ms[i][index[i]].item<float>(), area / (h * w), 1e-6);
    }
  }
}

TEST(CutMix, MinMaxBoxesHaveSidesInRange) {
  auto built = build("dict(type='CutMix', alpha=1.0, cutmix_minmax=[0.2, 0.8])");
  auto& cutmix = dynamic_cast<CutMix&>(*built);
  Rng rng(1);
  for (int t = 0; t < 100; ++t) {
    auto [box, lam] = cutmix.cutmix_bbox_and_lam(20, 30, 0.9, rng);
    EXPECT_GE(box.y2 - box.y1, 4);
    EXPECT_LT(box.y2 - box.y1, 16);
    EXPECT_GE(box.x2 - box.x1, 6);
    EXPECT_LT(box.x2 - box.x1, 24);
    EXPECT_LE(box.y2, 20);
    EXPECT_LE(box.x2, 30);
    // cutmix_minmax always corrects lam.
    EXPECT_DOUBLE_EQ(lam, 1.0 - box.area() / 600.0);
  }
  EXPECT_THROW(build("dict(type='CutMix', alpha=1.0, cutmix_minmax=[0.2])"), Error);
}

TEST(ResizeMix, PastesTheResizedPartnerIntoTheBox) {
  ResizeMix resizemix(1.0, 0.1, 0.8, "bilinear", std::nullopt, true);
  torch::manual_seed(1);
  torch::Tensor x = torch::rand({3, 2, 8, 10});
  const CutMix::Box box{2, 6, 1, 8};
  const std::vector<std::int64_t> index = {1, 2, 0};
  auto [mx, ms] =
      resizemix.resize_paste_with(x.clone(), eye_scores(3).to(torch::kFloat), box, 0.65, index);
  namespace F = torch::nn::functional;
  torch::Tensor want_patch = F::interpolate(x.index_select(0, torch::tensor(index)),
                                            F::InterpolateFuncOptions()
                                                .size(std::vector<std::int64_t>{4, 7})
                                                .mode(torch::kBilinear)
                                                .align_corners(false));
  EXPECT_TRUE(torch::equal(mx.slice(2, 2, 6).slice(3, 1, 8), want_patch));
  torch::Tensor outside = torch::ones({3, 2, 8, 10}, torch::kBool);
  outside.slice(2, 2, 6).slice(3, 1, 8).fill_(false);
  EXPECT_TRUE(torch::equal(mx.masked_select(outside), x.masked_select(outside)));
  EXPECT_FLOAT_EQ(ms[0][0].item<float>(), 0.65f);
  EXPECT_FLOAT_EQ(ms[0][1].item<float>(), 0.35f);
}

TEST(ResizeMix, LamIsMappedIntoItsRange) {
  // Without correction the score weight is the mapped lam itself.
  auto built =
      build("dict(type='ResizeMix', alpha=1.0, lam_min=0.3, lam_max=0.6, correct_lam=False)");
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Rng rng(seed);
    auto [mx, ms] = (*built)(torch::rand({4, 3, 16, 16}), eye_scores(4), rng);
    Rng replay(seed);
    const double lam = replay.beta(1.0, 1.0) * (0.6 - 0.3) + 0.3;
    const std::vector<std::int64_t> index = replay.permutation(4);
    for (std::int64_t i = 0; i < 4; ++i) {
      if (index[i] == i) continue;
      EXPECT_NEAR(ms[i][i].item<float>(), lam, 1e-6);
      EXPECT_GE(ms[i][i].item<float>(), 0.3f - 1e-6f);
      EXPECT_LE(ms[i][i].item<float>(), 0.6f + 1e-6f);
    }
  }
  // align_corners=False is refused by 'nearest', as F.interpolate refuses it.
  auto nearest = build("dict(type='ResizeMix', alpha=1.0, interpolation='nearest')");
  Rng rng(0);
  EXPECT_THROW((*nearest)(torch::rand({2, 3, 16, 16}), eye_scores(2), rng), Error);
  EXPECT_THROW(build("dict(type='ResizeMix', alpha=1.0, prob=0.5)"), Error);
}

TEST(RandomBatchAugment, ChoiceFollowsProbs) {
  auto aug = RandomBatchAugment::from_dict(
      cfg("dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)], "
          "probs=[0.5, 0.3])"));
  ASSERT_EQ(aug->probs().size(), 3u);
  EXPECT_NEAR(aug->probs()[2], 0.2, 1e-12);
  Rng rng(9);
  std::vector<int> counts(3, 0);
  const int n = 20000;
  for (int t = 0; t < n; ++t) ++counts[aug->choose(rng)];
  EXPECT_NEAR(counts[0] / double(n), 0.5, 0.015);
  EXPECT_NEAR(counts[1] / double(n), 0.3, 0.015);
  EXPECT_NEAR(counts[2] / double(n), 0.2, 0.015);

  auto uniform = RandomBatchAugment::from_dict(
      cfg("dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)])"));
  EXPECT_TRUE(uniform->probs().empty());
  std::vector<int> u(2, 0);
  for (int t = 0; t < n; ++t) ++u[uniform->choose(rng)];
  EXPECT_NEAR(u[0] / double(n), 0.5, 0.015);
}

TEST(RandomBatchAugment, NoAugmentLeavesInputsAndFloatsScores) {
  // probs=0.0 for the one augment: always "none".
  auto aug =
      RandomBatchAugment::from_dict(cfg("dict(augments=dict(type='Mixup', alpha=0.8), probs=0.0)"));
  ASSERT_EQ(aug->augments().size(), 1u);
  torch::Tensor x = torch::rand({2, 3, 4, 4});
  Rng rng(0);
  auto [mx, ms] = (*aug)(x, eye_scores(2), rng);
  EXPECT_TRUE(mx.is_same(x));
  EXPECT_EQ(ms.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::equal(ms, eye_scores(2).to(torch::kFloat)));
}

TEST(RandomBatchAugment, ChecksProbsAsMMPretrain) {
  const std::string two =
      "augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]";
  auto kind = [&](const std::string& text) {
    try {
      RandomBatchAugment::from_dict(cfg(text));
    } catch (const Error& e) {
      return std::string(e.kind());
    }
    return std::string("no error");
  };
  EXPECT_EQ(kind("dict(" + two + ", probs=[0.7, 0.5])"), "AssertionError");
  EXPECT_EQ(kind("dict(" + two + ", probs=[1.0])"), "AssertionError");
  EXPECT_EQ(kind("dict(" + two + ", prob=[0.5, 0.5])"), "TypeError");
  EXPECT_EQ(kind("dict(augments=[dict(type='NoSuchMix')])"), "KeyError");
  EXPECT_EQ(kind("dict(" + two + ", probs=[0.5, 0.5])"), "no error");
  // Like MMPretrain, the wrapper itself is not a registered batch augment.
  EXPECT_EQ(BATCH_AUGMENTS().get("RandomBatchAugment"), nullptr);
}

}  // namespace
}  // namespace mmcpp::pretrain
