// check_config: every component spec of a config, where it appears, which
// registry it belongs to, and whether mmcpp has it.
#include "mmcpp/registry/config_check.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::registry {
namespace {

using config::Config;

// A package scope of our own below the engine's roots ("mmtest"), with a few
// names registered (lookups only need the entries, not factories).
template <class Base>
Registry<Base>& child(Registry<Base>& root) {
  static Registry<Base> r(root.name(), "mmtest", &root);
  return r;
}

void add(RegistryBase& r, const std::string& name) {
  if (!r.get(name)) r.add(RegistryBase::Entry{name, "", __FILE__, nullptr});
}

struct ConfigCheckTest : ::testing::Test {
  static void SetUpTestSuite() {
    auto& models = child(MODELS());
    for (const char* n : {"TestClassifier", "TestNet", "TestHead", "TestLoss", "BN", "ReLU"})
      add(models, n);
    add(MODELS(), "GlobalPool");  // engine root: found from the package scope too
    auto& transforms = child(TRANSFORMS());
    for (const char* n : {"LoadImage", "Flip", "Pack", "RandomApply", "AutoAug", "Shear"})
      add(transforms, n);
    add(child(DATASETS()), "TestDataset");
    add(child(WEIGHT_INITIALIZERS()), "Normal");
    add(OPTIMIZERS(), "SGD");
    add(PARAM_SCHEDULERS(), "StepLR");
    add(METRICS(), "TestAccuracy");
    add(HOOKS(), "CheckpointHook");
    add(DATA_SAMPLERS(), "DefaultSampler");
    add(FUNCTIONS(), "default_collate");
    add(OPTIM_WRAPPERS(), "OptimWrapper");
  }
};

Config load(const std::string& text) { return Config::fromstring(text, ".py"); }

std::vector<std::string> missing_locations(const ConfigCheck& c) {
  std::vector<std::string> out;
  for (const auto& s : c.missing()) out.push_back(s.location());
  return out;
}

const ComponentSpec* find(const ConfigCheck& c, const std::string& path) {
  for (const auto& s : c.components)
    if (s.path == path) return &s;
  return nullptr;
}

const char* kConfig = R"(
default_scope = 'mmtest'
model = dict(
    type='TestClassifier',
    backbone=dict(type='XCiT', norm_cfg=dict(type='LN2d'), act_cfg=dict(type='ReLU'),
                  init_cfg=[dict(type='Normal', layer='Conv2d'),
                            dict(type='Kaiming', override=dict(name='fc', type='Zeros'))]),
    neck=dict(type='GlobalPool'),
    head=dict(type='TestHead', loss=dict(type='FancyLoss')),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8)]),
)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='RandomApply', transforms=[dict(type='Jitter')]),
    dict(type='AutoAug', policies=[[dict(type='Shear')], [dict(type='Posterize')]]),
    dict(type='Pack'),
]
train_dataloader = dict(
    batch_size=2,
    dataset=dict(type='TestDataset', pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler2'),
    collate_fn=dict(type='default_collate'))
test_dataloader = dict(dataset=dict(type='OtherDataset', pipeline=[dict(type='Pack')]))
test_cfg = dict()
test_evaluator = [dict(type='TestAccuracy'), dict(type='TestPrecision')]
train_cfg = dict(by_epoch=True, max_epochs=1)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1), constructor='FancyConstructor')
param_scheduler = [dict(type='StepLR', step_size=1), dict(type='WarmupLR')]
default_hooks = dict(checkpoint=dict(type='CheckpointHook'), visualization=dict(type='VisHook'),
                     logger=None)
custom_hooks = [dict(type='EMAHook2')]
visualizer = dict(type='Visualizer2', vis_backends=[dict(type='LocalVisBackend2')])
)";

