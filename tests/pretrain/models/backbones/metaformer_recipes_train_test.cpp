// The shipped PoolFormer and RIFormer recipes (configs/poolformer,
// configs/riformer, configs/riformer/deploy) train: their model builds, three
// SGD steps on one batch of 2 random 224x224 images lower the loss (the
// drop-path draws are reseeded each step, so the objective is the same),
// nothing is NaN, the stem stays frozen where MMPretrain freezes it
// (PoolFormer's default frozen_stages=0), and predict gives a score per class.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>
#include <filesystem>

#include "mmcpp/config/config.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<engine::BaseModel> build_recipe(const fs::path& file) {
  config::Config cfg = config::Config::fromfile(file.string());
  config::Value m = cfg.get("model")->deep_copy();
  if (const config::Value* dp = cfg.get("data_preprocessor"); dp && dp->is_dict())
    if (!m.as_dict().contains("data_preprocessor")) m.as_dict().set("data_preprocessor", *dp);
  registry::ScopeGuard scope("mmpretrain");
  return engine::build_model(m);
}

data::DataBatch batch() {
  torch::manual_seed(7);
  data::DataBatch b;
  b.inputs = torch::randint(0, 255, {2, 3, 224, 224}).to(torch::kByte);
  for (std::int64_t i = 0; i < 2; ++i) {
    auto s = std::make_shared<data::DataSample>();
    s->set_gt_label(torch::tensor({i * 3}));
    b.data_samples.push_back(s);
  }
  return b;
}

TEST(MetaFormerRecipes, TrainAndPredict) {
  const fs::path root = fs::path(MMCPP_SOURCE_DIR) / "configs";
  int checked = 0;
  for (const char* rel :
       {"poolformer/poolformer-s12_32xb128_in1k.py", "riformer/riformer-s12_8xb128_in1k.py",
        "riformer/deploy/riformer-s12-deploy_8xb128_in1k.py"}) {
    SCOPED_TRACE(rel);
    torch::manual_seed(0);
    auto model = build_recipe(root / rel);
    ASSERT_NE(model, nullptr);
    model->init_weights();
    model->train();
    auto params = model->named_parameters();
    const torch::Tensor stem = params["backbone.patch_embed.proj.weight"].detach().clone();
    const bool stem_frozen = std::string(rel).rfind("poolformer", 0) == 0;
    auto sgd = std::make_shared<torch::optim::SGD>(model->parameters(),
                                                   torch::optim::SGDOptions(0.01).momentum(0.9));
    engine::OptimWrapper wrapper(sgd, 1, config::Value());
    std::vector<double> losses;
    for (int step = 0; step < 3; ++step) {
      auto b = batch();
      torch::manual_seed(11);  // the same drop-path draws every step
      auto log_vars = model->train_step(b, wrapper);
      double loss = 0;
      for (const auto& [k, v] : log_vars)
        if (k == "loss") loss = v.item<double>();
      ASSERT_TRUE(std::isfinite(loss)) << "step " << step;
      losses.push_back(loss);
    }
    EXPECT_LT(losses[2], losses[0]) << losses[0] << " " << losses[1] << " " << losses[2];
    for (const auto& p : model->parameters()) ASSERT_FALSE(p.isnan().any().item<bool>());
    EXPECT_EQ(torch::equal(stem, params["backbone.patch_embed.proj.weight"]), stem_frozen);
    model->eval();
    data::DataSamples preds = model->test_step(batch());
    ASSERT_EQ(preds.size(), 2u);
    ASSERT_TRUE(preds[0]->has("pred_score"));
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

}  // namespace
}  // namespace mmcpp::pretrain
