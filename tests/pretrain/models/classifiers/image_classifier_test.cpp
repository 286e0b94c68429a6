// ImageClassifier: construction (preprocessor defaults, pretrained, train_cfg),
// forward modes, extract_feat stages, train_step through the BaseModel, and
// AverageClsScoreTTA.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/data/collate.h"
#include "mmcpp/data/transform.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/engine/model/feature_extractor.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/classifiers/image.h"
#include "mmcpp/pretrain/models/tta/score_tta.h"
#include "mmcpp/pretrain/models/utils/data_preprocessor.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

using config::Value;

std::shared_ptr<engine::BaseModel> build(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  return engine::build_model(
      config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
}

const char* kResNet =
    "dict(type='ImageClassifier', backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=4, "
    "stem_channels=4, out_indices=(2, 3)), neck=dict(type='GlobalAveragePooling'), "
    "head=dict(type='LinearClsHead', num_classes=3, in_channels=32, topk=(1, 2), cal_acc=True), "
    "data_preprocessor=dict(mean=[0.0, 0.0, 0.0], std=[1.0, 1.0, 1.0]))";

data::DataBatch batch_of(std::int64_t n) {
  data::DataBatch b;
  b.inputs = torch::randint(0, 255, {n, 3, 16, 16}).to(torch::kByte);
  for (std::int64_t i = 0; i < n; ++i) {
    auto s = std::make_shared<data::DataSample>();
    s->set_gt_label(torch::tensor({i % 3}));
    b.data_samples.push_back(s);
  }
  return b;
}

TEST(ImageClassifier, ModesAndStages) {
  auto model = build(kResNet);
  auto& clf = dynamic_cast<ImageClassifier&>(*model);
  EXPECT_NE(dynamic_cast<ClsDataPreprocessor*>(&model->data_preprocessor()), nullptr);
  std::vector<std::string> children;
  for (const auto& c : model->named_children()) children.push_back(c.key());
  EXPECT_EQ(children, (std::vector<std::string>{"data_preprocessor", "backbone", "neck", "head"}));
  model->init_weights();
  model->eval();
  torch::Tensor x = torch::randn({2, 3, 16, 16});
  EXPECT_EQ(clf.extract_feat(x, "backbone").size(), 2u);
  EXPECT_EQ(clf.extract_feat(x, "backbone")[1].sizes(), (std::vector<std::int64_t>{2, 32, 2, 2}));
  EXPECT_EQ(clf.extract_feat(x, "neck")[1].sizes(), (std::vector<std::int64_t>{2, 32}));
  EXPECT_EQ(clf.extract_feat(x, "pre_logits")[0].sizes(), (std::vector<std::int64_t>{2, 32}));
  EXPECT_THROW(clf.extract_feat(x, "head"), Error);
  // get-flops counts extract_feat(inputs): the 'neck' stage.
  auto* fe = dynamic_cast<engine::FeatureExtractor*>(model.get());
  ASSERT_NE(fe, nullptr);
  auto feats = fe->extract_feat(x);
  ASSERT_EQ(feats.size(), 2u);
  EXPECT_TRUE(torch::equal(feats[1], clf.extract_feat(x, "neck")[1]));
  data::DataBatch b;
  b.inputs = x;
  auto tensors = model->forward(b, engine::ForwardMode::Tensor).tensors;
  ASSERT_EQ(tensors.size(), 1u);
  EXPECT_EQ(tensors[0].sizes(), (std::vector<std::int64_t>{2, 3}));
  data::DataSamples preds = model->val_step(batch_of(2));
  ASSERT_EQ(preds.size(), 2u);
  EXPECT_TRUE(preds[0]->has("pred_score") && preds[0]->has("pred_label") &&
              preds[0]->has("gt_label"));

  // train_step: loss first, then accuracy_top-1/2; parameters change.
  model->train();
  torch::Tensor before = model->named_parameters()["head.fc.weight"].clone();
  auto sgd =
      std::make_shared<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(0.1));
  engine::OptimWrapper wrapper(sgd, 1, Value());
  auto log_vars = model->train_step(batch_of(4), wrapper);
  std::vector<std::string> names;
  for (const auto& [k, v] : log_vars) names.push_back(k);
  EXPECT_EQ(names, (std::vector<std::string>{"loss", "accuracy_top-1", "accuracy_top-2"}));
  EXPECT_FALSE(torch::equal(before, model->named_parameters()["head.fc.weight"]));
}

TEST(ImageClassifier, ArgumentsAsMMPretrain) {
  // No neck, no head: tensor mode returns the features.
  auto bare = build("dict(type='ImageClassifier', backbone=dict(type='LeNet5'))");
  data::DataBatch b;
  b.inputs = torch::randn({2, 1, 32, 32});
  EXPECT_EQ(bare->forward(b, engine::ForwardMode::Tensor).tensors[0].sizes(),
            (std::vector<std::int64_t>{2, 120, 1, 1}));
  // pretrained -> init_cfg Pretrained.
  auto pre = build(
      "dict(type='ImageClassifier', backbone=dict(type='LeNet5'), "
      "pretrained='x.pth')");
  EXPECT_EQ(pre->init_cfg().repr(), "{'type': 'Pretrained', 'checkpoint': 'x.pth'}");
  // train_cfg becomes the preprocessor's batch augments.
  auto mix = build(
      "dict(type='ImageClassifier', backbone=dict(type='LeNet5'), "
      "head=dict(type='ClsHead'), train_cfg=dict(augments=dict(type='Mixup', "
      "alpha=0.2)), data_preprocessor=dict(num_classes=10))");
  auto* dp = dynamic_cast<ClsDataPreprocessor*>(&mix->data_preprocessor());
  ASSERT_NE(dp, nullptr);
  EXPECT_NE(dp->batch_augments(), nullptr);
  EXPECT_THROW(build("dict(type='ImageClassifier', backbone=dict(type='LinearClsHead', "
                     "num_classes=2, in_channels=2))"),
               Error);
  EXPECT_THROW(build("dict(type='ImageClassifier', backbone=dict(type='LeNet5'), "
                     "neck=dict(type='LinearClsHead', num_classes=2, in_channels=2))"),
               Error);
  EXPECT_THROW(build("dict(type='ImageClassifier', backbone=dict(type='LeNet5'), colour=1)"),
               Error);
}

