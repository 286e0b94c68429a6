// DataLoader: config keys, batching, determinism across worker counts, direct
// batch access, resuming, infinite samplers and error propagation.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/data/dataloader.h"
#include "tests/support/toy_data.h"

namespace mmcpp::data {
namespace {

config::Value cfg(const std::string& text) {
  return *config::Config::fromstring("c = " + text, ".py").to_dict().as_dict().find("c");
}

std::shared_ptr<DataLoader> loader(const std::string& text, std::uint64_t seed = 1,
                                   bool training = true) {
  return DataLoader::from_config(cfg(text), seed, training);
}

std::vector<std::int64_t> sample_ids(const DataBatch& b) {
  std::vector<std::int64_t> ids;
  for (const auto& s : b.data_samples)
    ids.push_back(s->metainfo().as_dict().find("sample_idx")->as_int());
  return ids;
}

std::vector<DataBatch> run_epoch(DataLoader& dl, std::int64_t epoch, std::size_t start = 0) {
  std::vector<DataBatch> out;
  dl.start_epoch(epoch, start);
  DataBatch b;
  while (dl.next(b)) out.push_back(b);
  return out;
}

void expect_same(const DataBatch& a, const DataBatch& b, const std::string& what) {
  ASSERT_EQ(a.inputs.defined(), b.inputs.defined()) << what;
  if (a.inputs.defined()) {
    EXPECT_TRUE(a.inputs.equal(b.inputs)) << what;
  }
  ASSERT_EQ(a.input_list.size(), b.input_list.size()) << what;
  for (std::size_t i = 0; i < a.input_list.size(); ++i)
    EXPECT_TRUE(a.input_list[i].equal(b.input_list[i])) << what;
  EXPECT_EQ(sample_ids(a), sample_ids(b)) << what;
}

std::string with_workers(int n) {
  return "dict(dataset=dict(type='ToyDataset', size=23, delay_us=200), "
         "sampler=dict(type='DefaultSampler', shuffle=True), batch_size=4, "
         "collate_fn=dict(type='default_collate'), num_workers=" +
         std::to_string(n) + ")";
}

TEST(DataLoader, SameBatchesForZeroOneAndFourWorkers) {
  auto ref = loader(with_workers(0), 7);
  EXPECT_EQ(ref->num_batches(), 6u);
  for (std::int64_t epoch : {0, 1}) {
    auto want = run_epoch(*ref, epoch);
    ASSERT_EQ(want.size(), 6u);
    EXPECT_EQ(want.back().size(), 3u);
    for (int n : {1, 4}) {
      auto dl = loader(with_workers(n), 7);
      auto got = run_epoch(*dl, epoch);
      ASSERT_EQ(got.size(), want.size()) << n << " workers";
      for (std::size_t k = 0; k < got.size(); ++k)
        expect_same(want[k], got[k], std::to_string(n) + " workers, batch " + std::to_string(k));
    }
  }
}

TEST(DataLoader, OrderFollowsTheSamplerAndSeedsEachSample) {
  auto dl = loader(
      "dict(dataset=dict(type='ToyDataset', size=10), batch_size=3, "
      "sampler=dict(type='DefaultSampler'), collate_fn=dict(type='default_collate'))",
      5);
  EXPECT_EQ(dl->sampler().seed(), 5u);  // the run seed is the sampler's default
  auto batches = run_epoch(*dl, 2);
  std::vector<std::int64_t> order;
  for (const auto& b : batches)
    for (auto id : sample_ids(b)) order.push_back(id);
  auto perm = seeded_permutation(10, 5 + 2);
  ASSERT_EQ(order.size(), perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i)
    EXPECT_EQ(order[i], static_cast<std::int64_t>(perm[i]));
  // inputs[:, 1] is the first uniform draw of mt19937_64(sample_seed(seed, epoch, index)).
  const auto& b = batches[0];
  ASSERT_EQ(b.inputs.sizes(), (std::vector<std::int64_t>{3, 2}));
  for (std::int64_t i = 0; i < 3; ++i) {
    auto idx = static_cast<std::size_t>(b.inputs[i][0].item<float>());
    std::mt19937_64 rng(sample_seed(5, 2, idx));
    EXPECT_EQ(b.inputs[i][1].item<float>(), std::uniform_real_distribution<float>(0.f, 1.f)(rng));
  }
  EXPECT_NE(sample_seed(5, 2, 3), sample_seed(5, 3, 3));
  EXPECT_NE(sample_seed(5, 2, 3), sample_seed(5, 2, 4));
  EXPECT_NE(sample_seed(5, 2, 3), sample_seed(6, 2, 3));
}

TEST(DataLoader, DirectBatchEqualsIteratedBatchAndResumeContinues) {
  auto dl = loader(with_workers(2), 3);
  auto all = run_epoch(*dl, 4);
  for (std::size_t k = 0; k < all.size(); ++k)
    expect_same(all[k], dl->batch(4, k), "batch(4, " + std::to_string(k) + ")");
  auto tail = run_epoch(*dl, 4, 4);
  ASSERT_EQ(tail.size(), 2u);
  expect_same(all[4], tail[0], "resumed batch 4");
  expect_same(all[5], tail[1], "resumed batch 5");
  EXPECT_TRUE(run_epoch(*dl, 4, 99).empty());
  EXPECT_THROW(dl->batch(4, 6), Error);
}

TEST(DataLoader, DropLastAndNumBatchPerEpoch) {
  auto keep = loader(
      "dict(dataset=dict(type='ToyDataset', size=10), batch_size=3, "
      "sampler=dict(type='DefaultSampler', shuffle=False))");
  EXPECT_EQ(keep->num_batches(), 4u);
  auto kept = run_epoch(*keep, 0);
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_EQ(kept.back().size(), 1u);
  EXPECT_EQ(sample_ids(kept.back()), (std::vector<std::int64_t>{9}));
  // pseudo_collate (the default) keeps a list of inputs.
  EXPECT_FALSE(kept[0].inputs.defined());
  EXPECT_EQ(kept[0].input_list.size(), 3u);

  auto drop = loader(
      "dict(dataset=dict(type='ToyDataset', size=10), batch_size=3, "
      "drop_last=True, sampler=dict(type='DefaultSampler', shuffle=False))");
  EXPECT_EQ(drop->num_batches(), 3u);
  EXPECT_EQ(run_epoch(*drop, 0).size(), 3u);

  // MMEngine slices the dataset to num_batch_per_epoch * batch_size samples.
  auto sliced = loader(
      "dict(dataset=dict(type='ToyDataset', size=10), batch_size=3, "
      "num_batch_per_epoch=2, sampler=dict(type='DefaultSampler'))");
  EXPECT_EQ(sliced->num_batches(), 2u);
  EXPECT_EQ(sliced->dataset_size(), 6u);
  for (const auto& b : run_epoch(*sliced, 1))
    for (auto id : sample_ids(b)) EXPECT_LT(id, 6);
}

TEST(DataLoader, WorkerErrorIsRethrownInOrderWithTheBatchIndex) {
  for (int n : {0, 1, 4}) {
    auto dl = loader(
        "dict(dataset=dict(type='ToyDataset', size=20, fail_at=7, delay_us=100), "
        "batch_size=3, sampler=dict(type='DefaultSampler', shuffle=False), "
        "num_workers=" +
        std::to_string(n) + ")");
    dl->start_epoch(0);
    DataBatch b;
    ASSERT_TRUE(dl->next(b));
    ASSERT_TRUE(dl->next(b));  // batches 0 and 1 are fine even if batch 2 failed first
    EXPECT_EQ(sample_ids(b), (std::vector<std::int64_t>{3, 4, 5}));
    try {
      dl->next(b);
      FAIL() << "no error with " << n << " workers";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), "ValueError");
      std::string msg = e.what();
      EXPECT_NE(msg.find("batch 2 of epoch 0"), std::string::npos) << msg;
      EXPECT_NE(msg.find("sample 7 is broken"), std::string::npos) << msg;
    }
    EXPECT_FALSE(dl->next(b));  // the epoch ended with the error
    EXPECT_THROW(dl->batch(0, 2), Error);
    EXPECT_NO_THROW(dl->batch(0, 3));
  }
}

