// ClsDataPreprocessor: normalisation equals the hand computation, to_rgb,
// padding of stacked and listed inputs, one-hot labels, batch augments only in
// training and seeded by the batch, and outputs on the model's device.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/utils/batch_augments/mixup.h"
#include "mmcpp/pretrain/models/utils/data_preprocessor.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {
namespace {

config::Value cfg(const std::string& text) {
  return *config::Config::fromstring("c = " + text, ".py").to_dict().as_dict().find("c");
}

std::shared_ptr<ClsDataPreprocessor> build(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  auto m = MODELS().build(cfg(text));
  auto p = std::dynamic_pointer_cast<ClsDataPreprocessor>(m);
  EXPECT_NE(p, nullptr);
  return p;
}

data::DataSamplePtr sample_with_label(std::vector<std::int64_t> labels) {
  auto s = std::make_shared<data::DataSample>();
  s->set_gt_label(torch::tensor(labels, torch::kLong));
  return s;
}

std::string error_kind(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind();
  }
  return "no error";
}

// A (N, 3, H, W) uint8 batch with every value distinct modulo 256.
torch::Tensor raw_batch(std::int64_t n, std::int64_t h, std::int64_t w) {
  return torch::arange(n * 3 * h * w, torch::kLong)
      .remainder(256)
      .to(torch::kByte)
      .view({n, 3, h, w});
}

TEST(ClsDataPreprocessor, NormalisesPerChannelAsHandComputed) {
  auto p = build("dict(type='ClsDataPreprocessor', mean=[10, 20.5, 30], std=[2, 4.25, 5])");
  data::DataBatch batch;
  batch.inputs = raw_batch(2, 3, 4);
  data::DataBatch out = p->forward(batch, false);
  ASSERT_EQ(out.inputs.scalar_type(), torch::kFloat);
  ASSERT_EQ(out.inputs.sizes(), batch.inputs.sizes());
  const float mean[3] = {10.f, 20.5f, 30.f}, std_[3] = {2.f, 4.25f, 5.f};
  auto in = batch.inputs.accessor<std::uint8_t, 4>();
  auto o = out.inputs.accessor<float, 4>();
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int h = 0; h < 3; ++h)
        for (int w = 0; w < 4; ++w)
          ASSERT_FLOAT_EQ(o[n][c][h][w], (static_cast<float>(in[n][c][h][w]) - mean[c]) / std_[c]);
  // Without mean: only the cast.
  auto plain = build("dict(type='ClsDataPreprocessor')");
  EXPECT_TRUE(torch::equal(plain->forward(batch, false).inputs, batch.inputs.to(torch::kFloat)));
}

TEST(ClsDataPreprocessor, ToRgbFlipsThreeChannelInputsBeforeNormalising) {
  auto p = build(
      "dict(type='ClsDataPreprocessor', mean=[1.0, 2.0, 3.0], std=[1.0, 2.0, 4.0], to_rgb=True)");
  data::DataBatch batch;
  batch.inputs = raw_batch(1, 2, 2);
  torch::Tensor o = p->forward(batch, false).inputs;
  const float mean[3] = {1.f, 2.f, 3.f}, std_[3] = {1.f, 2.f, 4.f};
  for (int c = 0; c < 3; ++c) {
    torch::Tensor want = (batch.inputs[0][2 - c].to(torch::kFloat) - mean[c]) / std_[c];
    EXPECT_TRUE(torch::equal(o[0][c], want)) << "channel " << c;
  }
  // One channel: nothing to flip.
  auto gray = build("dict(type='ClsDataPreprocessor', to_rgb=True)");
  data::DataBatch g;
  g.inputs = torch::arange(4, torch::kByte).view({1, 1, 2, 2});
  EXPECT_TRUE(torch::equal(gray->forward(g, false).inputs, g.inputs.to(torch::kFloat)));
}

TEST(ClsDataPreprocessor, PadsStackedInputsToTheDivisor) {
  auto p = build(
      "dict(type='ClsDataPreprocessor', mean=[0, 0, 0], std=[1, 1, 1], pad_size_divisor=4, "
      "pad_value=-7)");
  data::DataBatch batch;
  batch.inputs = raw_batch(2, 5, 7);
  torch::Tensor o = p->forward(batch, false).inputs;
  ASSERT_EQ(o.sizes(), (std::vector<std::int64_t>{2, 3, 8, 8}));
  EXPECT_TRUE(torch::equal(o.slice(2, 0, 5).slice(3, 0, 7), batch.inputs.to(torch::kFloat)));
  EXPECT_TRUE(o.slice(2, 5).eq(-7).all().item<bool>());
  EXPECT_TRUE(o.slice(3, 7).eq(-7).all().item<bool>());
}

