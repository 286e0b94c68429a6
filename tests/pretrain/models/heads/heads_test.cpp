// MMPretrain's classification heads: state dict names, loss dicts, predictions.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/heads/cls_head.h"
#include "mmcpp/pretrain/models/heads/multi_label_cls_head.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

std::shared_ptr<torch::nn::Module> build(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  return MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
}

HeadInterface& head_of(const std::shared_ptr<torch::nn::Module>& m) {
  return dynamic_cast<HeadInterface&>(*m);
}

std::vector<std::string> keys(torch::nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& p : m.named_parameters()) out.push_back(p.key());
  for (const auto& b : m.named_buffers()) out.push_back(b.key());
  return out;
}

data::DataSamples with_labels(std::vector<std::int64_t> labels) {
  data::DataSamples out;
  for (auto l : labels) {
    auto s = std::make_shared<data::DataSample>();
    s->set_gt_label(torch::tensor({l}));
    out.push_back(s);
  }
  return out;
}

TEST(ClsHead, LossAccuracyAndPredictions) {
  auto m = build("dict(type='ClsHead', topk=(1, 2), cal_acc=True)");
  // Scores: sample 0 top-1 correct; sample 1 correct only in top-2; sample 2's
  // right class has a negative score (thrs=(0.,) does not count it).
  torch::Tensor scores = torch::tensor({{0.1, 2.0, 0.5}, {1.0, 0.5, 0.2}, {-0.5, -1.0, -2.0}});
  auto losses = head_of(m).loss({scores}, with_labels({1, 1, 0}));
  ASSERT_EQ(losses.size(), 3u);
  EXPECT_EQ(losses[0].first, "loss");
  EXPECT_NEAR(losses[0].second.item<double>(),
              torch::nn::functional::cross_entropy(scores, torch::tensor({1, 1, 0})).item<double>(),
              1e-6);
  EXPECT_EQ(losses[1].first, "accuracy_top-1");
  EXPECT_NEAR(losses[1].second.item<double>(), 100.0 / 3, 1e-4);
  EXPECT_EQ(losses[2].first, "accuracy_top-2");
  EXPECT_NEAR(losses[2].second.item<double>(), 200.0 / 3, 1e-4);
  auto preds = head_of(m).predict({scores}, {});
  ASSERT_EQ(preds.size(), 3u);
  EXPECT_TRUE(torch::allclose(preds[0]->get("pred_score"), torch::softmax(scores[0], 0)));
  EXPECT_EQ(preds[1]->get("pred_label").sizes(), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(preds[1]->get("pred_label").item<std::int64_t>(), 0);
  // gt_score (batch augments) is used as a soft target; cal_acc then is an error.
  auto soft = with_labels({0, 1, 2});
  for (auto& s : soft) s->set("gt_score", torch::tensor({0.2f, 0.3f, 0.5f}));
  try {
    head_of(m).loss({scores}, soft);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "AssertionError");
  }
  auto top3 = build("dict(type='ClsHead', topk=(5, ), cal_acc=True)");
  EXPECT_THROW(head_of(top3).loss({scores}, with_labels({1, 1, 0})), Error);
}

TEST(LinearHeads, KeysAndDefaults) {
  auto linear = build("dict(type='LinearClsHead', num_classes=10, in_channels=16)");
  EXPECT_EQ(keys(*linear), (std::vector<std::string>{"fc.weight", "fc.bias"}));
  auto* base = dynamic_cast<engine::BaseModule*>(linear.get());
  ASSERT_NE(base, nullptr);
  EXPECT_EQ(base->init_cfg().repr(), "{'type': 'Normal', 'layer': 'Linear', 'std': 0.01}");
  EXPECT_EQ(head_of(linear).forward({torch::zeros({2, 16})}).sizes(),
            (std::vector<std::int64_t>{2, 10}));
  EXPECT_THROW(build("dict(type='LinearClsHead', num_classes=0, in_channels=16)"), Error);
  auto stacked = build(
      "dict(type='StackedLinearClsHead', num_classes=5, in_channels=16, "
      "mid_channels=[8, 4], norm_cfg=dict(type='BN1d'), dropout_rate=0.1)");
  std::vector<std::string> k = keys(*stacked);
  EXPECT_EQ(k.front(), "layers.0.fc.weight");
  EXPECT_NE(std::find(k.begin(), k.end(), "layers.1.norm.running_var"), k.end());
  EXPECT_NE(std::find(k.begin(), k.end(), "layers.2.fc.bias"), k.end());
  stacked->eval();
  EXPECT_EQ(head_of(stacked).forward({torch::zeros({3, 16})}).sizes(),
            (std::vector<std::int64_t>{3, 5}));
  EXPECT_EQ(head_of(stacked).pre_logits({torch::zeros({3, 16})}).sizes(),
            (std::vector<std::int64_t>{3, 4}));
  EXPECT_THROW(build("dict(type='StackedLinearClsHead', num_classes=5, in_channels=16, "
                     "mid_channels=8)"),
               Error);
}

