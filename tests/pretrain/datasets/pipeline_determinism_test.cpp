// The determinism proof on real data and real random transforms:
// Fashion-MNIST through RandomCrop(padding) + RandomFlip + RandomResizedCrop +
// PackInputs gives identical batches with 0, 1 and 4 loader threads, batch k of
// epoch e can be built directly, and another epoch draws other augmentations.
#include <gtest/gtest.h>

#include <filesystem>

#include "mmcpp/config/config.h"
#include "mmcpp/data/dataloader.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp {
namespace {

const char* kFashionMnist = "/usr/share/datasets/fashion-mnist";

std::shared_ptr<data::DataLoader> make_loader(int num_workers) {
  registry::ScopeGuard scope("mmpretrain");
  config::Config cfg = config::Config::fromstring(
      "loader = dict(batch_size=16, num_workers=" + std::to_string(num_workers) +
          ", dataset=dict(type='FashionMNIST', data_root='" + kFashionMnist +
          "', test_mode=True, indices=200, pipeline=[dict(type='RandomCrop', crop_size=28, "
          "padding=4), dict(type='RandomFlip', prob=0.5), dict(type='RandomResizedCrop', "
          "scale=24), dict(type='PackInputs')]), "
          "sampler=dict(type='DefaultSampler', shuffle=True))",
      ".py");
  return data::DataLoader::from_config(*cfg.get("loader"), /*seed=*/11, /*training=*/true);
}

std::vector<data::DataBatch> epoch(data::DataLoader& dl, std::int64_t e) {
  std::vector<data::DataBatch> out;
  dl.start_epoch(e);
  data::DataBatch b;
  while (dl.next(b)) out.push_back(b);
  return out;
}

void expect_same(const data::DataBatch& a, const data::DataBatch& b, const std::string& what) {
  ASSERT_EQ(a.input_list.size(), b.input_list.size()) << what;
  for (std::size_t i = 0; i < a.input_list.size(); ++i) {
    EXPECT_TRUE(torch::equal(a.input_list[i], b.input_list[i])) << what << " sample " << i;
    EXPECT_TRUE(torch::equal(a.data_samples[i]->gt_label(), b.data_samples[i]->gt_label()))
        << what << " label " << i;
  }
}

TEST(PipelineDeterminism, SameBatchesForZeroOneAndFourWorkersAndDirectAccess) {
  if (!std::filesystem::exists(std::string(kFashionMnist) + "/t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "Fashion-MNIST is not installed (apt install dataset-fashion-mnist)";
  }
  auto l0 = make_loader(0), l1 = make_loader(1), l4 = make_loader(4);
  const auto b0 = epoch(*l0, 1), b1 = epoch(*l1, 1), b4 = epoch(*l4, 1);
  ASSERT_EQ(b0.size(), 13u);  // ceil(200 / 16)
  ASSERT_EQ(b1.size(), b0.size());
  ASSERT_EQ(b4.size(), b0.size());
  for (std::size_t k = 0; k < b0.size(); ++k) {
    expect_same(b0[k], b1[k], "1 worker, batch " + std::to_string(k));
    expect_same(b0[k], b4[k], "4 workers, batch " + std::to_string(k));
  }
  // Batch 7 of epoch 1 built on its own, without batches 0..6.
  auto fresh = make_loader(2);
  expect_same(fresh->batch(1, 7), b0[7], "direct batch(1, 7)");

  // Another epoch: another order and other augmentations of the same images.
  const auto other = epoch(*l0, 2);
  bool differs = false;
  for (std::size_t i = 0; i < other[0].input_list.size(); ++i)
    differs = differs || !torch::equal(other[0].input_list[i], b0[0].input_list[i]);
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace mmcpp
