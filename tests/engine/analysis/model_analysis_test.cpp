// Building a config's model for get-flops (no weights loaded), its state-dict
// layout, and the JSON summary.
#include "mmcpp/engine/analysis/model_analysis.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/model/feature_extractor.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine::analysis {
namespace {

using config::Config;

// conv -> bn -> global pooling (extract_feat) -> head (forward only).
class ToyFlopsNet : public BaseModel, public FeatureExtractor {
 public:
  explicit ToyFlopsNet(std::int64_t channels) {
    conv_ = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, channels, 3)));
    bn_ = register_module("bn", torch::nn::BatchNorm2d(channels));
    head_ = register_module("head", torch::nn::Linear(channels, 3));
  }
  static std::shared_ptr<ToyFlopsNet> from_config(registry::BuildArgs& args) {
    auto m = std::make_shared<ToyFlopsNet>(args.get_int("channels", 4));
    m->configure_base(args);
    return m;
  }
  std::vector<torch::Tensor> extract_feat(const torch::Tensor& x) override {
    return {torch::adaptive_avg_pool2d(bn_(conv_(x)), {1, 1}).flatten(1)};
  }
  ModelOutput forward(const data::DataBatch& batch, ForwardMode) override {
    ModelOutput out;
    out.tensors.push_back(head_(extract_feat(batch.inputs)[0]));
    return out;
  }
  // get-flops must not initialise (init_cfg Pretrained would load a file here).
  void init_weights() override { throw Error("RuntimeError", "init_weights must not run"); }

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
  torch::nn::Linear head_{nullptr};
};

// A model without extract_feat: get-flops counts forward(mode='tensor').
class ToyPlainNet : public BaseModel {
 public:
  ToyPlainNet() { fc_ = register_module("fc", torch::nn::Linear(6, 2)); }
  static std::shared_ptr<ToyPlainNet> from_config(registry::BuildArgs& args) {
    auto m = std::make_shared<ToyPlainNet>();
    m->configure_base(args);
    return m;
  }
  ModelOutput forward(const data::DataBatch& batch, ForwardMode) override {
    ModelOutput out;
    out.tensors.push_back(fc_(batch.inputs.flatten(1)));
    return out;
  }

 private:
  torch::nn::Linear fc_{nullptr};
};

}  // namespace
}  // namespace mmcpp::engine::analysis

MMCPP_REGISTER(mmcpp::registry::MODELS, mmcpp::engine::analysis::ToyFlopsNet,
               "dict(type='ToyFlopsNet', channels=2)");
MMCPP_REGISTER(mmcpp::registry::MODELS, mmcpp::engine::analysis::ToyPlainNet,
               "dict(type='ToyPlainNet')");

namespace mmcpp::engine::analysis {
namespace {

Config load(const std::string& text) { return Config::fromstring(text, ".py"); }

TEST(ModelAnalysis, BuildsWithoutInitialisingOrLoadingWeights) {
  auto model =
      build_model_for_analysis(load("model = dict(type='ToyFlopsNet', channels=4)\n"
                                    "data_preprocessor = dict(type='BaseDataPreprocessor')\n"
                                    "load_from = '/no/such/checkpoint.pth'\n"));
  ASSERT_NE(model, nullptr);
  EXPECT_FALSE(model->is_training());
  std::vector<StateEntry> sd = state_dict_entries(*model);
  std::vector<std::string> names;
  for (const auto& e : sd) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean",
                       "bn.running_var", "bn.num_batches_tracked", "head.weight", "head.bias"}));
  EXPECT_EQ(sd[0].shape, (std::vector<std::int64_t>{4, 3, 3, 3}));
  EXPECT_EQ(sd[0].dtype, "float32");
  EXPECT_EQ(sd[6].shape, (std::vector<std::int64_t>{}));
  EXPECT_EQ(sd[6].dtype, "int64");
}

TEST(ModelAnalysis, UnsupportedComponentsAreAllListed) {
  try {
    build_model_for_analysis(
        load("model = dict(type='ToyFlopsNet', norm_cfg=dict(type='NoSuchNorm'),\n"
             "             init_cfg=dict(type='NoSuchInit'))\n"
             "data_preprocessor = dict(type='NoSuchPreprocessor')\n"
             "train_pipeline = [dict(type='NoSuchTransform')]\n"));
    FAIL() << "built";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "KeyError");
    std::string w = e.what();
    EXPECT_NE(w.find("model.norm_cfg.type='NoSuchNorm'"), std::string::npos) << w;
    // init_cfg is only used by init_weights, which get-flops never calls.
    EXPECT_EQ(w.find("NoSuchInit"), std::string::npos) << w;
    EXPECT_NE(w.find("data_preprocessor.type='NoSuchPreprocessor'"), std::string::npos) << w;
    EXPECT_EQ(w.find("NoSuchTransform"), std::string::npos) << w;  // not part of the model
  }
}

TEST(ModelAnalysis, CountsExtractFeatWhenTheModelHasIt) {
  auto model = build_model_for_analysis(load("model = dict(type='ToyFlopsNet', channels=4)"));
  FlopsResult r = count_flops(*model, {3, 6, 6});
  EXPECT_EQ(r.counted, "extract_feat");
  const std::int64_t conv = 4 * 27 * 16, bn = 4 * 16 * 2, pool = 4 * 16;
  EXPECT_EQ(r.stats.total_flops, conv + bn + pool);
  EXPECT_EQ(r.params, 4 * 27 + 4 + 8 + 4 * 3 + 3);
  EXPECT_EQ(r.stats.uncalled_modules.count("head"), 1u);

  nlohmann::ordered_json j = summary_json(*model, &r);
  EXPECT_EQ(j["state_dict"][0],
            nlohmann::ordered_json(
                {{"name", "conv.weight"}, {"shape", {4, 3, 3, 3}}, {"dtype", "float32"}}));
  EXPECT_EQ(j["state_dict"].size(), 9u);
  EXPECT_EQ(j["params"], r.params);
  EXPECT_EQ(j["flops"], conv + bn + pool);
  EXPECT_EQ(j["input_shape"], nlohmann::ordered_json({3, 6, 6}));
  EXPECT_EQ(j["flops_by_operator"]["conv"], conv);
  EXPECT_EQ(j["modules"][0]["name"], "");
  bool head_seen = false;
  for (const auto& m : j["modules"]) {
    if (m["name"] != "head") continue;
    head_seen = true;
    EXPECT_EQ(m["params"], 15);
    EXPECT_EQ(m["flops"], 0);
    EXPECT_EQ(m["called"], false);
  }
  EXPECT_TRUE(head_seen);

  std::string text = flops_report(*model, r);
  EXPECT_NE(text.find("Input shape: (3, 6, 6)\nFlops: 1.92K\nParams: 0.135K\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("!!!Only the backbone network is counted in FLOPs analysis."),
            std::string::npos);
}

TEST(ModelAnalysis, CountsForwardOtherwise) {
  auto model = build_model_for_analysis(load("model = dict(type='ToyPlainNet')"));
  FlopsResult r = count_flops(*model, {6});
  EXPECT_EQ(r.counted, "forward(mode='tensor')");
  EXPECT_EQ(r.stats.total_flops, 12);
  nlohmann::ordered_json j = summary_json(*model, nullptr);
  EXPECT_EQ(j.size(), 2u);  // state_dict and params only
  EXPECT_EQ(j["params"], 14);
}

}  // namespace
}  // namespace mmcpp::engine::analysis
