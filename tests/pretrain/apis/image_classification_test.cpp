// ImageClassificationInferencer: built from a config and a checkpoint (or the
// checkpoint alone), predictions equal the model's own test_step, paths and
// cv::Mat agree, batches equal single images, classes from dataset_meta.
#include <gtest/gtest.h>

#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <unistd.h>

#include <filesystem>

#include "mmcpp/config/config.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/apis/image_classification.h"

namespace mmcpp::pretrain {
namespace {

namespace fs = std::filesystem;

// LeNet-5 on 32x32 grey images, as the Fashion-MNIST config (no file loading).
const char* kConfig = R"(
model = dict(type='ImageClassifier', backbone=dict(type='LeNet5', num_classes=4),
             head=dict(type='ClsHead'))
data_preprocessor = dict(num_classes=4, mean=[100.0], std=[50.0])
test_pipeline = [dict(type='Resize', scale=32), dict(type='PackInputs')]
test_dataloader = dict(batch_size=2, dataset=dict(type='FashionMNIST', data_root='x',
                       pipeline=test_pipeline))
)";

class Inferencer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mmcpp_infer_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    cfg_ = config::Config::fromstring(kConfig, ".py");
    // Random weights, saved with the config and the classes as the Runner does.
    torch::manual_seed(0);
    ImageClassificationInferencer init(cfg_, "");
    for (auto& p : init.model().parameters()) {
      torch::NoGradGuard g;
      p.uniform_(-0.3, 0.3);
    }
    io::PyObject meta = io::PyObject::dict();
    meta.as_dict().set("cfg", io::PyObject::str(cfg_.pretty_text()));
    io::PyObject dataset_meta = io::PyObject::dict();
    io::PyObject::Items classes;
    for (const char* c : {"cat", "dog", "bird", "fish"}) classes.push_back(io::PyObject::str(c));
    dataset_meta.as_dict().set("classes", io::PyObject::tuple(classes));
    meta.as_dict().set("dataset_meta", dataset_meta);
    io::PyObject ckpt = io::PyObject::dict();
    ckpt.as_dict().set("meta", meta);
    ckpt.as_dict().set("state_dict", engine::model_state_dict(init.model()));
    ckpt_ = (dir_ / "model.pth").string();
    engine::write_checkpoint(Env::system(), ckpt, ckpt_);
    // The same without the config and the classes.
    io::PyObject bare = io::PyObject::dict();
    bare.as_dict().set("state_dict", engine::model_state_dict(init.model()));
    bare_ = (dir_ / "bare.pth").string();
    engine::write_checkpoint(Env::system(), bare, bare_);
    for (int i = 0; i < 3; ++i) {
      imgs_.push_back(cv::Mat(28, 28, CV_8UC1));
      cv::randu(imgs_.back(), 0, 255);
      paths_.push_back((dir_ / (std::to_string(i) + ".png")).string());
      ASSERT_TRUE(cv::imwrite(paths_.back(), imgs_.back()));
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  config::Config cfg_;
  std::string ckpt_, bare_;
  std::vector<cv::Mat> imgs_;
  std::vector<std::string> paths_;
};

TEST_F(Inferencer, PredictEqualsTheModelsTestStep) {
  ImageClassificationInferencer inf(cfg_, ckpt_);
  EXPECT_EQ(inf.classes(), (std::vector<std::string>{"cat", "dog", "bird", "fish"}));
  EXPECT_TRUE(inf.load_report().empty()) << inf.load_report();
  const ClassificationResult r = inf.predict(imgs_[0]);
  ASSERT_EQ(r.pred_scores.numel(), 4);
  EXPECT_NEAR(r.pred_scores.sum().item<double>(), 1.0, 1e-5);
  EXPECT_EQ(r.pred_label, r.pred_scores.argmax().item<std::int64_t>());
  EXPECT_DOUBLE_EQ(r.pred_score, r.pred_scores.max().item<double>());
  EXPECT_EQ(r.pred_class, inf.classes()[static_cast<std::size_t>(r.pred_label)]);
  // By hand: resize 28 -> 32 (bilinear), (x - 100) / 50, LeNet, softmax.
  data::DataBatch batch;
  cv::Mat resized;
  cv::resize(imgs_[0], resized, cv::Size(32, 32), 0, 0, cv::INTER_LINEAR);
  batch.inputs = mmcv::as_tensor(resized).clone().unsqueeze(0).unsqueeze(0);
  batch.data_samples.push_back(std::make_shared<data::DataSample>());
  torch::NoGradGuard g;
  data::DataSamples expected = inf.model().test_step(batch);
  EXPECT_TRUE(torch::allclose(r.pred_scores, expected[0]->get("pred_score").flatten(), 1e-5, 1e-6));
}

TEST_F(Inferencer, PathsMatsAndBatchesAgree) {
  ImageClassificationInferencer inf(cfg_, ckpt_);
  const auto by_path = inf.predict(paths_, 2);
  const auto by_mat = inf.predict(imgs_, 3);
  ASSERT_EQ(by_path.size(), 3u);
  ASSERT_EQ(by_mat.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto single = inf.predict(paths_[i]);
    EXPECT_TRUE(torch::allclose(by_path[i].pred_scores, single.pred_scores, 1e-5, 1e-6)) << i;
    EXPECT_TRUE(torch::allclose(by_mat[i].pred_scores, single.pred_scores, 1e-5, 1e-6)) << i;
  }
  const auto top = ImageClassificationInferencer::topk(by_mat[0], 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].first, by_mat[0].pred_label);
  EXPECT_GE(top[0].second, top[1].second);
  EXPECT_GE(top[1].second, top[2].second);
  EXPECT_EQ(ImageClassificationInferencer::topk(by_mat[0], 10).size(), 4u);
}

