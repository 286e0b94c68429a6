#include "mmcpp/engine/dist/sync_batchnorm.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <mutex>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/dist/dist.h"
#include "tests/engine/dist/dist_test_util.h"

namespace mmcpp::dist {
namespace {

using testing::run_ranks;

void expect_close(const torch::Tensor& a, const torch::Tensor& b, double tol, const char* what) {
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  double err = (a - b).abs().max().item<double>();
  double scale = std::max(1.0, b.abs().max().item<double>());
  EXPECT_LE(err, tol * scale) << what << ": max abs difference " << err;
}

TEST(SyncBatchNorm, StateDictAndDefaultsEqualBatchNorm) {
  SyncBatchNorm sync(8);
  torch::nn::BatchNorm2d bn(8);
  auto a = sync->named_parameters(), b = bn->named_parameters();
  ASSERT_EQ(a.keys(), b.keys());
  ASSERT_EQ(sync->named_buffers().keys(), bn->named_buffers().keys());
  for (const auto& k : a.keys()) EXPECT_TRUE(torch::equal(a[k], b[k])) << k;
}

TEST(SyncBatchNorm, WithoutGroupIsPlainBatchNorm) {
  torch::manual_seed(1);
  torch::Tensor x = torch::randn({6, 4, 5, 5});
  SyncBatchNorm sync(4);
  torch::nn::BatchNorm2d bn(4);
  for (int step = 0; step < 2; ++step) {
    torch::Tensor xs = x.clone().requires_grad_(), xb = x.clone().requires_grad_();
    torch::Tensor ys = sync->forward(xs), yb = bn->forward(xb);
    EXPECT_TRUE(torch::equal(ys, yb));
    (ys * ys).sum().backward();
    (yb * yb).sum().backward();
    EXPECT_TRUE(torch::equal(xs.grad(), xb.grad()));
  }
  EXPECT_TRUE(torch::equal(sync->running_var, bn->running_var));
  EXPECT_EQ(sync->num_batches_tracked.item<std::int64_t>(), 2);
  sync->eval();
  bn->eval();
  EXPECT_TRUE(torch::equal(sync->forward(x), bn->forward(x)));
}

// Two ranks, each with half of the batch, give the outputs, input gradients,
// running statistics and (summed over ranks) parameter gradients of BatchNorm
// on the whole batch.
TEST(SyncBatchNorm, TwoRanksEqualOneBatchNormOverTheWholeBatch) {
  torch::manual_seed(3);
  torch::Tensor x = torch::randn({8, 3, 4, 4}) * 2 + 1;
  torch::Tensor w = torch::randn({8, 3, 4, 4});  // loss weights
  torch::nn::BatchNorm2d bn(torch::nn::BatchNorm2dOptions(3).momentum(0.3));
  {
    torch::NoGradGuard g;
    bn->weight.uniform_(0.5, 1.5);
    bn->bias.uniform_(-0.5, 0.5);
  }
  torch::Tensor xb = x.clone().requires_grad_();
  torch::Tensor yb = bn->forward(xb);
  (yb * w).sum().backward();
  bn->eval();
  torch::Tensor y_eval = bn->forward(x).detach();

  std::mutex mutex;
  run_ranks(2, [&](const std::shared_ptr<DistContext>& ctx) {
    SyncBatchNorm sync(SyncBatchNormOptions(3).momentum(0.3));
    {
      torch::NoGradGuard g;
      sync->weight.copy_(bn->weight);
      sync->bias.copy_(bn->bias);
    }
    EXPECT_FALSE(sync->synchronizing());
    EXPECT_EQ(attach_sync_batchnorm(*sync, ctx), 1u);
    EXPECT_TRUE(sync->synchronizing());
    const std::int64_t r = ctx->rank();
    torch::Tensor xs = x.slice(0, 4 * r, 4 * r + 4).clone().requires_grad_();
    torch::Tensor ys = sync->forward(xs);
    (ys * w.slice(0, 4 * r, 4 * r + 4)).sum().backward();
    torch::Tensor gw = sync->weight.grad().clone(), gb = sync->bias.grad().clone();
    all_reduce(ctx.get(), gw, ReduceOp::Sum);
    all_reduce(ctx.get(), gb, ReduceOp::Sum);
    std::lock_guard<std::mutex> lock(mutex);
    expect_close(ys, yb.slice(0, 4 * r, 4 * r + 4), 1e-5, "output");
    expect_close(xs.grad(), xb.grad().slice(0, 4 * r, 4 * r + 4), 1e-5, "input grad");
    expect_close(gw, bn->weight.grad(), 1e-5, "weight grad");
    expect_close(gb, bn->bias.grad(), 1e-5, "bias grad");
    expect_close(sync->running_mean, bn->running_mean, 1e-6, "running_mean");
    expect_close(sync->running_var, bn->running_var, 1e-6, "running_var");
    // Evaluation uses the running statistics, without communicating.
    sync->eval();
    expect_close(sync->forward(x), y_eval, 1e-5, "eval output");
  });
}

TEST(SyncBatchNorm, ConvertAndRevert) {
  torch::nn::Sequential net(
      torch::nn::Conv2d(1, 2, 1),
      SyncBatchNorm(SyncBatchNormOptions(2).mode(SyncBatchNormOptions::Mode::kLocal)),
      torch::nn::BatchNorm2d(2), SyncBatchNorm(2));
  ConvertReport report = convert_sync_batchnorm(*net, "mmcv");
  EXPECT_EQ(report.converted, 1u);
  ASSERT_EQ(report.not_convertible.size(), 1u);
  EXPECT_EQ(report.not_convertible[0], "2");
  for (const auto& m : net->modules())
    if (auto* s = dynamic_cast<SyncBatchNormImpl*>(m.get()))
      EXPECT_EQ(s->mode(), SyncBatchNormOptions::Mode::kSync);
  EXPECT_EQ(revert_sync_batchnorm(*net), 2u);
  try {
    convert_sync_batchnorm(*net, "apex");
    FAIL() << "expected ValueError";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ValueError");
    EXPECT_NE(std::string(e.what()).find("sync_bn should be \"torch\" or \"mmcv\""),
              std::string::npos);
  }
}

// A kLocal layer with a group keeps per-rank statistics until converted.
TEST(SyncBatchNorm, LocalModeDoesNotSynchronise) {
  run_ranks(2, [](const std::shared_ptr<DistContext>& ctx) {
    SyncBatchNorm sync(SyncBatchNormOptions(1).mode(SyncBatchNormOptions::Mode::kLocal));
    attach_sync_batchnorm(*sync, ctx);
    EXPECT_FALSE(sync->synchronizing());
    torch::Tensor x = torch::full({2, 1, 1, 1}, static_cast<float>(ctx->rank())) +
                      torch::tensor({0.0f, 1.0f}).view({2, 1, 1, 1});
    sync->forward(x);
    // Local batch mean: rank + 0.5.
    EXPECT_NEAR(sync->running_mean.item<float>(), 0.1f * (ctx->rank() + 0.5f), 1e-6);
    convert_sync_batchnorm(*sync, "torch");
    sync->forward(x);
    // Global mean is 1.0 on both ranks.
    EXPECT_NEAR(sync->running_mean.item<float>(), 0.9f * 0.1f * (ctx->rank() + 0.5f) + 0.1f * 1.0f,
                1e-6);
  });
}

// norm_cfg=dict(type='SyncBN' / 'MMSyncBN', ...) as build_norm_layer passes it.
TEST(SyncBatchNorm, BuildSyncNormLayerFromNormCfg) {
  using config::Value;
  auto cfg = [](std::vector<std::pair<const char*, Value>> items) {
    Value d = Value::dict(false);
    for (auto& [k, v] : items) d.as_dict().set(Value(k), v);
    return d;
  };
  SyncBatchNorm plain = build_sync_norm_layer("SyncBN", 16, Value());
  EXPECT_EQ(plain->options.num_features(), 16);
  EXPECT_EQ(plain->options.eps(), 1e-5);
  EXPECT_EQ(plain->options.momentum(), std::optional<double>(0.1));
  EXPECT_EQ(plain->mode(), SyncBatchNormOptions::Mode::kSync);
  SyncBatchNorm custom = build_sync_norm_layer("SyncBN", 8,
                                               cfg({{"type", Value("SyncBN")},
                                                    {"eps", Value(1e-3)},
                                                    {"momentum", Value()},
                                                    {"affine", Value(false)},
                                                    {"process_group", Value()}}));
  EXPECT_EQ(custom->options.eps(), 1e-3);
  EXPECT_FALSE(custom->options.momentum().has_value());
  EXPECT_FALSE(custom->weight.defined());
  SyncBatchNorm mm =
      build_sync_norm_layer("MMSyncBN", 4, cfg({{"stats_mode", Value("N")}, {"group", Value()}}));
  EXPECT_EQ(mm->named_buffers().keys(), plain->named_buffers().keys());
  auto fails = [](const std::string& type, const Value& c, const std::string& kind,
                  const std::string& text) {
    try {
      build_sync_norm_layer(type, 4, c);
      ADD_FAILURE() << "expected " << kind << " for " << c.repr();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), kind) << e.what();
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  fails("SyncBN", cfg({{"stats_mode", Value("N")}}), "TypeError", "'stats_mode'");
  fails("MMSyncBN", cfg({{"stats_mode", Value("mean")}}), "AssertionError", "got \"mean\"");
  fails("MMSyncBN", cfg({{"group", Value(std::int64_t{2})}}), "NotImplementedError", "group=2");
  fails("BN", Value(), "KeyError", "'SyncBN' or 'MMSyncBN'");
}

}  // namespace
}  // namespace mmcpp::dist
