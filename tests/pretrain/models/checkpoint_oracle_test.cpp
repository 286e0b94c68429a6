// Loading MMPretrain's checkpoints (MMCPP_ORACLE_DIR/models) the ways users do:
// Pretrained(prefix='backbone') from a full classifier checkpoint, a
// fine-tuning head of another size (MMEngine's size-mismatch report), and the
// hostile/truncated files of models/_bad, which must be clear errors naming
// the file that run nothing, given to load_checkpoint, to a Pretrained
// init_cfg or to the Runner's load_from.
#include <gtest/gtest.h>

#include <unistd.h>

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/io/pth_reader.h"
#include "mmcpp/pretrain/models/classifiers/image.h"
#include "mmcpp/registry/registry.h"
#include "tests/support/oracle.h"

namespace mmcpp::pretrain {
namespace {

namespace fs = std::filesystem;
using config::Value;

fs::path models_dir() { return testing::oracle_dir("models"); }

Value model_cfg(const fs::path& case_dir) {
  return config::Config::fromfile((case_dir / "config.py").string()).get("model")->deep_copy();
}

std::shared_ptr<engine::BaseModel> build(const Value& cfg) {
  registry::ScopeGuard scope("mmpretrain");
  return engine::build_model(cfg);
}

std::string read(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The model cases, sorted: the first whose model has a head.fc (a linear
// classifier) serves the prefix and size-mismatch checks, the first that
// builds the hostile-file checks. No case name is assumed.
std::vector<fs::path> case_dirs(const fs::path& models) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(models))
    if (e.is_directory() && fs::exists(e.path() / "config.py") &&
        fs::exists(e.path() / "checkpoint.pth"))
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

class CheckpointOracle : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = models_dir();
    for (const fs::path& c : case_dirs(dir_)) {
      std::shared_ptr<engine::BaseModel> m;
      try {
        m = build(model_cfg(c));
      } catch (const Error&) {
        continue;  // a model mmcpp lacks
      }
      if (built_.empty()) built_ = c;
      if (linear_.empty() && m->named_parameters().find("head.fc.weight")) linear_ = c;
    }
    ASSERT_FALSE(built_.empty()) << "no model case in " << dir_ << " builds";
    tmp_ = fs::temp_directory_path() / ("mmcpp_ckpt_oracle_" + std::to_string(::getpid()));
    fs::create_directories(tmp_);
  }
  void TearDown() override { fs::remove_all(tmp_); }
  fs::path dir_, tmp_;
  fs::path built_;   // a case whose model builds
  fs::path linear_;  // a case with head.fc
};

TEST_F(CheckpointOracle, PretrainedWithBackbonePrefixFromAClassifierCheckpoint) {
  ASSERT_FALSE(linear_.empty()) << "no model case with head.fc builds";
  const fs::path ckpt = linear_ / "checkpoint.pth";
  Value cfg = model_cfg(linear_);
  Value init = Value::dict(false);
  init.as_dict().set("type", Value("Pretrained"));
  init.as_dict().set("checkpoint", Value(ckpt.string()));
  init.as_dict().set("prefix", Value("backbone"));
  cfg.as_dict().find("backbone")->as_dict().set("init_cfg", init);
  auto model = build(cfg);
  model->init_weights();
  engine::StateDict sd = engine::state_dict_of(io::load_pth(ckpt.string()));
  auto params = model->named_parameters();
  auto buffers = model->named_buffers();
  int compared = 0;
  for (const auto& [k, v] : sd) {
    if (k.rfind("backbone.", 0) != 0) continue;
    const torch::Tensor* t = params.find(k);
    if (!t) t = buffers.find(k);
    ASSERT_NE(t, nullptr) << k;
    EXPECT_TRUE(torch::equal(*t, v.as_tensor())) << k;
    ++compared;
  }
  EXPECT_GT(compared, 0);
  // The head keeps its own init (Normal std 0.01), not the checkpoint's.
  EXPECT_FALSE(torch::equal(params["head.fc.weight"], [&] {
    for (const auto& [k, v] : sd)
      if (k == "head.fc.weight") return v.as_tensor();
    return torch::Tensor();
  }()));
}

TEST_F(CheckpointOracle, HeadOfAnotherSizeLoadsWithTheSizeMismatchReport) {
  ASSERT_FALSE(linear_.empty()) << "no model case with head.fc builds";
  const std::string ckpt = (linear_ / "checkpoint.pth").string();
  engine::StateDict sd = engine::state_dict_of(io::load_pth(ckpt));
  torch::Tensor saved_fc;
  for (const auto& [k, v] : sd)
    if (k == "head.fc.weight") saved_fc = v.as_tensor();
  ASSERT_TRUE(saved_fc.defined());
  const std::int64_t classes = saved_fc.size(0) + 7, channels = saved_fc.size(1);
  Value cfg = model_cfg(linear_);
  cfg.as_dict().find("head")->as_dict().set("num_classes", Value(classes));
  auto model = build(cfg);
  Logger logger;
  logger.set_console(false);
  const std::string log_path = (tmp_ / "run.log").string();
  logger.add_file(log_path);
  engine::load_checkpoint(*model, ckpt, "cpu", /*strict=*/false, &logger);
  logger.flush();
  const std::string log = read(log_path);
  EXPECT_NE(log.find("WARNING - The model and loaded state dict do not match exactly"),
            std::string::npos)
      << log;
  const std::string want =
      "size mismatch for head.fc.weight: copying a param with shape "
      "torch.Size([" +
      std::to_string(saved_fc.size(0)) + ", " + std::to_string(channels) +
      "]) from checkpoint, the shape in current model is torch.Size([" + std::to_string(classes) +
      ", " + std::to_string(channels) + "]).";
  EXPECT_NE(log.find(want), std::string::npos) << log;
  EXPECT_NE(log.find("size mismatch for head.fc.bias"), std::string::npos);
  EXPECT_EQ(log.find("missing keys"), std::string::npos);
  // Everything else was loaded.
  auto params = model->named_parameters();
  for (const auto& [k, v] : sd)
    if (const torch::Tensor* t = params.find(k); t && k.rfind("head.", 0) != 0)
      EXPECT_TRUE(torch::equal(*t, v.as_tensor())) << k;
  // strict=True makes the same report an error.
  try {
    engine::load_checkpoint(*model, ckpt, "cpu", /*strict=*/true);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "RuntimeError");
    EXPECT_NE(std::string(e.what()).find("size mismatch for head.fc.weight"), std::string::npos);
  }
}