TEST_F(Inferencer, CheckpointAloneCarriesTheConfig) {
  ImageClassificationInferencer with_cfg(cfg_, ckpt_);
  ImageClassificationInferencer alone(ckpt_);
  EXPECT_EQ(alone.classes(), with_cfg.classes());
  EXPECT_TRUE(alone.predict(imgs_[1]).pred_scores.equal(with_cfg.predict(imgs_[1]).pred_scores));
  // A config file + checkpoint.
  const std::string cfg_path = (dir_ / "cfg.py").string();
  Env::system().write_file_atomic(cfg_path, kConfig);
  ImageClassificationInferencer from_file(cfg_path, ckpt_);
  EXPECT_TRUE(
      from_file.predict(imgs_[1]).pred_scores.equal(with_cfg.predict(imgs_[1]).pred_scores));
  // Without meta: no classes; alone it is a clear error.
  ImageClassificationInferencer no_meta(cfg_, bare_);
  EXPECT_TRUE(no_meta.classes().empty());
  EXPECT_TRUE(no_meta.predict(imgs_[1]).pred_class.empty());
  try {
    ImageClassificationInferencer x(bare_);
    FAIL() << "a checkpoint without a config was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "KeyError");
    EXPECT_NE(std::string(e.what()).find("meta['cfg']"), std::string::npos) << e.what();
  }
  EXPECT_THROW(config_from_checkpoint(bare_), Error);
  EXPECT_TRUE(is_config_path("a/b.py"));
  EXPECT_FALSE(is_config_path("a/b.pth"));
}

TEST_F(Inferencer, PipelineWithoutLoadImageFromFile) {
  // LoadImageFromFile goes; its color_type decides how paths are read.
  std::string text = kConfig;
  const std::string from = "test_pipeline = [";
  text.replace(text.find(from), from.size(),
               from + "dict(type='LoadImageFromFile', color_type='grayscale'), ");
  const config::Config cfg = config::Config::fromstring(text, ".py");
  ImageClassificationInferencer inf(cfg, ckpt_);
  ASSERT_EQ(inf.pipeline_cfg().items().size(), 2u);
  // A colour PNG read as grey scale fits the one-channel LeNet.
  cv::Mat colour;
  cv::cvtColor(imgs_[2], colour, cv::COLOR_GRAY2BGR);
  const std::string p = (dir_ / "colour.png").string();
  ASSERT_TRUE(cv::imwrite(p, colour));
  EXPECT_TRUE(
      torch::allclose(inf.predict(p).pred_scores, inf.predict(imgs_[2]).pred_scores, 1e-5, 1e-6));
  EXPECT_THROW(inf.predict((dir_ / "missing.png").string()), Error);
}

}  // namespace
}  // namespace mmcpp::pretrain