TEST(AverageClsScoreTTA, AveragesScoresOverViews) {
  auto tta = build(std::string("dict(type='AverageClsScoreTTA', module=") + kResNet + ")");
  auto& model = dynamic_cast<AverageClsScoreTTA&>(*tta);
  model.module().eval();
  data::DataBatch a = batch_of(2), b = batch_of(2);
  data::DataSamples merged = model.test_step_augmented({a, b});
  ASSERT_EQ(merged.size(), 2u);
  data::DataSamples pa = model.module().test_step(a), pb = model.module().test_step(b);
  EXPECT_TRUE(torch::allclose(merged[1]->get("pred_score"),
                              (pa[1]->get("pred_score") + pb[1]->get("pred_score")) / 2));
  // DataSample.new() of the first view: its gt_label and pred_label stay.
  EXPECT_TRUE(merged[1]->get("gt_label").equal(a.data_samples[1]->get("gt_label")));
  EXPECT_TRUE(merged[0]->get("pred_label").equal(pa[0]->get("pred_label")));
  data::DataBatch batch;
  EXPECT_THROW(tta->forward(batch, engine::ForwardMode::Tensor), Error);
}

// MMEngine's load_state_dict loads into the model a BaseTTAModel wraps: a
// classifier's checkpoint (backbone.*, not module.backbone.*) fits, strictly.
TEST(AverageClsScoreTTA, LoadsTheWrappedClassifiersCheckpoint) {
  torch::manual_seed(1);
  auto plain = build(kResNet);
  auto tta = build(std::string("dict(type='AverageClsScoreTTA', module=") + kResNet + ")");
  engine::LoadReport r =
      engine::load_model_state_dict(*tta, engine::model_state_dict(*plain), /*strict=*/true);
  EXPECT_TRUE(r.missing_keys.empty());
  EXPECT_TRUE(r.unexpected_keys.empty());
  auto inner = dynamic_cast<AverageClsScoreTTA&>(*tta).module().named_parameters();
  for (const auto& p : plain->named_parameters())
    EXPECT_TRUE(p.value().equal(inner[p.key()])) << p.key();
}

// `mmcpp test --tta`'s path: TestTimeAug's flip branches packed into one sample
// per image, collated as the test loader does, run by test_step: each score is
// the mean of the model's scores on the image and on its flip.
TEST(AverageClsScoreTTA, FlipTestTimeAugThroughCollate) {
  auto tta = build(std::string("dict(type='AverageClsScoreTTA', module=") + kResNet + ")");
  auto& model = dynamic_cast<AverageClsScoreTTA&>(*tta);
  model.module().eval();
  registry::ScopeGuard scope("mmpretrain");
  auto flip_tta =
      TRANSFORMS().build(config::Config::fromstring(
                             "x = dict(type='TestTimeAug', transforms=[[dict(type='RandomFlip', "
                             "prob=1.), dict(type='RandomFlip', prob=0.)], "
                             "[dict(type='PackInputs')]])",
                             ".py")
                             .get("x")
                             ->deep_copy());
  std::vector<torch::Tensor> imgs;
  std::vector<data::Sample> samples;
  for (int i = 0; i < 3; ++i) {
    imgs.push_back(torch::randint(0, 255, {16, 16, 3}).to(torch::kByte));
    data::Results r;
    r.set_img(imgs.back().clone());
    r.info.as_dict().set(Value("gt_label"), Value(i % 3));
    Rng rng(0);
    ASSERT_TRUE(flip_tta->transform(r, rng));
    ASSERT_TRUE(r.packed.has_value());
    samples.push_back(*r.packed);
  }
  data::default_collate collate;
  data::DataBatch batch = collate(samples);
  EXPECT_FALSE(batch.inputs.defined());
  data::DataSamples merged = tta->test_step(batch);
  ASSERT_EQ(merged.size(), 3u);
  // The model on the plain images and on their horizontal flips.
  auto plain = [&](bool flip) {
    data::DataBatch b;
    std::vector<torch::Tensor> chw;
    for (const auto& img : imgs) chw.push_back((flip ? img.flip({1}) : img).permute({2, 0, 1}));
    b.inputs = torch::stack(chw);
    for (std::size_t i = 0; i < imgs.size(); ++i)
      b.data_samples.push_back(std::make_shared<data::DataSample>());
    return model.module().test_step(b);
  };
  data::DataSamples p = plain(false), f = plain(true);
  for (std::size_t i = 0; i < 3; ++i) {
    torch::Tensor expected = (p[i]->get("pred_score") + f[i]->get("pred_score")) / 2;
    EXPECT_TRUE(torch::allclose(merged[i]->get("pred_score"), expected, 1e-5, 1e-6)) << i;
    EXPECT_EQ(merged[i]->get("gt_label").item<std::int64_t>(), static_cast<std::int64_t>(i % 3));
    // The flipped view came first (RandomFlip prob=1 before prob=0).
    EXPECT_TRUE(merged[i]->get("pred_label").equal(f[i]->get("pred_label")));
  }
}

}  // namespace
}  // namespace mmcpp::pretrain