TEST(DataLoader, StopAndDestroyWhilePrefetching) {
  auto dl = loader(with_workers(4));
  dl->start_epoch(0);
  DataBatch b;
  ASSERT_TRUE(dl->next(b));
  dl->stop();
  EXPECT_FALSE(dl->next(b));
  dl->start_epoch(1);
  ASSERT_TRUE(dl->next(b));
  dl.reset();  // destructor joins the workers
}

TEST(DataLoader, InfiniteSamplerNeverEnds) {
  for (int n : {0, 3}) {
    auto dl = loader(
        "dict(dataset=dict(type='ToyDataset', size=10), batch_size=4, "
        "collate_fn=dict(type='default_collate'), "
        "sampler=dict(type='InfiniteSampler', seed=5), num_workers=" +
        std::to_string(n) + ")");
    EXPECT_EQ(dl->num_batches(), 3u);
    dl->start_epoch(0);
    std::vector<DataBatch> got(8);
    for (auto& b : got) ASSERT_TRUE(dl->next(b));
    dl->stop();
    // Stream: randperm passes of one generator seeded 5, 4 at a time across passes.
    std::vector<std::int64_t> want = {1, 4, 9, 6, 3, 5, 0, 2, 8, 7, 4, 2, 8, 7, 6, 1, 0, 3, 5, 9};
    std::vector<std::int64_t> seen;
    for (const auto& b : got)
      for (auto id : sample_ids(b)) seen.push_back(id);
    EXPECT_EQ(std::vector<std::int64_t>(seen.begin(), seen.begin() + 20), want);
    // Batch e * num_batches + k: "epochs" are windows on one stream.
    expect_same(got[4], dl->batch(1, 1), "batch(1, 1)");
    expect_same(got[7], dl->batch(0, 7), "batch(0, 7)");
    dl->start_epoch(2, 1);
    DataBatch b;
    ASSERT_TRUE(dl->next(b));
    expect_same(got[7], b, "resumed at (2, 1)");
  }
}

