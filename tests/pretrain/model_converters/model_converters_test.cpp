// torchvision / timm checkpoints converted to MMPretrain's keys, through files
// written by our .pth writer.
#include "mmcpp/pretrain/model_converters/model_converters.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "mmcpp/core/error.h"
#include "mmcpp/io/pth_writer.h"

namespace mmcpp::pretrain::model_converters {
namespace {

namespace fs = std::filesystem;

StateDict with_keys(const std::vector<std::string>& keys) {
  StateDict sd;
  for (std::size_t i = 0; i < keys.size(); ++i)
    sd.emplace_back(keys[i], torch::full({2}, static_cast<double>(i)));
  return sd;
}

std::vector<std::string> keys_of(const StateDict& sd) {
  std::vector<std::string> out;
  for (const auto& [k, v] : sd) out.push_back(k);
  return out;
}

TEST(ModelConverters, TorchvisionResNet) {
  StateDict out = convert_torchvision_resnet(
      with_keys({"conv1.weight", "bn1.weight", "bn1.running_mean", "bn1.num_batches_tracked",
                 "layer1.0.conv1.weight", "layer4.1.downsample.0.weight",
                 "layer4.1.downsample.1.bias", "fc.weight", "fc.bias"}));
  EXPECT_EQ(keys_of(out),
            (std::vector<std::string>{
                "backbone.conv1.weight", "backbone.bn1.weight", "backbone.bn1.running_mean",
                "backbone.bn1.num_batches_tracked", "backbone.layer1.0.conv1.weight",
                "backbone.layer4.1.downsample.0.weight", "backbone.layer4.1.downsample.1.bias",
                "head.fc.weight", "head.fc.bias"}));
  // Values are passed through unchanged, in order.
  EXPECT_TRUE(torch::equal(out[7].second, torch::full({2}, 7.0)));
}

TEST(ModelConverters, TimmVisionTransformer) {
  StateDict out = convert_timm_vit(with_keys({
      "cls_token",
      "pos_embed",
      "dist_token",
      "patch_embed.proj.weight",
      "patch_embed.proj.bias",
      "blocks.0.norm1.weight",
      "blocks.0.attn.qkv.weight",
      "blocks.0.attn.proj.bias",
      "blocks.0.ls1.gamma",
      "blocks.0.norm2.bias",
      "blocks.0.mlp.fc1.weight",
      "blocks.0.mlp.fc2.bias",
      "blocks.0.ls2.gamma",
      "blocks.11.gamma_1",
      "blocks.11.gamma_2",
      "norm_pre.weight",
      "norm.weight",
      "norm.bias",
      "fc_norm.weight",
      "pre_logits.fc.weight",
      "head.weight",
      "head.bias",
      "head_dist.weight",
  }));
  EXPECT_EQ(keys_of(out), (std::vector<std::string>{
                              "backbone.cls_token",
                              "backbone.pos_embed",
                              "backbone.dist_token",
                              "backbone.patch_embed.projection.weight",
                              "backbone.patch_embed.projection.bias",
                              "backbone.layers.0.ln1.weight",
                              "backbone.layers.0.attn.qkv.weight",
                              "backbone.layers.0.attn.proj.bias",
                              "backbone.layers.0.attn.gamma1.weight",
                              "backbone.layers.0.ln2.bias",
                              "backbone.layers.0.ffn.layers.0.0.weight",
                              "backbone.layers.0.ffn.layers.1.bias",
                              "backbone.layers.0.ffn.gamma2.weight",
                              "backbone.layers.11.attn.gamma1.weight",
                              "backbone.layers.11.ffn.gamma2.weight",
                              "backbone.pre_norm.weight",
                              "backbone.ln1.weight",
                              "backbone.ln1.bias",
                              "backbone.ln2.weight",
                              "head.layers.pre_logits.weight",
                              "head.layers.head.weight",
                              "head.layers.head.bias",
                              "head.layers.head_dist.weight",
                          }));
}

class ConvertFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mmcpp_convert_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  static io::PyObject ordered(const StateDict& sd) {
    io::PyObject d = io::PyObject::dict(io::DictType::OrderedDict);
    for (const auto& [k, v] : sd) d.as_dict().set(k, io::PyObject::tensor(v));
    return d;
  }