TEST(ClsDataPreprocessor, StacksListedInputsPaddedToTheLargest) {
  auto p = build("dict(type='ClsDataPreprocessor', mean=[1, 1, 1], std=[2, 2, 2], pad_value=9.5)");
  data::DataBatch batch;
  batch.input_list = {raw_batch(1, 4, 5)[0], raw_batch(1, 6, 3)[0]};
  torch::Tensor o = p->forward(batch, false).inputs;
  ASSERT_EQ(o.sizes(), (std::vector<std::int64_t>{2, 3, 6, 5}));
  torch::Tensor first = (batch.input_list[0].to(torch::kFloat) - 1) / 2;
  EXPECT_TRUE(torch::equal(o[0].slice(1, 0, 4), first));
  EXPECT_TRUE(o[0].slice(1, 4).eq(9.5).all().item<bool>());
  EXPECT_TRUE(o[1].slice(2, 3).eq(9.5).all().item<bool>());
  // With a divisor the largest size is rounded up too.
  auto q = build("dict(type='ClsDataPreprocessor', pad_size_divisor=4)");
  EXPECT_EQ(q->forward(batch, false).inputs.sizes(), (std::vector<std::int64_t>{2, 3, 8, 8}));
  // Equal sizes: a plain stack, as default_collate gives, with the same values.
  data::DataBatch same;
  same.input_list = {raw_batch(1, 3, 3)[0], raw_batch(1, 3, 3)[0]};
  data::DataBatch stacked;
  stacked.inputs = torch::stack(same.input_list);
  EXPECT_TRUE(torch::equal(p->forward(same, false).inputs, p->forward(stacked, false).inputs));
}

TEST(ClsDataPreprocessor, LabelsBecomeOneHotScoresWhenAsked) {
  auto p = build("dict(type='ClsDataPreprocessor', to_onehot=True, num_classes=5)");
  data::DataBatch batch;
  batch.inputs = raw_batch(3, 2, 2);
  batch.data_samples = {sample_with_label({1}), sample_with_label({3}),
                        sample_with_label({0, 2})};  // multi-label
  data::DataBatch out = p->forward(batch, false);
  ASSERT_EQ(out.data_samples.size(), 3u);
  torch::Tensor want =
      torch::tensor({0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0}, torch::kLong).view({3, 5});
  for (int i = 0; i < 3; ++i) {
    const torch::Tensor& score = out.data_samples[i]->get("gt_score");
    EXPECT_EQ(score.scalar_type(), torch::kLong);  // F.one_hot's dtype, kept by MMPretrain
    EXPECT_TRUE(torch::equal(score, want[i])) << "sample " << i;
    EXPECT_EQ(out.data_samples[i]->metainfo().as_dict().find("num_classes")->as_int(), 5);
  }
  EXPECT_TRUE(torch::equal(out.data_samples[2]->gt_label(), torch::tensor({0, 2})));
  // Without to_onehot, no scores.
  auto plain = build("dict(type='ClsDataPreprocessor')");
  EXPECT_FALSE(plain->forward(batch, false).data_samples[0]->has("gt_score"));
}

TEST(ClsDataPreprocessor, OneHotNeedsNumClassesFromArgumentOrSample) {
  auto p = build("dict(type='ClsDataPreprocessor', to_onehot=True)");
  data::DataBatch batch;
  batch.inputs = raw_batch(1, 2, 2);
  batch.data_samples = {sample_with_label({2})};
  EXPECT_EQ(error_kind([&] { p->forward(batch, false); }), "AssertionError");
  batch.data_samples[0]->set_metainfo("num_classes", config::Value(std::int64_t{4}));
  torch::Tensor score = p->forward(batch, false).data_samples[0]->get("gt_score");
  EXPECT_TRUE(torch::equal(score, torch::tensor({0, 0, 1, 0}, torch::kLong)));
  // A label past num_classes is an error, not a crash.
  auto small = build("dict(type='ClsDataPreprocessor', to_onehot=True, num_classes=2)");
  EXPECT_EQ(error_kind([&] { small->forward(batch, false); }), "RuntimeError");
}

TEST(ClsDataPreprocessor, GivenScoresAreStackedAndKept) {
  auto p = build("dict(type='ClsDataPreprocessor', to_onehot=True, num_classes=3)");
  data::DataBatch batch;
  batch.inputs = raw_batch(2, 2, 2);
  batch.data_samples = {sample_with_label({0}), sample_with_label({1})};
  batch.data_samples[0]->set("gt_score", torch::tensor({0.2f, 0.8f, 0.f}));
  batch.data_samples[1]->set("gt_score", torch::tensor({0.f, 0.f, 1.f}));
  data::DataBatch out = p->forward(batch, false);
  EXPECT_TRUE(torch::equal(out.data_samples[0]->get("gt_score"), torch::tensor({0.2f, 0.8f, 0.f})));
}