TEST(VisionTransformerHeads, LayersAndInit) {
  auto vit = build("dict(type='VisionTransformerClsHead', num_classes=10, in_channels=16)");
  EXPECT_EQ(keys(*vit), (std::vector<std::string>{"layers.head.weight", "layers.head.bias"}));
  dynamic_cast<engine::BaseModule&>(*vit).init_weights();
  EXPECT_TRUE((vit->named_parameters()["layers.head.weight"] == 0).all().item<bool>());
  auto hidden = build(
      "dict(type='VisionTransformerClsHead', num_classes=10, in_channels=16, "
      "hidden_dim=32)");
  EXPECT_EQ(keys(*hidden),
            (std::vector<std::string>{"layers.pre_logits.weight", "layers.pre_logits.bias",
                                      "layers.head.weight", "layers.head.bias"}));
  dynamic_cast<engine::BaseModule&>(*hidden).init_weights();
  torch::Tensor w = hidden->named_parameters()["layers.pre_logits.weight"];
  EXPECT_FALSE((w == 0).all().item<bool>());  // LeCun normal after the Constant init
  // trunc_normal_(std=sqrt(1/fan_in)) cuts at the absolute bounds [-2, 2], as PyTorch's.
  EXPECT_LE(w.abs().max().item<double>(), 2.0);
  EXPECT_NEAR(w.std().item<double>(), std::sqrt(1.0 / 16), 0.05);
  auto deit = build("dict(type='DeiTClsHead', num_classes=10, in_channels=16)");
  EXPECT_EQ(keys(*deit),
            (std::vector<std::string>{"layers.head.weight", "layers.head.bias",
                                      "layers.head_dist.weight", "layers.head_dist.bias"}));
  torch::Tensor tokens = torch::randn({2, 3, 16});  // (cls, dist) stacked
  torch::Tensor score = head_of(deit).forward({tokens});
  auto p = deit->named_parameters();
  torch::Tensor want =
      (torch::nn::functional::linear(tokens[0], p["layers.head.weight"], p["layers.head.bias"]) +
       torch::nn::functional::linear(tokens[1], p["layers.head_dist.weight"],
                                     p["layers.head_dist.bias"])) /
      2;
  EXPECT_TRUE(torch::allclose(score, want));
}

TEST(MultiLabelHeads, ThresholdTopkAndTargets) {
  auto m = build("dict(type='MultiLabelClsHead')");
  EXPECT_EQ(dynamic_cast<MultiLabelClsHeadImpl&>(*m).thr(), 0.5);
  torch::Tensor scores = torch::tensor({{2.0, -1.0, 0.5}, {-3.0, -2.0, -1.0}});
  auto preds = head_of(m).predict({scores}, {});
  EXPECT_TRUE(torch::equal(preds[0]->get("pred_label"), torch::tensor({0, 2})));
  EXPECT_EQ(preds[1]->get("pred_label").numel(), 0);
  auto top = build("dict(type='MultiLabelLinearClsHead', num_classes=3, in_channels=4, topk=2)");
  EXPECT_EQ(keys(*top), (std::vector<std::string>{"fc.weight", "fc.bias"}));
  auto p2 = head_of(top).predict({torch::randn({2, 4})}, {});
  EXPECT_EQ(p2[0]->get("pred_label").numel(), 2);
  // Multi-hot targets from gt_label lists.
  data::DataSamples samples(2);
  samples[0] = std::make_shared<data::DataSample>();
  samples[0]->set_gt_label(torch::tensor({0, 2}));
  samples[1] = std::make_shared<data::DataSample>();
  samples[1]->set_gt_label(torch::tensor({1}));
  auto losses = head_of(m).loss({scores}, samples);
  torch::Tensor target = torch::tensor({{1.0, 0.0, 1.0}, {0.0, 1.0, 0.0}});
  // MMPretrain passes avg_factor=batch size: the element sum over N, not the mean.
  EXPECT_NEAR(losses[0].second.item<double>(),
              torch::binary_cross_entropy_with_logits(scores, target, {}, {}, at::Reduction::Sum)
                      .item<double>() /
                  2,
              1e-6);
}

}  // namespace
}  // namespace mmcpp::pretrain
