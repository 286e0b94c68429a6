// Collectives of mmcpp/engine/dist/dist.h on a real 2- or 3-rank Gloo group
// (threads of this process), and the Evaluator's collection of predictions.
#include "mmcpp/engine/dist/dist.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <mutex>

#include "mmcpp/config/config.h"
#include "mmcpp/data/sampler.h"
#include "mmcpp/engine/dist/dist_context.h"
#include "mmcpp/evaluation/metric.h"
#include "tests/engine/dist/dist_test_util.h"
#include "tests/support/toy_data.h"

namespace mmcpp::dist {
namespace {

using testing::run_ranks;

TEST(DistCollectives, AllReduceBroadcastGather) {
  run_ranks(3, [](const std::shared_ptr<DistContext>& ctx) {
    const int r = ctx->rank();
    torch::Tensor t = torch::tensor({1.0f + r, 10.0f * r});
    all_reduce(ctx.get(), t, ReduceOp::Sum);
    EXPECT_TRUE(torch::equal(t, torch::tensor({6.0f, 30.0f})));
    torch::Tensor m = torch::tensor({1.0f + r});
    all_reduce(ctx.get(), m, ReduceOp::Mean);
    EXPECT_FLOAT_EQ(m.item<float>(), 2.0f);
    torch::Tensor mx = torch::tensor({r == 1 ? 7 : r}, torch::kLong);
    all_reduce(ctx.get(), mx, ReduceOp::Max);
    EXPECT_EQ(mx.item<std::int64_t>(), 7);
    // MMEngine's true_divide then copy: integers truncate.
    torch::Tensor im = torch::tensor({static_cast<std::int64_t>(r + 1)}, torch::kLong);
    all_reduce(ctx.get(), im, ReduceOp::Mean);
    EXPECT_EQ(im.item<std::int64_t>(), 2);

    torch::Tensor b = torch::full({2, 2}, static_cast<float>(r));
    broadcast(ctx.get(), b, 2);
    EXPECT_TRUE(torch::equal(b, torch::full({2, 2}, 2.0f)));

    auto parts = all_gather(ctx.get(), torch::tensor({r}, torch::kLong));
    ASSERT_EQ(parts.size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(parts[i].item<std::int64_t>(), i);
    barrier(ctx.get());

    auto bytes = all_gather_bytes(ctx.get(), std::string(static_cast<std::size_t>(r * 5), 'a' + r));
    ASSERT_EQ(bytes.size(), 3u);
    for (int i = 0; i < 3; ++i)
      EXPECT_EQ(bytes[i], std::string(static_cast<std::size_t>(i * 5), 'a' + i));
    EXPECT_EQ(broadcast_bytes(ctx.get(), r == 1 ? "from one" : "x", 1), "from one");
    EXPECT_EQ(sync_random_seed(ctx.get(), 100 + r), 100u);
  });
}

TEST(DistCollectives, NotDistributedIsIdentity) {
  torch::Tensor t = torch::tensor({3.0f});
  all_reduce(nullptr, t, ReduceOp::Mean);
  broadcast(nullptr, t, 0);
  EXPECT_FLOAT_EQ(t.item<float>(), 3.0f);
  EXPECT_EQ(get_world_size(nullptr), 1);
  EXPECT_TRUE(is_main_process(nullptr));
  EXPECT_EQ(broadcast_bytes(nullptr, "abc"), "abc");
  EXPECT_EQ(sync_random_seed(nullptr, 42), 42u);
}

TEST(DistCollectives, AllReduceParamsCoalescesMixedTypes) {
  run_ranks(2, [](const std::shared_ptr<DistContext>& ctx) {
    const int r = ctx->rank();
    std::vector<torch::Tensor> params = {torch::full({3}, 2.0f * r), torch::full({2, 2}, 4.0 * r),
                                         torch::tensor({static_cast<std::int64_t>(5)})};
    all_reduce_params(ctx.get(), params, ReduceOp::Mean);
    EXPECT_TRUE(torch::allclose(params[0], torch::full({3}, 1.0f)));
    EXPECT_TRUE(torch::allclose(params[1], torch::full({2, 2}, 2.0)));
    EXPECT_EQ(params[2].item<std::int64_t>(), 5);
  });
}

data::DataSamplePtr sample(std::int64_t index) {
  auto s = std::make_shared<data::DataSample>();
  s->set_gt_label(torch::tensor({index % 3}, torch::kLong));
  s->set("pred_score", torch::tensor({0.1f * static_cast<float>(index), 1.0f}));
  s->set_metainfo("sample_idx", config::Value(index));
  s->set_metainfo("ori_shape",
                  config::Config::fromstring("x = (28, 28)", ".py").get("x")->deep_copy());
  return s;
}

TEST(DistCollectives, SamplesRoundTrip) {
  data::DataSamples in = {sample(3), sample(7)};
  data::DataSamples out = deserialize_samples(serialize_samples(in));
  ASSERT_EQ(out.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(torch::equal(out[i]->get("pred_score"), in[i]->get("pred_score")));
    EXPECT_TRUE(torch::equal(out[i]->gt_label(), in[i]->gt_label()));
    EXPECT_EQ(out[i]->get("gt_label").scalar_type(), torch::kLong);
    EXPECT_TRUE(out[i]->metainfo().equals(in[i]->metainfo())) << out[i]->metainfo().repr();
  }
}

TEST(DistCollectives, CollectResultsRestoresDatasetOrderAndDropsPadding) {
  // 7 samples dealt to 2 ranks by a DefaultSampler (round_up pads one: index 0).
  run_ranks(2, [](const std::shared_ptr<DistContext>& ctx) {
    data::DefaultSampler sampler(false, 0, true);
    sampler.bind(7, ctx->rank(), 2);
    data::DataSamples mine;
    for (std::size_t i : sampler.epoch_indices(0))
      mine.push_back(sample(static_cast<std::int64_t>(i)));
    EXPECT_EQ(mine.size(), 4u);
    auto all = collect_results(ctx.get(), mine, 7);
    if (ctx->rank() != 0) {
      EXPECT_FALSE(all.has_value());
      return;
    }
    ASSERT_TRUE(all.has_value());
    ASSERT_EQ(all->size(), 7u);
    for (std::int64_t i = 0; i < 7; ++i)
      EXPECT_EQ(
          (*all)[static_cast<std::size_t>(i)]->metainfo().as_dict().find("sample_idx")->as_int(),
          i);
  });
}

// The metric of 2 ranks (each evaluating its DefaultSampler shard, the padded
// sample included) equals the one-process metric.
TEST(DistCollectives, EvaluatorGathersEveryRankExactlyOnce) {
  auto make_predictions = [](const std::vector<std::size_t>& indices) {
    data::DataSamples out;
    for (std::size_t i : indices) {
      auto s = std::make_shared<data::DataSample>();
      s->set_gt_label(torch::tensor({static_cast<std::int64_t>(i % 2)}, torch::kLong));
      s->set("pred_label", torch::tensor({static_cast<std::int64_t>(i % 3 == 0)}, torch::kLong));
      out.push_back(s);
    }
    return out;
  };
  auto evaluate = [&](evaluation::Evaluator& ev, const std::vector<std::size_t>& indices) {
    for (std::size_t b = 0; b < indices.size(); b += 4) {
      std::vector<std::size_t> chunk(indices.begin() + b,
                                     indices.begin() + std::min(indices.size(), b + 4));
      data::DataBatch batch;
      batch.data_samples = make_predictions(chunk);
      ev.process(batch, batch.data_samples);
    }
    return ev.evaluate(11);
  };
  auto cfg =
      config::Config::fromstring("x = dict(type='ToyAccuracy')", ".py").get("x")->deep_copy();
  auto single = evaluation::Evaluator::from_config(cfg);
  std::vector<std::size_t> all(11);
  for (std::size_t i = 0; i < 11; ++i) all[i] = i;
  evaluation::Metrics expected = evaluate(*single, all);

  std::mutex mutex;
  std::vector<evaluation::Metrics> got(2);
  run_ranks(2, [&](const std::shared_ptr<DistContext>& ctx) {
    auto ev = evaluation::Evaluator::from_config(cfg);
    ev->set_collector(make_result_collector(ctx));
    data::DefaultSampler sampler(false, 0, true);
    sampler.bind(11, ctx->rank(), 2);
    auto metrics = evaluate(*ev, sampler.epoch_indices(0));
    std::lock_guard<std::mutex> lock(mutex);
    got[static_cast<std::size_t>(ctx->rank())] = metrics;
  });
  for (const auto& m : got) {
    ASSERT_EQ(m.size(), expected.size());
    for (std::size_t i = 0; i < m.size(); ++i) {
      EXPECT_EQ(m[i].first, expected[i].first);
      EXPECT_EQ(m[i].second, expected[i].second) << m[i].first;
    }
  }
}

}  // namespace
}  // namespace mmcpp::dist
