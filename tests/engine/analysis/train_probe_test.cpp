// The train probe of `zoo-report --train-steps`: a shipped config trains on
// random images through its own pipeline, and each way a config can fail to
// train is reported, not hidden.
#include "mmcpp/engine/analysis/train_probe.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/analysis/zoo_report.h"
// The probed configs build MMPretrain models (LeNet5, ImageClassifier, LeViT):
// this test links mmcpp_pretrain (and is not one of the engine-only tests).
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::engine::analysis {
namespace {

namespace fs = std::filesystem;

const fs::path kLeNet = fs::path(MMCPP_SOURCE_DIR) / "configs/lenet/lenet5_8xb32_fashion-mnist.py";

// A config inheriting the shipped LeNet-5 config with `body` on top.
config::Config derived(const std::string& name, const std::string& body) {
  fs::path dir = fs::temp_directory_path() / "mmcpp_train_probe_test";
  fs::create_directories(dir);
  fs::path file = dir / (name + ".py");
  std::ofstream(file) << "_base_ = '" << kLeNet.string() << "'\n" << body;
  return config::Config::fromfile(file.string());
}

TEST(TrainProbe, ShippedLeNetTrainsOnItsOwnInputSize) {
  TrainProbeResult r = probe_training(config::Config::fromfile(kLeNet.string()));
  ASSERT_TRUE(r.trained()) << r.message;
  ASSERT_EQ(r.losses.size(), 3u);
  EXPECT_LT(r.losses[2], r.losses[0]);
  // Fashion-MNIST's pipeline on grey images: (2, 1, 28, 28) whatever the
  // random images' size was (the pipeline resizes them).
  ASSERT_EQ(r.input_shape.size(), 4u);
  EXPECT_EQ(r.input_shape[0], 2);
  EXPECT_EQ(r.input_shape[1], 1);
  EXPECT_GT(r.params, 0);
}

TEST(TrainProbe, MoreStepsGiveOneLossEach) {
  TrainProbeOptions o;
  o.steps = 5;
  TrainProbeResult r = probe_training(config::Config::fromfile(kLeNet.string()), o);
  ASSERT_TRUE(r.trained()) << r.message;
  EXPECT_EQ(r.losses.size(), 5u);
}

TEST(TrainProbe, ALossThatDoesNotGoDownFails) {
  TrainProbeOptions o;
  o.lr = 0;  // nothing moves
  TrainProbeResult r = probe_training(config::Config::fromfile(kLeNet.string()), o);
  EXPECT_EQ(r.status, TrainProbeResult::Status::kFailed);
  EXPECT_NE(r.message.find("did not go down"), std::string::npos) << r.message;
  ASSERT_EQ(r.losses.size(), 3u);
  EXPECT_EQ(r.losses[0], r.losses[2]);
}

TEST(TrainProbe, AHeadlessClassifierCannotTrain) {
  TrainProbeResult r = probe_training(derived("headless", "model = dict(head=None)\n"));
  EXPECT_EQ(r.status, TrainProbeResult::Status::kNotTrainable);
  EXPECT_NE(r.message.find("no head"), std::string::npos) << r.message;
}

TEST(TrainProbe, APipelineThatPacksNothingFailsNamingIt) {
  TrainProbeResult r = probe_training(
      derived("nopack",
              "train_dataloader = dict(dataset=dict(pipeline=[dict(type='Resize', scale=32)]))\n"));
  EXPECT_EQ(r.status, TrainProbeResult::Status::kFailed);
  EXPECT_NE(r.message.find("the train pipeline"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("PackInputs"), std::string::npos) << r.message;
}

TEST(TrainProbe, AModelThatDoesNotBuildFailsWithTheCause) {
  TrainProbeResult r =
      probe_training(derived("badarg", "model = dict(backbone=dict(no_such_argument=1))\n"));
  EXPECT_EQ(r.status, TrainProbeResult::Status::kFailed);
  EXPECT_NE(r.message.find("building the model"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("no_such_argument"), std::string::npos) << r.message;
}

TEST(TrainProbe, AConfigOverTheCostBudgetIsSkippedNotTrained) {
  TrainProbeOptions o;
  o.max_cost = 1e-6;  // LeNet-5: 0.06M parameters at 28x28 (or 32x32) cost ~0.001
  TrainProbeResult r = probe_training(config::Config::fromfile(kLeNet.string()), o);
  EXPECT_EQ(r.status, TrainProbeResult::Status::kSkipped);
  EXPECT_TRUE(r.losses.empty());
  EXPECT_GT(r.cost, 1e-6);
  EXPECT_NE(r.message.find("over the budget"), std::string::npos) << r.message;
  o.max_cost = 1;
  EXPECT_TRUE(probe_training(config::Config::fromfile(kLeNet.string()), o).trained());
}

TEST(TrainProbe, ADistilledLeViTCannotTrainAsInMMPretrain) {
  // LeViTClsHead(distillation=True).loss raises NotImplementedError in
  // MMPretrain: the config cannot train by design, which is not a failure.
  TrainProbeResult r = probe_training(config::Config::fromfile(
      (fs::path(MMCPP_SOURCE_DIR) / "configs/levit/levit-128s_8xb256_in1k.py").string()));
  EXPECT_EQ(r.status, TrainProbeResult::Status::kNotTrainable) << r.message;
  EXPECT_NE(r.message.find("train_step"), std::string::npos) << r.message;
  EXPECT_TRUE(r.built);
}

TEST(TrainProbe, AModelAssertingAgainstItsOwnPipelinesInputCannotTrain) {
  // MMPretrain's TinyViT 384 px configs: the model is built for 384 px, the
  // inherited train pipeline crops 224 px, and the model asserts the size.
  fs::path dir = fs::temp_directory_path() / "mmcpp_train_probe_assert";
  fs::create_directories(dir);
  std::ofstream(dir / "tinyvit_384.py")
      << "_base_ = '"
      << (fs::path(MMCPP_SOURCE_DIR) / "configs/tinyvit/tinyvit-5m_8xb256_in1k.py").string()
      << "'\nmodel = dict(backbone=dict(img_size=(384, 384)))\n";
  TrainProbeResult r = probe_training(config::Config::fromfile((dir / "tinyvit_384.py").string()));
  EXPECT_EQ(r.status, TrainProbeResult::Status::kNotTrainable) << r.message;
  EXPECT_NE(r.message.find("AssertionError"), std::string::npos) << r.message;
  fs::remove_all(dir);
}

TEST(TrainProbe, StepsBelowTwoAreRefused) {
  TrainProbeOptions o;
  o.steps = 1;
  EXPECT_EQ(probe_training(config::Config::fromfile(kLeNet.string()), o).status,
            TrainProbeResult::Status::kFailed);
}

TEST(ZooReportTrainSteps, ShardsSplitTheSelectedConfigs) {
  // The shipped LeNet folder: its configs split over two shards, each built
  // and probed once, never both.
  const std::string dir = (fs::path(MMCPP_SOURCE_DIR) / "configs/lenet").string();
  ZooOptions all;
  all.train_steps = 2;
  ZooReport whole = zoo_report(dir, all);
  ASSERT_GE(whole.selected(), 1u);
  EXPECT_EQ(whole.trained(), whole.built());
  EXPECT_NE(whole.text().find(std::to_string(whole.built()) + " of " +
                              std::to_string(whole.built()) + " built configs train"),
            std::string::npos)
      << whole.text();
  std::size_t built = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    ZooOptions shard = all;
    shard.shard_index = i;
    shard.shard_count = 2;
    ZooReport r = zoo_report(dir, shard);
    built += r.built();
    EXPECT_NE(r.text().find("in shard " + std::to_string(i) + "/2"), std::string::npos);
  }
  EXPECT_EQ(built, whole.built());
  ZooOptions bad = all;
  bad.shard_index = 2;
  bad.shard_count = 2;
  EXPECT_THROW(zoo_report(dir, bad), Error);
}

TEST(ZooReportTrainSteps, APipelineWithTransformsMmcppLacksIsListedNotFailed) {
  // A config whose model builds but whose train pipeline names a transform
  // mmcpp lacks (MMPretrain's SparK benchmarks use NumpyToPIL): a gap of
  // mmcpp, reported with the types, not a failure of the probe.
  fs::path dir = fs::temp_directory_path() / "mmcpp_train_probe_unsupported";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "lenet_pil.py")
      << "_base_ = '" << kLeNet.string() << "'\n"
      << "train_dataloader = dict(dataset=dict(pipeline=[dict(type='NumpyToPIL'), "
         "dict(type='PackInputs')]))\n";
  ZooOptions o;
  o.train_steps = 2;
  ZooReport r = zoo_report(dir.string(), o);
  ASSERT_EQ(r.entries.size(), 1u);
  const ZooEntry& e = r.entries[0];
  EXPECT_TRUE(e.built);
  ASSERT_TRUE(e.probe.has_value());
  EXPECT_EQ(e.probe->status, TrainProbeResult::Status::kUnsupported);
  EXPECT_NE(e.probe->message.find("NumpyToPIL (TRANSFORMS)"), std::string::npos)
      << e.probe->message;
  const std::string text = r.text();
  EXPECT_NE(text.find("need pipeline transforms mmcpp lacks"), std::string::npos) << text;
  EXPECT_EQ(text.find("FAILED to train"), std::string::npos) << text;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mmcpp::engine::analysis
