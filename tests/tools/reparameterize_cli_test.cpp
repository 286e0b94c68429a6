// `mmcpp reparameterize CONFIG CHECKPOINT OUT.pth` (MMPretrain's
// reparameterize_model.py): the deploy checkpoint loads strictly into the
// config's deploy=True model and gives the training model's outputs to 1e-4;
// the checkpoint's other entries are kept; errors for a backbone without
// switch_to_deploy and a destination that is not .pth. RepVGG, MobileOne, RIFormer, LeViT.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "mmcpp/config/config.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/io/pth_reader.h"
#include "mmcpp/io/pth_writer.h"
#include "mmcpp/pretrain/models/classifiers/image.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {
namespace {

namespace fs = std::filesystem;

const char* kModel =
    "model = dict(type='ImageClassifier', backbone=dict(type='RepVGG', arch=dict("
    "num_blocks=[2, 2, 2, 1], width_factor=[0.25, 0.25, 0.25, 0.5], group_layer_map={2: 2}, "
    "se_cfg=None, stem_channels=8){deploy}), "
    "neck=dict(type='GlobalAveragePooling'), "
    "head=dict(type='LinearClsHead', num_classes=5, in_channels=256))\n";

std::string model_text(bool deploy) {
  std::string s = kModel;
  s.replace(s.find("{deploy}"), 8, deploy ? ", deploy=True" : "");
  return s;
}

std::shared_ptr<ImageClassifier> build(const fs::path& file) {
  auto cfg = config::Config::fromfile(file.string());
  registry::ScopeGuard scope("mmpretrain");
  auto m = engine::build_model(cfg.get("model")->deep_copy());
  return std::dynamic_pointer_cast<ImageClassifier>(m);
}

int run(const std::string& args) {
  return std::system(
      (std::string(MMCPP_BINARY) + " reparameterize " + args + " > /dev/null 2>&1").c_str());
}

TEST(ReparameterizeCli, DeployCheckpointGivesTheSameOutputs) {
  const fs::path dir = fs::temp_directory_path() / ("mmcpp_reparam_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "train.py") << model_text(false);
  std::ofstream(dir / "deploy.py") << model_text(true);

  auto model = build(dir / "train.py");
  ASSERT_NE(model, nullptr);
  {
    torch::NoGradGuard ng;
    for (const auto& mod : model->modules())
      if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(mod.get())) {
        bn->running_mean.copy_(torch::randn_like(bn->running_mean) * 0.1);
        bn->running_var.copy_(torch::rand_like(bn->running_var) + 0.5);
        bn->weight.copy_(torch::rand_like(bn->weight) + 0.5);
      }
  }
  model->eval();
  io::PyObject ckpt = io::PyObject::dict();
  io::PyObject meta = io::PyObject::dict();
  meta.as_dict().set("epoch", io::PyObject::from_int(3));
  ckpt.as_dict().set("meta", meta);
  ckpt.as_dict().set("state_dict", engine::model_state_dict(*model));
  io::save_pth(ckpt, (dir / "train.pth").string());

  ASSERT_EQ(run((dir / "train.py").string() + " " + (dir / "train.pth").string() + " " +
                (dir / "out" / "deploy.pth").string()),
            0);
  io::PyObject out = io::load_pth((dir / "out" / "deploy.pth").string());
  ASSERT_TRUE(out.is_dict());
  ASSERT_NE(out.find("meta"), nullptr);
  const io::PyObject* sd = out.find("state_dict");
  ASSERT_NE(sd, nullptr);
  EXPECT_NE(sd->find("backbone.stage_1.1.branch_reparam.weight"), nullptr);
  EXPECT_EQ(sd->find("backbone.stage_1.1.branch_3x3.conv.weight"), nullptr);

  auto deploy = build(dir / "deploy.py");
  ASSERT_NE(deploy, nullptr);
  engine::load_checkpoint(*deploy, (dir / "out" / "deploy.pth").string(), "cpu", /*strict=*/true);
  deploy->eval();
  torch::NoGradGuard ng;
  auto x = torch::randn({2, 3, 32, 32});
  auto a = model->backbone().forward(x);
  auto b = deploy->backbone().forward(x);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_TRUE(torch::allclose(a.back(), b.back(), 1e-4, 1e-5))
      << (a.back() - b.back()).abs().max().item<float>();

  // Not a .pth destination: MMPretrain's message, nothing written.
  EXPECT_EQ(run((dir / "train.py").string() + " " + (dir / "train.pth").string() + " " +
                (dir / "x.bin").string()),
            0);
  EXPECT_FALSE(fs::exists(dir / "x.bin"));
  // A backbone without switch_to_deploy.
  std::ofstream(dir / "resnet.py")
      << "model = dict(type='ImageClassifier', backbone=dict(type='ResNet', depth=18), "
         "neck=dict(type='GlobalAveragePooling'), head=dict(type='LinearClsHead', "
         "num_classes=5, in_channels=512))\n";
  auto resnet = build(dir / "resnet.py");
  io::PyObject rckpt = io::PyObject::dict();
  rckpt.as_dict().set("state_dict", engine::model_state_dict(*resnet));
  io::save_pth(rckpt, (dir / "resnet.pth").string());
  EXPECT_NE(run((dir / "resnet.py").string() + " " + (dir / "resnet.pth").string() + " " +
                (dir / "r.pth").string()),
            0);
  EXPECT_FALSE(fs::exists(dir / "r.pth"));
  fs::remove_all(dir);
}

// RIFormer: the affine token mixers folded into norm_reparam; the deploy
// checkpoint loads strictly into the deploy=True config (whose blocks list
// norm_reparam first: loading goes by name).
TEST(ReparameterizeCli, RIFormerDeployCheckpointGivesTheSameOutputs) {
  const fs::path dir =
      fs::temp_directory_path() / ("mmcpp_reparam_riformer_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string model =
      "model = dict(type='ImageClassifier', backbone=dict(type='RIFormer', arch=dict("
      "layers=[1, 1, 2, 1], embed_dims=[8, 16, 24, 32]){deploy}), "
      "neck=dict(type='GlobalAveragePooling'), "
      "head=dict(type='LinearClsHead', num_classes=5, in_channels=32))\n";
  auto text = [&](bool deploy) {
    std::string s = model;
    s.replace(s.find("{deploy}"), 8, deploy ? ", deploy=True" : "");
    return s;
  };
  std::ofstream(dir / "train.py") << text(false);
  std::ofstream(dir / "deploy.py") << text(true);
  auto train = build(dir / "train.py");
  ASSERT_NE(train, nullptr);
  {
    torch::NoGradGuard ng;
    for (auto& p : train->named_parameters())
      if (p.key().find("norm") != std::string::npos ||
          p.key().find("token_mixer") != std::string::npos)
        p.value().copy_(torch::randn_like(p.value()) * 0.5 + 1.0);
  }
  train->eval();
  io::PyObject ckpt = io::PyObject::dict();
  ckpt.as_dict().set("state_dict", engine::model_state_dict(*train));
  io::save_pth(ckpt, (dir / "train.pth").string());
  ASSERT_EQ(run((dir / "train.py").string() + " " + (dir / "train.pth").string() + " " +
                (dir / "deploy.pth").string()),
            0);
  io::PyObject out = io::load_pth((dir / "deploy.pth").string());
  const io::PyObject* sd = out.find("state_dict");
  ASSERT_NE(sd, nullptr);
  EXPECT_NE(sd->find("backbone.network.4.1.norm_reparam.weight"), nullptr);
  EXPECT_EQ(sd->find("backbone.network.4.1.token_mixer.affine.weight"), nullptr);
  EXPECT_EQ(sd->find("backbone.network.4.1.norm1.weight"), nullptr);

  auto deploy = build(dir / "deploy.py");
  ASSERT_NE(deploy, nullptr);
  engine::load_checkpoint(*deploy, (dir / "deploy.pth").string(), "cpu", /*strict=*/true);
  deploy->eval();
  torch::NoGradGuard ng;
  auto x = torch::randn({2, 3, 64, 64});
  auto a = train->backbone().forward(x);
  auto b = deploy->backbone().forward(x);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(torch::allclose(a[0], b[0], 1e-4, 1e-4)) << (a[0] - b[0]).abs().max().item<float>();
  fs::remove_all(dir);
}

// LeViT: the backbone and the LeViTClsHead are both fused, so the checkpoint
// loads strictly into the deploy config (backbone and head deploy=True).
TEST(ReparameterizeCli, LeViTFusesTheBackboneAndTheHead) {
  const fs::path dir =
      fs::temp_directory_path() / ("mmcpp_reparam_levit_" + std::to_string(getpid()));
  fs::create_directories(dir);
  auto text = [](bool deploy) {
    const std::string d = deploy ? ", deploy=True" : "";
    return "model = dict(type='ImageClassifier', backbone=dict(type='LeViT', arch=dict("
           "embed_dims=[32, 48], key_dims=[8, 8], num_heads=[2, 3], depths=[1, 1]), "
           "img_size=64" +
           d +
           "), neck=dict(type='GlobalAveragePooling'), "
           "head=dict(type='LeViTClsHead', num_classes=5, in_channels=48" +
           d + "))\n";
  };
  std::ofstream(dir / "train.py") << text(false);
  std::ofstream(dir / "deploy.py") << text(true);
  auto model = build(dir / "train.py");
  ASSERT_NE(model, nullptr);
  {
    torch::NoGradGuard ng;
    auto randomize = [](auto* bn) {
      bn->running_mean.copy_(torch::randn_like(bn->running_mean) * 0.1);
      bn->running_var.copy_(torch::rand_like(bn->running_var) + 0.5);
      bn->weight.copy_(torch::rand_like(bn->weight) + 0.5);
    };
    for (const auto& mod : model->modules()) {
      if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(mod.get())) randomize(bn);
      if (auto* bn = dynamic_cast<torch::nn::BatchNorm1dImpl*>(mod.get())) randomize(bn);
    }
  }
  model->eval();
  io::PyObject ckpt = io::PyObject::dict();
  ckpt.as_dict().set("state_dict", engine::model_state_dict(*model));
  io::save_pth(ckpt, (dir / "train.pth").string());
  ASSERT_EQ(run((dir / "train.py").string() + " " + (dir / "train.pth").string() + " " +
                (dir / "deploy.pth").string()),
            0);
  io::PyObject out = io::load_pth((dir / "deploy.pth").string());
  const io::PyObject* sd = out.find("state_dict");
  ASSERT_NE(sd, nullptr);
  EXPECT_NE(sd->find("backbone.patch_embed.patch_embed.0.bias"), nullptr);
  EXPECT_NE(sd->find("head.head_dist.weight"), nullptr);
  EXPECT_EQ(sd->find("head.head.bn.running_mean"), nullptr);
  auto deploy = build(dir / "deploy.py");
  ASSERT_NE(deploy, nullptr);
  engine::load_checkpoint(*deploy, (dir / "deploy.pth").string(), "cpu", /*strict=*/true);
  deploy->eval();
  torch::NoGradGuard ng;
  auto x = torch::randn({2, 3, 64, 64});
  auto a = model->forward_tensor(x).back();
  auto b = deploy->forward_tensor(x).back();
  EXPECT_TRUE(torch::allclose(a, b, 1e-4, 1e-4)) << (a - b).abs().max().item<float>();
  fs::remove_all(dir);
}

// The same for MobileOne (multi-branch depthwise/pointwise blocks with SE).
TEST(ReparameterizeCli, MobileOneDeployCheckpoint) {
  const fs::path dir =
      fs::temp_directory_path() / ("mmcpp_reparam_mobileone_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string model =
      "model = dict(type='ImageClassifier', backbone=dict(type='MobileOne', arch=dict("
      "num_blocks=[1, 2, 1, 1], width_factor=[0.125, 0.125, 0.25, 0.25], "
      "num_conv_branches=[2, 1, 1, 3], num_se_blocks=[0, 1, 0, 1]){deploy}), "
      "neck=dict(type='GlobalAveragePooling'), "
      "head=dict(type='LinearClsHead', num_classes=5, in_channels=128))\n";
  auto text = [&](bool deploy) {
    std::string s = model;
    s.replace(s.find("{deploy}"), 8, deploy ? ", deploy=True" : "");
    return s;
  };
  std::ofstream(dir / "train.py") << text(false);
  std::ofstream(dir / "deploy.py") << text(true);
  auto train = build(dir / "train.py");
  ASSERT_NE(train, nullptr);
  {
    torch::NoGradGuard ng;
    for (const auto& mod : train->modules())
      if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(mod.get())) {
        bn->running_mean.copy_(torch::randn_like(bn->running_mean) * 0.1);
        bn->running_var.copy_(torch::rand_like(bn->running_var) + 0.5);
        bn->weight.copy_(torch::rand_like(bn->weight) + 0.5);
      }
  }
  train->eval();
  io::PyObject ckpt = io::PyObject::dict();
  ckpt.as_dict().set("state_dict", engine::model_state_dict(*train));
  io::save_pth(ckpt, (dir / "train.pth").string());
  ASSERT_EQ(run((dir / "train.py").string() + " " + (dir / "train.pth").string() + " " +
                (dir / "deploy.pth").string()),
            0);
  auto deploy = build(dir / "deploy.py");
  ASSERT_NE(deploy, nullptr);
  engine::load_checkpoint(*deploy, (dir / "deploy.pth").string(), "cpu", /*strict=*/true);
  deploy->eval();
  torch::NoGradGuard ng;
  auto x = torch::randn({2, 3, 64, 64});
  auto a = train->backbone().forward(x);
  auto b = deploy->backbone().forward(x);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_TRUE(torch::allclose(a.back(), b.back(), 1e-4, 1e-4))
      << (a.back() - b.back()).abs().max().item<float>();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mmcpp::pretrain