TEST_F(ConfigCheckTest, FindsEveryUnsupportedComponentWithItsLocation) {
  ConfigCheck c = check_config(load(kConfig));
  std::vector<std::string> expected = {
      "model.backbone.type='XCiT'",
      "model.backbone.norm_cfg.type='LN2d'",
      "model.backbone.init_cfg[1].type='Kaiming'",
      "model.backbone.init_cfg[1].override.type='Zeros'",
      "model.head.loss.type='FancyLoss'",
      // `augments` has no registry without MMPretrain: any other key of a model is MODELS.
      "model.train_cfg.augments[0].type='Mixup'",
      "train_pipeline[1].transforms[0].type='Jitter'",
      "train_pipeline[2].policies[1][0].type='Posterize'",
      "train_dataloader.dataset.pipeline[1].transforms[0].type='Jitter'",
      "train_dataloader.dataset.pipeline[2].policies[1][0].type='Posterize'",
      "train_dataloader.sampler.type='DefaultSampler2'",
      "test_dataloader.dataset.type='OtherDataset'",
      "test_evaluator[1].type='TestPrecision'",
      "optim_wrapper.constructor='FancyConstructor'",
      "param_scheduler[1].type='WarmupLR'",
      "default_hooks.visualization.type='VisHook'",
      "custom_hooks[0].type='EMAHook2'",
      "visualizer.type='Visualizer2'",
      "visualizer.vis_backends[0].type='LocalVisBackend2'",
  };
  EXPECT_EQ(missing_locations(c), expected);
  EXPECT_FALSE(c.ok());
  // Supported ones are listed too, with their registry and scope.
  const ComponentSpec* neck = find(c, "model.neck");
  ASSERT_NE(neck, nullptr);
  EXPECT_TRUE(neck->supported);
  EXPECT_EQ(neck->kind, "MODELS");
  EXPECT_EQ(neck->scope, "mmtest");
  const ComponentSpec* act = find(c, "model.backbone.act_cfg");
  ASSERT_NE(act, nullptr);
  EXPECT_TRUE(act->supported);  // MMCV 2 builds layers from MODELS
  EXPECT_EQ(act->kind, "activation layer");
  EXPECT_EQ(find(c, "model.backbone.init_cfg[0]")->kind, "WEIGHT_INITIALIZERS");
  EXPECT_EQ(find(c, "model.backbone.norm_cfg")->kind, "norm layer");
  EXPECT_EQ(find(c, "train_dataloader.collate_fn")->kind, "FUNCTIONS");
  EXPECT_EQ(find(c, "optim_wrapper.optimizer")->kind, "OPTIMIZERS");
  EXPECT_TRUE(find(c, "optim_wrapper.optimizer")->supported);
  EXPECT_EQ(find(c, "optim_wrapper.constructor")->kind, "OPTIM_WRAPPER_CONSTRUCTORS");
  // None hooks are not components; the implicit OptimWrapper is not listed.
  EXPECT_EQ(find(c, "default_hooks.logger"), nullptr);
  EXPECT_EQ(find(c, "optim_wrapper"), nullptr);

  std::vector<std::string> types = c.missing_types();
  EXPECT_EQ(types.front(), "XCiT");
  EXPECT_EQ(std::count(types.begin(), types.end(), "Jitter"), 1);
  EXPECT_EQ(types.size(), 17u);
}