TEST_F(CheckpointOracle, HostileFilesAreClearErrorsThatRunNothing) {
  const fs::path bad = dir_ / "_bad";
  ASSERT_TRUE(fs::is_directory(bad));
  const std::string marker = "/tmp/mmcpp_pickle_exploit_marker";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(bad))
    if (e.path().extension() == ".pth" || e.path().extension() == ".pkl") files.push_back(e.path());
  ASSERT_GE(files.size(), 5u);
  Value built = model_cfg(built_);
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    fs::remove(marker);
    auto model = build(built);
    const std::string first = model->named_parameters().keys().at(0);
    torch::Tensor before = model->named_parameters()[first].clone();
    // load_checkpoint (the Runner's load_from path).
    try {
      engine::load_checkpoint(*model, f.string(), "cpu", false);
      ADD_FAILURE() << "loaded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(f.filename().string()), std::string::npos) << e.what();
    }
    // A Pretrained init_cfg.
    Value cfg = built.deep_copy();
    Value init = Value::dict(false);
    init.as_dict().set("type", Value("Pretrained"));
    init.as_dict().set("checkpoint", Value(f.string()));
    cfg.as_dict().set("init_cfg", init);
    auto pretrained = build(cfg);
    try {
      pretrained->init_weights();
      ADD_FAILURE() << "initialised";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(f.filename().string()), std::string::npos) << e.what();
    }
    EXPECT_TRUE(torch::equal(before, model->named_parameters()[first]));
    EXPECT_FALSE(fs::exists(marker)) << "a pickle ran code";
  }
}

TEST_F(CheckpointOracle, RunnerLoadFromAHostileFileStopsBeforeTraining) {
  const fs::path f = dir_ / "_bad" / "malicious_in_state_dict.pth";
  ASSERT_TRUE(fs::exists(f));
  setenv("MMCPP_PLUGIN_PATH", MMCPP_PLUGIN_DIR, 1);
  config::Config cfg = config::Config::fromfile(std::string(MMCPP_SOURCE_DIR) +
                                                "/configs/seed_example/example_config.py");
  const std::string wd = (tmp_ / "work").string();
  cfg.merge_from_dict(config::parse_cfg_options(
      {"work_dir=" + wd, "load_from=" + f.string(), "train_dataloader.dataset.size=64"}));
  auto runner = engine::Runner::from_cfg(cfg);
  try {
    runner->train();
    FAIL() << "trained";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("malicious_in_state_dict.pth"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(runner->iter(), 0);
  EXPECT_FALSE(fs::exists(wd + "/epoch_1.pth"));
  EXPECT_FALSE(fs::exists("/tmp/mmcpp_pickle_exploit_marker"));
}

}  // namespace
}  // namespace mmcpp::pretrain
