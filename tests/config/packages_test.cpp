// Bases in other OpenMMLab packages: `_base_ = 'pkg::path'` (MMDetection's RTMDet
// classification configs use `mmpretrain::_base_/...`) and `from pkg.configs.x
// import *` inside `with read_base():` (MMagic's StyleGAN2 configs). Resolved in
// the package folder above the including config, in mmcpp's shipped configs/,
// then in MMCPP_CONFIG_PATH; the error says which package and where it looked.
#include "mmcpp/config/packages.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"

namespace mmcpp::config {
namespace {
namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A scratch tree, removed afterwards; MMCPP_CONFIG_PATH cleared while it lives.
class PackageTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("mmcpp_packages_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    if (const char* old = std::getenv("MMCPP_CONFIG_PATH")) saved_ = old;
    ::unsetenv("MMCPP_CONFIG_PATH");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
    if (!saved_.empty())
      ::setenv("MMCPP_CONFIG_PATH", saved_.c_str(), 1);
    else
      ::unsetenv("MMCPP_CONFIG_PATH");
  }
  std::string write(const std::string& rel, const std::string& text) {
    fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path(const std::string& rel) const { return (root_ / rel).string(); }

  // kind and message of loading `file`, "none" when it loads.
  std::pair<std::string, std::string> failure(const std::string& file) {
    try {
      Config::fromfile(file);
    } catch (const Error& e) {
      return {e.kind(), e.what()};
    }
    return {"none", ""};
  }

  fs::path root_;
  std::string saved_;
};

const char* const kGanBase =
    "model = dict(type='StyleGAN2', generator=dict(type='StyleGANv2Generator', out_size=256), "
    "discriminator=dict(type='StyleGAN2Discriminator', _scope_='mmcv'))\n"
    "train_cfg = dict(max_iters=800000)\n";

TEST_F(PackageTree, ClassicBaseFromTheCheckoutAboveTheIncludingConfig) {
  // A source checkout of MMagic: configs/ beside the Python package mmagic/.
  write("src/mmagic/mmagic/__init__.py", "");
  write("src/mmagic/configs/_base_/models/gan.py", kGanBase);
  std::string child = write("src/mmagic/configs/styleganv2/child.py",
                            "_base_ = 'mmagic::_base_/models/gan.py'\n"
                            "train_cfg = dict(max_iters=10)\n");
  Value cfg = Config::fromfile(child).to_dict();
  // MMEngine gives the outermost typed dicts of an external base its scope.
  EXPECT_EQ(cfg.as_dict().find("model")->repr(),
            "{'type': 'StyleGAN2', 'generator': {'type': 'StyleGANv2Generator', 'out_size': 256}, "
            "'discriminator': {'type': 'StyleGAN2Discriminator', '_scope_': 'mmcv'}, "
            "'_scope_': 'mmagic'}");
  EXPECT_EQ(cfg.as_dict().find("train_cfg")->repr(), "{'max_iters': 10}");
}

TEST_F(PackageTree, ClassicBaseOfAnInstalledPackageIsInItsMimFolder) {
  write("site/mmpretrain/__init__.py", "");
  write("site/mmpretrain/.mim/configs/_base_/schedules/s.py", "optim_wrapper = dict(lr=0.1)\n");
  std::string child = write("site/mmpretrain/.mim/configs/x/child.py",
                            "_base_ = ['mmpretrain::_base_/schedules/s.py']\n");
  EXPECT_EQ(Config::fromfile(child).to_dict().repr(), "{'optim_wrapper': {'lr': 0.1}}");
}

TEST_F(PackageTree, PurePythonImportFromThePackageAboveTheIncludingConfig) {
  // MMagic's StyleGAN2 configs: mmagic/configs/styleganv2/*.py import each other
  // with `from mmagic.configs.styleganv2.x import *`.
  write("tree/mmagic/configs/styleganv2/stylegan2_base.py",
        "from mmengine.config import read_base\n"
        "with read_base():\n"
        "    from .._base_.gen_default import *\n"
        "model = dict(type='StyleGAN2', out_size=256)\n");
  write("tree/mmagic/configs/_base_/gen_default.py", "default_scope = 'mmagic'\n");
  std::string child = write("tree/mmagic/configs/styleganv2/stylegan2_fp16.py",
                            "from mmengine.config import read_base\n"
                            "with read_base():\n"
                            "    from mmagic.configs.styleganv2.stylegan2_base import *\n"
                            "model.update(out_size=1024)\n");
  EXPECT_EQ(Config::fromfile(child).to_dict().repr(),
            "{'default_scope': 'mmagic', 'model': {'type': 'StyleGAN2', 'out_size': 1024}}");
  // In a checkout the same import finds mmagic/mmagic/configs/ from configs/ too.
  write("co/mmagic/mmagic/__init__.py", "");
  write("co/mmagic/mmagic/configs/base.py", "x = 1\n");
  std::string other = write("co/mmagic/configs/y.py",
                            "from mmengine.config import read_base\n"
                            "with read_base():\n"
                            "    from mmagic.configs.base import *\n"
                            "y = x + 1\n");
  EXPECT_EQ(Config::fromfile(other).to_dict().repr(), "{'x': 1, 'y': 2}");
}

TEST_F(PackageTree, ShippedConfigsServeMmpretrain) {
  ASSERT_FALSE(shipped_configs_dir().empty());
  std::string child = write("rtmdet/classification/cspnext.py",
                            "_base_ = 'mmpretrain::_base_/models/lenet5.py'\n"
                            "model = dict(backbone=dict(num_classes=7))\n");
  Value model = *Config::fromfile(child).to_dict().as_dict().find("model");
  EXPECT_EQ(model.as_dict().find("_scope_")->repr(), "'mmpretrain'");
  EXPECT_EQ(model.as_dict().find("backbone")->repr(), "{'type': 'LeNet5', 'num_classes': 7}");
}

TEST_F(PackageTree, ConfigPathEnvironmentVariable) {
  write("elsewhere/mmdetection/configs/rtmdet/base.py", "model = dict(type='RTMDet')\n");
  write("elsewhere/pt/mmpretrain/configs/_base_/x.py", "y = 3\n");
  std::string child =
      write("work/cfg.py", "_base_ = ['mmdet::rtmdet/base.py', 'mmpretrain::_base_/x.py']\n");
  std::string env =
      "mmdet=" + path("elsewhere/mmdetection") + ":mmpretrain=" + path("elsewhere/pt/mmpretrain");
  // The shipped configs come before MMCPP_CONFIG_PATH and lack _base_/x.py.
  ::setenv("MMCPP_CONFIG_PATH", env.c_str(), 1);
  EXPECT_EQ(Config::fromfile(child).to_dict().repr(),
            "{'model': {'type': 'RTMDet', '_scope_': 'mmdet'}, 'y': 3}");
  ::setenv("MMCPP_CONFIG_PATH", "mmdet", 1);
  auto [kind, what] = failure(child);
  EXPECT_EQ(kind, "ValueError") << what;
  EXPECT_TRUE(contains(what, "MMCPP_CONFIG_PATH")) << what;
}

TEST_F(PackageTree, NotFoundSaysWhichPackageAndWhereItLooked) {
  std::string child = write("a/b/cfg.py", "_base_ = 'mmdet::rtmdet/rtmdet_s.py'\n");
  auto [kind, what] = failure(child);
  EXPECT_EQ(kind, "ModuleNotFoundError") << what;
  EXPECT_TRUE(contains(what, "package 'mmdet'")) << what;
  EXPECT_TRUE(contains(what, "MMCPP_CONFIG_PATH")) << what;

  // mmpretrain has a folder (the shipped configs), just not this file.
  std::string missing = write("a/b/cfg2.py", "_base_ = 'mmpretrain::_base_/models/nope.py'\n");
  std::tie(kind, what) = failure(missing);
  EXPECT_EQ(kind, "FileNotFoundError") << what;
  EXPECT_TRUE(contains(what, shipped_configs_dir() + "/_base_/models/nope.py")) << what;

  // A folder named after the package above the config is searched, and listed.
  write("tree/mmagic/configs/_base_/other.py", "x = 1\n");
  std::string in_tree = write("tree/mmagic/configs/sub/c.py",
                              "from mmengine.config import read_base\n"
                              "with read_base():\n"
                              "    from mmagic.configs._base_.missing import *\n");
  std::tie(kind, what) = failure(in_tree);
  EXPECT_EQ(kind, "ConfigParsingError") << what;
  EXPECT_TRUE(contains(what, path("tree/mmagic/configs/_base_/missing.py"))) << what;
}

TEST_F(PackageTree, MalformedPackagePathsFailAsInMMEngine) {
  auto [kind, what] = failure(write("c1.py", "_base_ = 'mmpretrain::resnet50.py'\n"));
  EXPECT_EQ(kind, "ValueError") << what;
  std::tie(kind, what) = failure(write("c2.py", "_base_ = 'mmfoo::a/b.py'\n"));
  EXPECT_EQ(kind, "AssertionError") << what;
  EXPECT_TRUE(contains(what, "mmengine does not support to load mmfoo config.")) << what;
  std::tie(kind, what) = failure(write("c3.py", "_base_ = 'mmdet::a/b::c.py'\n"));
  EXPECT_EQ(kind, "ValueError") << what;
}

}  // namespace
}  // namespace mmcpp::config
