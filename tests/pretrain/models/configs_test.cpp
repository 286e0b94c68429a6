// Every model config shipped in configs/ builds (the config files of
// configs/_base_/models and the runnable configs that inherit them), and the
// runnable ResNet configs give MMPretrain's head and preprocessor.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/pretrain/models/classifiers/image.h"
#include "mmcpp/pretrain/models/utils/data_preprocessor.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<engine::BaseModel> build_from(const fs::path& file) {
  config::Config cfg = config::Config::fromfile(file.string());
  // Another package's configs (configs/mmagic, default_scope='mmagic') are
  // checked by that package's tests.
  if (const config::Value* scope = cfg.get("default_scope");
      scope && scope->is_str() && scope->as_str() != "mmpretrain")
    return nullptr;
  const config::Value* model = cfg.get("model");
  if (!model || !model->is_dict()) return nullptr;
  config::Value m = model->deep_copy();
  // The Runner merges a top-level data_preprocessor into the model, as MMEngine.
  if (const config::Value* dp = cfg.get("data_preprocessor"); dp && dp->is_dict())
    if (!m.as_dict().contains("data_preprocessor")) m.as_dict().set("data_preprocessor", *dp);
  registry::ScopeGuard scope("mmpretrain");
  return engine::build_model(m);
}

TEST(ShippedConfigs, EveryModelBuilds) {
  int built = 0;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(MMCPP_SOURCE_DIR) / "configs")) {
    if (e.path().extension() != ".py" ||
        e.path().string().find("seed_example") != std::string::npos)
      continue;
    SCOPED_TRACE(e.path().string());
    try {
      if (build_from(e.path())) ++built;
    } catch (const Error& err) {
      ADD_FAILURE() << err.what();
    }
  }
  EXPECT_GE(built, 30);
}

TEST(ShippedConfigs, ResNetRecipes) {
  const fs::path root = fs::path(MMCPP_SOURCE_DIR) / "configs" / "resnet";
  auto cifar = build_from(root / "resnet18_8xb16_cifar10.py");
  ASSERT_NE(cifar, nullptr);
  auto params = cifar->named_parameters();
  EXPECT_EQ(params["backbone.conv1.weight"].sizes(), (std::vector<std::int64_t>{64, 3, 3, 3}));
  EXPECT_EQ(params["head.fc.weight"].sizes(), (std::vector<std::int64_t>{10, 512}));
  auto* dp = dynamic_cast<ClsDataPreprocessor*>(&cifar->data_preprocessor());
  ASSERT_NE(dp, nullptr);
  EXPECT_FALSE(dp->options().to_rgb);
  auto in1k = build_from(root / "resnet50_8xb32_in1k.py");
  ASSERT_NE(in1k, nullptr);
  EXPECT_EQ(in1k->named_parameters()["head.fc.weight"].sizes(),
            (std::vector<std::int64_t>{1000, 2048}));
  in1k->eval();
  data::DataBatch batch;
  batch.inputs = torch::randint(0, 255, {1, 3, 64, 64}).to(torch::kByte);
  torch::NoGradGuard no_grad;
  auto out =
      in1k->forward(in1k->data_preprocessor().forward(batch, false), engine::ForwardMode::Tensor);
  EXPECT_EQ(out.tensors.at(0).sizes(), (std::vector<std::int64_t>{1, 1000}));
}

}  // namespace
}  // namespace mmcpp::pretrain