TEST_F(ConfigCheckTest, ReportListsEveryLocationAndTheDistinctTypes) {
  ConfigCheck c = check_config(load(kConfig));
  std::string r = c.report();
  EXPECT_NE(r.find("19 of " + std::to_string(c.components.size()) +
                   " components are not supported by mmcpp:"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("  model.backbone.type='XCiT'"), std::string::npos);
  EXPECT_NE(r.find("(MODELS, scope mmtest"), std::string::npos);
  EXPECT_NE(r.find("17 unsupported types: XCiT, LN2d, Kaiming"), std::string::npos) << r;
  // Close registered names are suggested.
  EXPECT_NE(r.find("train_dataloader.sampler.type='DefaultSampler2'"), std::string::npos);
  EXPECT_NE(r.find("did you mean DefaultSampler"), std::string::npos) << r;
}

TEST_F(ConfigCheckTest, SectionsLimitWhatIsChecked) {
  CheckOptions test;
  test.sections = kCheckForTest;
  ConfigCheck c = check_config(load(kConfig), test);
  for (const auto& s : c.components) {
    EXPECT_NE(s.path.rfind("train_", 0), 0u) << s.path;
    EXPECT_NE(s.path.rfind("optim_wrapper", 0), 0u) << s.path;
  }
  EXPECT_NE(find(c, "test_dataloader.dataset"), nullptr);
  EXPECT_NE(find(c, "custom_hooks[0]"), nullptr);

  CheckOptions model;
  model.sections = kCheckModel;
  ConfigCheck m = check_config(load(kConfig), model);
  for (const auto& s : m.components) EXPECT_EQ(s.path.rfind("model", 0), 0u) << s.path;
  EXPECT_EQ(m.missing().size(), 6u);
  // get-flops never initialises: init_cfg types left out.
  model.init_cfg = false;
  ConfigCheck no_init = check_config(load(kConfig), model);
  EXPECT_EQ(no_init.missing().size(), 4u);
  for (const auto& s : no_init.components) EXPECT_EQ(s.path.find("init_cfg"), std::string::npos);
}

TEST_F(ConfigCheckTest, ModelWrappersOnlyForDistributedRuns) {
  Config cfg = load("model_wrapper_cfg = dict(type='NoSuchDDP')\nmodel = dict(type='GlobalPool')");
  EXPECT_EQ(missing_locations(check_config(cfg)),
            (std::vector<std::string>{"model_wrapper_cfg.type='NoSuchDDP'"}));
  CheckOptions train;
  train.sections = kCheckForTrain;
  EXPECT_TRUE(check_config(cfg, train).ok());
  train.sections |= kCheckDistributed;
  EXPECT_FALSE(check_config(cfg, train).ok());
}

TEST_F(ConfigCheckTest, AllSupportedSaysSo) {
  ConfigCheck c = check_config(load(R"(
default_scope = 'mmtest'
model = dict(type='TestClassifier', backbone=dict(type='TestNet', norm_cfg=dict(type='BN')))
train_dataloader = dict(dataset=dict(type='TestDataset', pipeline=[dict(type='Pack')]),
                        sampler=dict(type='DefaultSampler'))
)"));
  EXPECT_TRUE(c.ok());
  EXPECT_EQ(c.components.size(), 6u);
  std::string r = c.report();
  EXPECT_NE(r.find(": all 6 components are supported by mmcpp\n"), std::string::npos) << r;
}

TEST_F(ConfigCheckTest, ScopesResolveAsTheRegistriesDo) {
  // Without default_scope the engine's registries are searched: package names are
  // not found by a plain name, but are as scope.Type.
  ConfigCheck c = check_config(load(R"(
model = dict(type='TestClassifier', backbone=dict(type='mmtest.TestNet'),
             neck=dict(type='GlobalPool'), head=dict(_scope_='mmtest', type='TestHead',
             loss=dict(type='TestLoss')))
)"));
  EXPECT_FALSE(find(c, "model")->supported);
  EXPECT_EQ(find(c, "model")->scope, DefaultScope::current());
  EXPECT_TRUE(find(c, "model.backbone")->supported);
  EXPECT_TRUE(find(c, "model.neck")->supported);
  EXPECT_TRUE(find(c, "model.head")->supported);       // _scope_
  EXPECT_TRUE(find(c, "model.head.loss")->supported);  // ... and below it
  EXPECT_EQ(find(c, "model.head.loss")->scope, "mmtest");
  // An explicit scope overrides default_scope (get_model's 'mmpretrain').
  CheckOptions o;
  o.scope = "mmtest";
  EXPECT_TRUE(check_config(load("model = dict(type='TestClassifier')"), o).ok());
}

TEST_F(ConfigCheckTest, LayerNameTablesMakeLayerTypesKnown) {
  // Names of their own, so the tables do not change what the other tests see.
  const char* cfg = R"(
default_scope = 'mmtest'
model = dict(type='TestNet', norm_cfg=dict(type='TableNorm'), act_cfg=(dict(type='TableAct'),
             dict(type='mmtest.TableAct2')), conv_cfg=dict(type='Conv2dAdaptivePadding'),
             upsample_cfg=dict(type='nearest'))
)";
  ConfigCheck before = check_config(load(cfg));
  EXPECT_EQ(before.missing().size(), 5u);
  register_layer_names(
      kNormLayers,
      [] {
        return std::vector<std::string>{"TableNorm", "TableGN"};
      },
      __FILE__);
  register_layer_names(
      kActivationLayers,
      [] {
        return std::vector<std::string>{"TableAct", "TableAct2"};
      },
      __FILE__);
  register_layer_names(
      kConvLayers, [] { return std::vector<std::string>{"TableConv"}; }, __FILE__);
  ConfigCheck after = check_config(load(cfg));
  EXPECT_EQ(missing_locations(after),
            (std::vector<std::string>{"model.conv_cfg.type='Conv2dAdaptivePadding'",
                                      "model.upsample_cfg.type='nearest'"}));
  EXPECT_EQ(registered_layer_names(kNormLayers),
            (std::vector<std::string>{"TableNorm", "TableGN"}));
  // Suggestions for a layer kind come from its tables.
  EXPECT_EQ(after.missing()[0].suggestions, (std::vector<std::string>{}));
  ConfigCheck typo = check_config(load(
      "default_scope = 'mmtest'\nmodel = dict(type='TestNet', norm_cfg=dict(type='TableNrom'))"));
  ASSERT_EQ(typo.missing().size(), 1u);
  EXPECT_EQ(typo.missing()[0].suggestions, (std::vector<std::string>{"TableNorm"}));
}

TEST_F(ConfigCheckTest, PackagesMapTheirKeysToTheirRegistries) {
  static Registry<int> augments("batch augment", "mmtest", nullptr);
  add(augments, "Mixup");
  register_component_key("test_augments", augments, "TEST_AUGMENTS");
  ConfigCheck c = check_config(load(R"(
default_scope = 'mmtest'
model = dict(type='TestNet', train_cfg=dict(test_augments=[dict(type='Mixup'), dict(type='Cut')]))
)"));
  EXPECT_EQ(missing_locations(c),
            (std::vector<std::string>{"model.train_cfg.test_augments[1].type='Cut'"}));
  EXPECT_EQ(find(c, "model.train_cfg.test_augments[0]")->kind, "TEST_AUGMENTS");
  EXPECT_THROW(register_component_key("test_augments", augments, "X"), Error);
}

TEST_F(ConfigCheckTest, OptimWrapperDictsEvaluatorsAndKeyedSchedulers) {
  ConfigCheck c = check_config(load(R"(
optim_wrapper = dict(generator=dict(type='OptimWrapper', optimizer=dict(type='Adam2')),
                     discriminator=dict(optimizer=dict(type='SGD')))
param_scheduler = dict(generator=dict(type='StepLR'), discriminator=[dict(type='PolyLR2')])
val_evaluator = dict(type='Evaluator2', metrics=[dict(type='TestAccuracy')])
val_dataloader = dict(dataset=dict(type='D'))
val_cfg = dict(type='ValLoop2')
model = dict(type='TestClassifier', backbone=dict(type='LoRAModel',
             targets=[dict(type='qkv')]))
runner_type = 'FlexibleRunner'
strategy = dict(type='FSDPStrategy', model_wrapper=dict(auto_wrap_policy=dict(type='x.y')))
)"));
  EXPECT_EQ(
      missing_locations(c),
      (std::vector<std::string>{"optim_wrapper.generator.optimizer.type='Adam2'",
                                "param_scheduler.discriminator[0].type='PolyLR2'",
                                "val_evaluator.type='Evaluator2'",
                                "val_dataloader.dataset.type='D'", "val_cfg.type='ValLoop2'",
                                "model.type='TestClassifier'", "model.backbone.type='LoRAModel'",
                                "runner_type='FlexibleRunner'", "strategy.type='FSDPStrategy'"}));
  EXPECT_EQ(find(c, "val_evaluator.metrics[0]")->kind, "METRICS");
  EXPECT_TRUE(find(c, "optim_wrapper.discriminator.optimizer")->supported);
}

TEST_F(ConfigCheckTest, RequireSupportedThrowsKeyErrorListingEverything) {
  CheckOptions o;
  o.sections = kCheckForTrain;
  try {
    require_supported(load(kConfig), o, "mmcpp train");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "KeyError");
    std::string w = e.what();
    EXPECT_EQ(w.rfind("mmcpp train stopped before building or writing anything: ", 0), 0u) << w;
    EXPECT_NE(w.find("model.backbone.type='XCiT'"), std::string::npos);
    EXPECT_NE(w.find("custom_hooks[0].type='EMAHook2'"), std::string::npos);
    EXPECT_EQ(w.find("test_dataloader"), std::string::npos);  // test only
  }
  EXPECT_NO_THROW(require_supported(load("model = dict(type='GlobalPool')"), o, "x"));
}

}  // namespace
}  // namespace mmcpp::registry