  fs::path dir_;
};

TEST_F(ConvertFiles, TimmCheckpointWrappedInModelRoundTrips) {
  StateDict src = {{"patch_embed.proj.weight", torch::randn({8, 3, 4, 4})},
                   {"blocks.0.attn.qkv.weight", torch::randn({24, 8})},
                   {"head.weight", torch::randn({5, 8})},
                   {"head.bias", torch::arange(5, torch::kLong)}};
  io::PyObject ckpt = io::PyObject::dict();
  ckpt.as_dict().set("model", ordered(src));
  ckpt.as_dict().set("epoch", io::PyObject::from_int(300));
  io::save_pth(ckpt, path("vit.pth"));

  ConvertResult r =
      convert_checkpoint(path("vit.pth"), path("out/sub/vit_mm.pth"), convert_timm_vit);
  EXPECT_EQ(r.keys, 4u);
  io::PyObject out = io::load_pth(path("out/sub/vit_mm.pth"));
  ASSERT_TRUE(out.is_dict());
  EXPECT_EQ(out.as_dict().type(), io::DictType::OrderedDict);
  EXPECT_EQ(out.as_dict().keys(),
            (std::vector<std::string>{"backbone.patch_embed.projection.weight",
                                      "backbone.layers.0.attn.qkv.weight",
                                      "head.layers.head.weight", "head.layers.head.bias"}));
  EXPECT_TRUE(
      torch::equal(out.get("backbone.patch_embed.projection.weight").as_tensor(), src[0].second));
  EXPECT_TRUE(torch::equal(out.get("head.layers.head.bias").as_tensor(), src[3].second));
  EXPECT_EQ(out.get("head.layers.head.bias").as_tensor().scalar_type(), torch::kLong);
}

TEST_F(ConvertFiles, TorchvisionBareStateDict) {
  StateDict src = {{"conv1.weight", torch::randn({4, 3, 7, 7})}, {"fc.bias", torch::randn({3})}};
  io::save_pth(ordered(src), path("r.pth"));
  convert_checkpoint(path("r.pth"), path("r_mm.pth"), convert_torchvision_resnet);
  io::PyObject out = io::load_pth(path("r_mm.pth"));
  EXPECT_EQ(out.as_dict().keys(),
            (std::vector<std::string>{"backbone.conv1.weight", "head.fc.bias"}));
}

TEST_F(ConvertFiles, BadInputsAreErrorsNamingTheFileAndWriteNothing) {
  auto expect_error = [&](const std::string& src, const std::string& kind, const ConvertFn& fn) {
    try {
      convert_checkpoint(src, path("never.pth"), fn);
      ADD_FAILURE() << "converted " << src;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), kind) << e.what();
      EXPECT_NE(std::string(e.what()).find(src), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(path("never.pth")));
  };
  expect_error(path("missing.pth"), "FileNotFoundError", convert_torchvision_resnet);

  io::PyObject mixed = io::PyObject::dict();
  mixed.as_dict().set("conv1.weight", io::PyObject::tensor(torch::ones({1})));
  mixed.as_dict().set("note", io::PyObject::str("not a tensor"));
  io::save_pth(mixed, path("mixed.pth"));
  expect_error(path("mixed.pth"), "TypeError", convert_torchvision_resnet);

  io::save_pth(io::PyObject::list(), path("list.pth"));
  expect_error(path("list.pth"), "TypeError", convert_timm_vit);

  // Two source keys that land on the same MMPretrain key.
  io::save_pth(ordered({{"norm.weight", torch::ones({1})}, {"ln1.weight", torch::ones({1})}}),
               path("clash.pth"));
  expect_error(path("clash.pth"), "KeyError", convert_timm_vit);

  // A truncated file.
  io::save_pth(ordered({{"conv1.weight", torch::randn({64, 64})}}), path("full.pth"));
  std::string bytes;
  {
    std::ifstream f(path("full.pth"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  {
    std::ofstream f(path("cut.pth"), std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  try {
    convert_checkpoint(path("cut.pth"), path("never.pth"), convert_torchvision_resnet);
    ADD_FAILURE() << "converted a truncated file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path("cut.pth")), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(path("never.pth")));
}

}  // namespace
}  // namespace mmcpp::pretrain::model_converters