TEST(DataLoader, CollateFunctions) {
  auto stacked = loader(
      "dict(dataset=dict(type='ToyDataset', size=4), batch_size=4, "
      "sampler=dict(type='DefaultSampler', shuffle=False), "
      "collate_fn=dict(type='default_collate'))");
  DataBatch b = stacked->batch(0, 0);
  EXPECT_EQ(b.inputs.sizes(), (std::vector<std::int64_t>{4, 2}));
  EXPECT_EQ(b.size(), 4u);
  EXPECT_EQ(b.data_samples.size(), 4u);

  auto varying = loader(
      "dict(dataset=dict(type='ToyDataset', size=4, varying_shapes=True), "
      "batch_size=4, sampler=dict(type='DefaultSampler', shuffle=False), "
      "collate_fn=dict(type='default_collate'))");
  try {
    varying->batch(0, 0);
    FAIL() << "stacked unequal shapes";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
    EXPECT_NE(std::string(e.what()).find("(2,), (3,)"), std::string::npos) << e.what();
  }
  auto listed = loader(
      "dict(dataset=dict(type='ToyDataset', size=4, varying_shapes=True), "
      "batch_size=4, sampler=dict(type='DefaultSampler', shuffle=False), "
      "collate_fn=dict(type='pseudo_collate'))");
  DataBatch l = listed->batch(0, 0);
  ASSERT_EQ(l.input_list.size(), 4u);
  EXPECT_EQ(l.input_list[1].numel(), 3);
  EXPECT_EQ(l.size(), 4u);
}

