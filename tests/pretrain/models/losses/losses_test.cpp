// MMPretrain's classification losses against their formulas.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/losses/asymmetric_loss.h"
#include "mmcpp/pretrain/models/losses/cross_entropy_loss.h"
#include "mmcpp/pretrain/models/losses/focal_loss.h"
#include "mmcpp/pretrain/models/losses/label_smooth_loss.h"
#include "mmcpp/pretrain/models/losses/seesaw_loss.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

using config::Value;

std::shared_ptr<BaseLoss> build(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  auto m = MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
  return std::dynamic_pointer_cast<BaseLoss>(m);
}

std::string kind_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind();
  }
  return "";
}

const torch::Tensor kScore = torch::tensor({{1.0, 2.0, 0.5}, {0.2, -1.0, 3.0}});
const torch::Tensor kLabel = torch::tensor({1, 2});

TEST(CrossEntropyLoss, HardSoftSigmoidAndWeights) {
  auto ce = build("dict(type='CrossEntropyLoss', loss_weight=2.0)");
  torch::Tensor want = 2.0 * torch::nn::functional::cross_entropy(kScore, kLabel);
  EXPECT_NEAR(ce->forward(kScore, kLabel).item<double>(), want.item<double>(), 1e-6);
  // avg_factor: sum / avg_factor.
  torch::Tensor per = torch::nn::functional::cross_entropy(
      kScore, kLabel, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  EXPECT_NEAR(ce->forward(kScore, kLabel, {}, 4.0).item<double>(), 2 * per.sum().item<double>() / 4,
              1e-6);
  EXPECT_EQ(ce->forward(kScore, kLabel, {}, std::nullopt, "none").sizes(),
            (std::vector<std::int64_t>{2}));
  EXPECT_EQ(kind_of([&] { ce->forward(kScore, kLabel, {}, 2.0, "sum"); }), "ValueError");
  auto cw = build("dict(type='CrossEntropyLoss', class_weight=[1.0, 2.0, 3.0])");
  torch::Tensor w = torch::tensor({1.0, 2.0, 3.0});
  torch::Tensor wce = torch::nn::functional::cross_entropy(
      kScore, kLabel,
      torch::nn::functional::CrossEntropyFuncOptions().weight(w).reduction(torch::kNone));
  EXPECT_NEAR(cw->forward(kScore, kLabel).item<double>(), wce.mean().item<double>(), 1e-6);
  auto soft = build("dict(type='CrossEntropyLoss', use_soft=True)");
  torch::Tensor target = torch::tensor({{0.0, 0.7, 0.3}, {0.5, 0.0, 0.5}});
  torch::Tensor s = (-target * torch::log_softmax(kScore, -1)).sum(-1).mean();
  EXPECT_NEAR(soft->forward(kScore, target).item<double>(), s.item<double>(), 1e-6);
  auto bce = build("dict(type='CrossEntropyLoss', use_sigmoid=True, pos_weight=[1.0, 2.0, 1.0])");
  torch::Tensor onehot = torch::tensor({{0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}});
  torch::Tensor b =
      torch::binary_cross_entropy_with_logits(kScore, onehot, {}, torch::tensor({1.0, 2.0, 1.0}));
  EXPECT_NEAR(bce->forward(kScore, onehot).item<double>(), b.item<double>(), 1e-6);
  EXPECT_EQ(
      kind_of([] { build("dict(type='CrossEntropyLoss', use_sigmoid=True, use_soft=True)"); }),
      "AssertionError");
  EXPECT_EQ(kind_of([] { build("dict(type='CrossEntropyLoss', label_smooth=0.1)"); }), "TypeError");
}

TEST(LabelSmoothLoss, ThreeModes) {
  auto original = build("dict(type='LabelSmoothLoss', label_smooth_val=0.1)");
  torch::Tensor onehot = torch::tensor({{0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}});
  auto soft_ce = [&](const torch::Tensor& t) {
    return (-t * torch::log_softmax(kScore, -1)).sum(-1).mean().item<double>();
  };
  EXPECT_NEAR(original->forward(kScore, kLabel).item<double>(), soft_ce(onehot * 0.9 + 0.1 / 3),
              1e-6);
  auto classy = build("dict(type='LabelSmoothLoss', label_smooth_val=0.2, mode='classy_vision')");
  double e = 0.2 / 1.2;
  EXPECT_NEAR(classy->forward(kScore, kLabel).item<double>(), soft_ce(onehot * (1 - e) + e / 3),
              1e-6);
  auto multi = build("dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='multi_label')");
  torch::Tensor smooth = torch::tensor({{0.1, 0.9, 0.1}, {0.1, 0.1, 0.9}});
  EXPECT_NEAR(multi->forward(kScore, onehot).item<double>(),
              torch::binary_cross_entropy_with_logits(kScore, smooth).item<double>(), 1e-6);
  // Mixed (one-hot-like) scores are smoothed too.
  torch::Tensor mixed = torch::tensor({{0.0, 0.6, 0.4}, {0.3, 0.0, 0.7}});
  EXPECT_NEAR(original->forward(kScore, mixed).item<double>(), soft_ce(mixed * 0.9 + 0.1 / 3),
              1e-6);
  EXPECT_EQ(kind_of([] { build("dict(type='LabelSmoothLoss', label_smooth_val=1)"); }),
            "AssertionError");
  EXPECT_EQ(kind_of([] { build("dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='x')"); }),
            "AssertionError");
  auto fixed = build("dict(type='LabelSmoothLoss', label_smooth_val=0.1, num_classes=4)");
  EXPECT_EQ(kind_of([&] { fixed->forward(kScore, kLabel); }), "AssertionError");
  ASSERT_EQ(original->named_children().size(), 1u);
  EXPECT_EQ(original->named_children()[0].key(), "ce");
}

TEST(OtherLosses, FocalAsymmetricSeesaw) {
  auto focal = build("dict(type='FocalLoss')");
  torch::Tensor t = torch::tensor({{0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}});
  torch::Tensor p = kScore.sigmoid();
  torch::Tensor pt = (1 - p) * t + p * (1 - t);
  torch::Tensor fw = (0.25 * t + 0.75 * (1 - t)) * pt.pow(2);
  torch::Tensor want =
      (torch::binary_cross_entropy_with_logits(kScore, t, {}, {}, at::Reduction::None) * fw).mean();
  EXPECT_NEAR(focal->forward(kScore, kLabel).item<double>(), want.item<double>(), 1e-6);
  auto asl = build("dict(type='AsymmetricLoss')");
  torch::Tensor pt2 = (1 - p + 0.05).clamp_max(1) * (1 - t) + p * t;
  torch::Tensor aw = (1 - pt2).pow(0.0 * t + 4.0 * (1 - t));
  torch::Tensor want2 = (-torch::log(pt2.clamp_min(1e-8)) * aw).mean();
  EXPECT_NEAR(asl->forward(kScore, t).item<double>(), want2.item<double>(), 1e-6);
  auto seesaw = build("dict(type='SeesawLoss', num_classes=3)");
  torch::Tensor loss = seesaw->forward(kScore, kLabel);
  EXPECT_TRUE(std::isfinite(loss.item<double>()));
  auto buffers = seesaw->named_buffers();
  ASSERT_TRUE(buffers.contains("cum_samples"));
  EXPECT_TRUE(torch::equal(buffers["cum_samples"], torch::tensor({0.0f, 1.0f, 1.0f})));
  EXPECT_EQ(kind_of([] { build("dict(type='SeesawLoss', use_sigmoid=True)"); }), "AssertionError");
  EXPECT_EQ(kind_of([&] { seesaw->forward(torch::zeros({2, 4}), kLabel); }), "AssertionError");
}

}  // namespace
}  // namespace mmcpp::pretrain