TEST(ClsDataPreprocessor, BatchAugmentsRunOnlyInTrainingAndFollowTheBatchSeed) {
  auto p = build(
      "dict(type='ClsDataPreprocessor', num_classes=4, "
      "batch_augments=dict(augments=[dict(type='Mixup', alpha=1.0)]))");
  EXPECT_TRUE(p->to_onehot());  // forced on by the augments
  ASSERT_NE(p->batch_augments(), nullptr);
  data::DataBatch batch;
  batch.inputs = raw_batch(4, 3, 3).to(torch::kFloat);  // float: in-place risk
  const torch::Tensor original = batch.inputs.clone();
  for (int i = 0; i < 4; ++i) batch.data_samples.push_back(sample_with_label({i}));
  batch.seed = 1234;

  data::DataBatch eval = p->forward(batch, false);
  EXPECT_TRUE(torch::equal(eval.inputs, original));
  EXPECT_TRUE(torch::equal(eval.data_samples[1]->get("gt_score"),
                           torch::tensor({0, 1, 0, 0}, torch::kLong)));

  data::DataBatch a = p->forward(batch, true);
  data::DataBatch b = p->forward(batch, true);
  EXPECT_TRUE(torch::equal(batch.inputs, original));  // the caller's batch is untouched
  EXPECT_FALSE(torch::equal(a.inputs, original));
  EXPECT_TRUE(torch::equal(a.inputs, b.inputs));  // same seed, same mix
  for (int i = 0; i < 4; ++i) {
    const torch::Tensor& s = a.data_samples[i]->get("gt_score");
    EXPECT_EQ(s.scalar_type(), torch::kFloat);
    EXPECT_NEAR(s.sum().item<float>(), 1.0f, 1e-6f);
    EXPECT_TRUE(torch::equal(s, b.data_samples[i]->get("gt_score")));
  }
  // The mix is exactly the one drawn from Rng(batch.seed): the choice, lam, the order.
  Rng rng(1234);
  EXPECT_EQ(p->batch_augments()->choose(rng), 0u);
  const double lam = rng.beta(1.0, 1.0);
  const std::vector<std::int64_t> index = rng.permutation(4);
  auto [want_inputs, want_scores] =
      Mixup(1.0).mix_with(original, torch::eye(4, torch::kFloat), lam, index);
  EXPECT_TRUE(torch::equal(a.inputs, want_inputs));
  EXPECT_TRUE(torch::equal(a.data_samples[2]->get("gt_score"), want_scores[2]));
  batch.seed = 99;
  EXPECT_FALSE(torch::equal(p->forward(batch, true).inputs, a.inputs));
}

TEST(ClsDataPreprocessor, OutputsLiveOnTheModelsDevice) {
  auto p = build("dict(type='ClsDataPreprocessor', mean=[1, 2, 3], std=[1, 1, 1])");
  data::DataBatch batch;
  batch.input_list = {raw_batch(1, 4, 4)[0], raw_batch(1, 2, 3)[0]};
  // The meta device stands in for an accelerator: shapes flow, no data (and
  // LibTorch 1.13 has no meta flip, so no to_rgb here).
  p->set_device(torch::Device("meta"));
  data::DataBatch out = p->forward(batch, false);
  EXPECT_TRUE(out.inputs.is_meta());
  EXPECT_EQ(out.inputs.sizes(), (std::vector<std::int64_t>{2, 3, 4, 4}));
  p->set_device(torch::kCPU);
  EXPECT_EQ(p->forward(batch, false).inputs.device(), torch::Device(torch::kCPU));
}

TEST(ClsDataPreprocessor, OutputsAndLabelsLiveOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device (the meta test covers this)";
  auto p = build("dict(type='ClsDataPreprocessor', mean=[1, 2, 3], std=[1, 1, 1], to_rgb=True)");
  data::DataBatch batch;
  batch.input_list = {raw_batch(1, 4, 4)[0], raw_batch(1, 2, 3)[0]};
  p->set_device(torch::Device(torch::kCUDA, 0));
  batch.data_samples = {sample_with_label({1}), sample_with_label({2})};
  data::DataBatch cuda = p->forward(batch, false);
  EXPECT_TRUE(cuda.inputs.is_cuda());
  EXPECT_TRUE(cuda.data_samples[0]->gt_label().is_cuda());
}

TEST(ClsDataPreprocessor, RejectsWhatMMPretrainRejects) {
  EXPECT_EQ(error_kind([] { build("dict(type='ClsDataPreprocessor', mean=[1, 2, 3])"); }),
            "AssertionError");
  EXPECT_EQ(error_kind([] { build("dict(type='ClsDataPreprocessor', bgr_to_rgb=True)"); }),
            "TypeError");
  EXPECT_EQ(error_kind(
                [] { build("dict(type='ClsDataPreprocessor', batch_augments=dict(augment=[]))"); }),
            "TypeError");
  // `batch_augments={}` is falsy in Python: no augments, to_onehot stays off.
  auto p = build("dict(type='ClsDataPreprocessor', batch_augments=dict())");
  EXPECT_EQ(p->batch_augments(), nullptr);
  EXPECT_FALSE(p->to_onehot());
  // mean/std are not parameters or buffers (not in the state dict).
  auto q = build("dict(type='ClsDataPreprocessor', mean=[1, 2, 3], std=[1, 1, 1])");
  EXPECT_TRUE(q->named_buffers().is_empty());
  EXPECT_TRUE(q->named_parameters().is_empty());
}

}  // namespace
}  // namespace mmcpp::pretrain