TEST(DataLoader, ConfigKeys) {
  try {
    loader(
        "dict(dataset=dict(type='ToyDataset'), batch_sise=2, sampler=dict(type='DefaultSampler'))");
    FAIL() << "unknown key accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
    std::string msg = e.what();
    EXPECT_NE(msg.find("'batch_sise'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Did you mean 'batch_size'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("num_workers"), std::string::npos) << msg;  // known keys listed
  }
  EXPECT_THROW(loader("dict(batch_size=2, sampler=dict(type='DefaultSampler'))"), Error);
  EXPECT_THROW(loader("dict(dataset=dict(type='ToyDataset'), batch_size=0, "
                      "sampler=dict(type='DefaultSampler'))"),
               Error);
  EXPECT_THROW(loader("dict(dataset=dict(type='ToyDataset'), shuffle=True, "
                      "sampler=dict(type='DefaultSampler'))"),
               Error);
  EXPECT_THROW(loader("dict(dataset=dict(type='ToyDataset'), sampler=dict(type='DefaultSampler'), "
                      "collate_fn='default_collate')"),
               Error);
  // Accepted and ignored (processes-only options), as in MMPretrain's tools.
  auto dl = loader(
      "dict(dataset=dict(type='ToyDataset'), sampler=dict(type='DefaultSampler'), "
      "persistent_workers=True, pin_memory=True, prefetch_factor=4, timeout=0, "
      "num_workers=2, batch_sampler=None)");
  EXPECT_EQ(dl->options().num_workers, 2);
  EXPECT_EQ(dl->options().prefetch_factor, 4u);
  // Without a sampler: sequential, with a warning.
  auto seq = loader("dict(dataset=dict(type='ToyDataset', size=5), batch_size=5)");
  EXPECT_EQ(sample_ids(seq->batch(3, 0)), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
}

}  // namespace
}  // namespace mmcpp::data

namespace mmcpp::data {
namespace {

// Resume restores the run seed into a loader: its sample and batch seeds follow,
// and so does a sampler whose seed came from the run (none in the config).
TEST(DataLoader, SetSeedMakesItTheLoaderOfThatSeed) {
  const std::string text = with_workers(2);
  auto resumed = loader(text, 11);
  resumed->set_seed(22);
  auto fresh = loader(text, 22);
  EXPECT_EQ(resumed->sampler().seed(), 22u);
  auto a = run_epoch(*resumed, 3, 1), b = run_epoch(*fresh, 3, 1);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    expect_same(a[i], b[i], "batch " + std::to_string(i));
    EXPECT_EQ(a[i].seed, b[i].seed);
  }
  // A sampler seeded by the config keeps its seed.
  auto own = loader(
      "dict(dataset=dict(type='ToyDataset', size=23), sampler=dict(type='DefaultSampler', "
      "shuffle=True, seed=5), batch_size=4, collate_fn=dict(type='default_collate'))",
      11);
  EXPECT_FALSE(own->sampler_seed_follows_run());
  own->set_seed(22);
  EXPECT_EQ(own->sampler().seed(), 5u);
  EXPECT_EQ(own->seed(), 22u);
}

// A stop request ends a wait for a worker at once (the worker may be stuck).
TEST(DataLoader, StopRequestEndsTheWaitForABatch) {
  auto dl = loader(
      "dict(dataset=dict(type='ToyDataset', size=64, delay_us=20000), "
      "sampler=dict(type='DefaultSampler', shuffle=False), batch_size=8, "
      "collate_fn=dict(type='default_collate'), num_workers=1)");
  StopRequest stop;
  dl->set_stop_request(&stop);
  dl->start_epoch(0);
  DataBatch b;
  ASSERT_TRUE(dl->next(b));
  stop.request("test");
  EXPECT_FALSE(dl->next(b));
  dl->set_stop_request(nullptr);
}

}  // namespace
}  // namespace mmcpp::data
