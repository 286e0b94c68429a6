// The main job's shipped config (the README's first command) and the rule every
// shipped MNIST-family config follows: validation and test read the test files.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>
#include <string>

#include "mmcpp/config/config.h"
#include "mmcpp/data/base_dataset.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {
namespace {

namespace fs = std::filesystem;
using config::Value;

const fs::path kConfigs = fs::path(MMCPP_SOURCE_DIR) / "configs";
const fs::path kMainJob = kConfigs / "resnet" / "resnet18-cifar-w16_1xb128-4e_fashion-mnist.py";

const Value& at(const Value& v, const std::string& key) {
  const Value* found = v.as_dict().find(key);
  if (!found) throw std::runtime_error("missing key " + key);
  return *found;
}

TEST(MainJobConfig, BuildsAGreyClassifierForFullSizeImages) {
  config::Config cfg = config::Config::fromfile(kMainJob.string());
  Value m = cfg.get("model")->deep_copy();
  m.as_dict().set("data_preprocessor", cfg.get("data_preprocessor")->deep_copy());
  registry::ScopeGuard scope("mmpretrain");
  auto model = engine::build_model(m);
  model->eval();
  data::DataBatch batch;
  batch.inputs = torch::randint(0, 255, {2, 1, 28, 28}).to(torch::kByte);
  torch::NoGradGuard no_grad;
  auto out =
      model->forward(model->data_preprocessor().forward(batch, false), engine::ForwardMode::Tensor);
  EXPECT_EQ(out.tensors.at(0).sizes(), (std::vector<std::int64_t>{2, 10}));
  // A quarter-width net: 16 stem channels, 64 features into the head.
  auto params = model->named_parameters();
  EXPECT_EQ(params["backbone.conv1.weight"].sizes(), (std::vector<std::int64_t>{16, 1, 3, 3}));
  EXPECT_EQ(params["head.fc.weight"].sizes(), (std::vector<std::int64_t>{10, 64}));
}

TEST(MainJobConfig, ValidatesOnTheTestImagesEveryEpochAndKeepsTheBest) {
  config::Config cfg = config::Config::fromfile(kMainJob.string());
  EXPECT_EQ(at(*cfg.get("train_cfg"), "val_interval").as_int(), 1);
  EXPECT_EQ(at(at(*cfg.get("default_hooks"), "checkpoint"), "save_best").as_str(), "auto");
  registry::ScopeGuard scope("mmpretrain");
  for (const char* loader : {"val_dataloader", "test_dataloader"}) {
    SCOPED_TRACE(loader);
    auto ds = std::dynamic_pointer_cast<data::BaseDataset>(
        DATASETS().build(at(*cfg.get(loader), "dataset").deep_copy()));
    ASSERT_NE(ds, nullptr);
    ds->full_init();
    EXPECT_EQ(ds->size(), 10000u);  // t10k, not the 60,000 training images
  }
}

// MMPretrain 1.2.0's MNIST/FashionMNIST choose their files by test_mode, not by
// split: a shipped config whose val/test loader reads split='test' must also
// set test_mode=True, or it validates on the training set.
TEST(ShippedConfigs, MnistValidationReadsTheTestFiles) {
  int checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(kConfigs)) {
    if (e.path().extension() != ".py") continue;
    config::Config cfg = config::Config::fromfile(e.path().string());
    for (const char* loader : {"val_dataloader", "test_dataloader"}) {
      const Value* l = cfg.get(loader);
      if (!l || !l->is_dict()) continue;
      const Value* ds = l->as_dict().find("dataset");
      if (!ds || !ds->is_dict()) continue;
      const Value* type = ds->as_dict().find("type");
      if (!type || !type->is_str() ||
          (type->as_str() != "MNIST" && type->as_str() != "FashionMNIST"))
        continue;
      SCOPED_TRACE(e.path().string() + ": " + loader);
      ++checked;
      const Value* test_mode = ds->as_dict().find("test_mode");
      EXPECT_TRUE(test_mode && test_mode->is_bool() && test_mode->as_bool());
    }
  }
  EXPECT_GE(checked, 2);  // at least the LeNet-5 and the main-job configs
}

}  // namespace
}  // namespace mmcpp::pretrain
