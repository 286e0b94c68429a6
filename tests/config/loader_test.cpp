// Config::fromfile on small config trees (tests/data/config/<case>/): classic
// `_base_` inheritance, text substitutions, pure-Python configs, JSON/YAML
// configs, and the errors for broken trees. Expected values are what MMEngine's
// Config.fromfile(f).to_dict() gives for the same files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "mmcpp/config/config.h"
#include "mmcpp/config/loader.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"

namespace mmcpp::config {
namespace {

std::string fixture(const std::string& rel) {
  return absolute_path(std::string(MMCPP_TEST_DATA_DIR) + "/config/" + rel);
}

Config load_fixture(const std::string& rel, const LoadOptions& options = {}) {
  return Config::fromfile(fixture(rel), options);
}

std::string loaded(const std::string& rel) { return load_fixture(rel).to_dict().repr(); }

std::string key_of(const std::string& rel, const std::string& key) {
  Value d = load_fixture(rel).to_dict();
  const Value* v = d.as_dict().find(key);
  return v ? v->repr() : "<missing>";
}

struct Failure {
  std::string kind = "none";
  std::string message;
  std::string what;
  std::string file;
  int line = 0;
};

Failure failure(const std::string& rel) {
  Failure f;
  try {
    load_fixture(rel);
  } catch (const SourceError& e) {
    f.kind = e.kind();
    f.message = e.bare_message();
    f.what = e.what();
    f.file = e.where().file;
    f.line = e.where().line;
  } catch (const Error& e) {
    f.kind = e.kind();
    f.message = e.what();
    f.what = e.what();
  }
  return f;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---------------------------------------------------------------------------
// Classic inheritance

TEST(ConfigLoader, BaseAsStringRelativeToTheIncludingFile) {
  EXPECT_EQ(loaded("inherit/sub/child_str.py"),
            "{'model': {'type': 'ImageClassifier', 'backbone': {'type': 'ResNet', 'depth': 50, "
            "'out_indices': (3,), 'norm_cfg': {'type': 'BN'}}, 'head': {'type': 'LinearClsHead', "
            "'num_classes': 5, 'topk': (1, 5)}}, 'pipeline': [{'type': 'LoadImage'}, {'type': "
            "'Resize', 'scale': 224}]}");
}

TEST(ConfigLoader, BaseListMergesRecursivelyAndListsReplace) {
  Config cfg = load_fixture("inherit/child_list.py");
  Value plain = cfg.to_dict();
  const Dict& d = plain.as_dict();
  // Base keys first, in base order; the child's values merged in.
  std::string keys;
  for (const auto& [k, v] : d.entries()) keys += k.as_str() + " ";
  EXPECT_EQ(keys, "model pipeline optimizer param_scheduler max_epochs ");
  EXPECT_EQ(d.find("model")->repr(),
            "{'type': 'ImageClassifier', 'backbone': {'type': 'ResNet', 'depth': 18, "
            "'out_indices': (3,), 'norm_cfg': {'type': 'BN'}}, 'head': {'type': 'LinearClsHead', "
            "'num_classes': 10, 'topk': (1, 5)}}");
  EXPECT_EQ(d.find("pipeline")->repr(), "[{'type': 'LoadImage'}]");
  EXPECT_EQ(d.find("param_scheduler")->repr(), "{'type': 'MultiStepLR', 'milestones': [5]}");
  EXPECT_EQ(d.find("optimizer")->repr(),
            "{'type': 'SGD', 'lr': 0.1, 'momentum': 0.9, 'weight_decay': 0.0001}");
  EXPECT_EQ(d.find("max_epochs")->repr(), "10");
  // The loaded tree is made of ConfigDicts.
  EXPECT_TRUE(cfg.dict().as_dict().find("model")->is_config_dict());
  EXPECT_TRUE(cfg.dict().as_dict().find("pipeline")->items()[0].is_config_dict());
}

TEST(ConfigLoader, NestedBases) {
  Value d = load_fixture("inherit/nested/level2.py").to_dict();
  EXPECT_EQ(d.as_dict().find("optimizer")->repr(),
            "{'type': 'SGD', 'lr': 0.01, 'momentum': 0.9, 'weight_decay': 0.0001}");
  EXPECT_EQ(d.as_dict().find("model")->as_dict().find("backbone")->repr(),
            "{'type': 'ResNet', 'depth': 18, 'out_indices': (3,), 'norm_cfg': {'type': 'SyncBN'}}");
  EXPECT_EQ(d.as_dict().find("max_epochs")->repr(), "10");
}

TEST(ConfigLoader, DeleteReplacesTheBaseDict) {
  EXPECT_EQ(key_of("inherit/delete.py", "optimizer"), "{'type': 'AdamW', 'lr': 0.001}");
  EXPECT_EQ(key_of("inherit/type_conflict_fixed.py", "max_epochs"), "{'value': 3}");
  // On a key the base lacks, _delete_ stays in the dict (as in MMEngine).
  EXPECT_EQ(key_of("inherit/delete_missing.py", "new_key"), "{'_delete_': True, 'a': 1}");
}

TEST(ConfigLoader, TypeConflictNamesTheKeyAndSuggestsDelete) {
  Failure f = failure("inherit/type_conflict.py");
  EXPECT_EQ(f.kind, "TypeError");
  EXPECT_EQ(f.message,
            fixture("inherit/type_conflict.py") +
                ": max_epochs={'value': 3} in child config cannot inherit from base because "
                "max_epochs is a dict in the child config but is of type <class 'int'> in base "
                "config. You may set `_delete_=True` to ignore the base config.");
}

TEST(ConfigLoader, DuplicateKeysAmongSiblingBasesAreAKeyError) {
  Failure f = failure("inherit/dup_child.py");
  EXPECT_EQ(f.kind, "KeyError");
  EXPECT_EQ(f.message, "Duplicate key is not allowed among bases. Duplicate keys: {'shared'}");
  EXPECT_EQ(f.file, fixture("inherit/dup_child.py"));
  EXPECT_EQ(f.line, 1);
}

// ---------------------------------------------------------------------------
// _base_ variables

TEST(ConfigLoader, BaseVariableSubstitutionInPython) {
  Value d = load_fixture("base_vars/child.py").to_dict();
  const Dict& m = d.as_dict();
  EXPECT_EQ(m.find("head_classes")->repr(), "7");
  EXPECT_EQ(m.find("loss")->repr(), "{'type': 'CE'}");
  EXPECT_EQ(m.find("pipeline")->repr(),
            "[{'type': 'Resize', 'scale': 224}, {'type': 'Crop', 'sizes': [224, 256]}]");
  // `_base_.x` and `_base_['x']` read the merged base at run time.
  EXPECT_EQ(m.find("doubled")->repr(), "14");
  EXPECT_EQ(m.find("head_type")->repr(), "'CE'");
  EXPECT_EQ(m.find("model")->repr(),
            "{'type': 'Net', 'head': {'num_classes': 8, 'loss': {'type': 'CE'}}}");
  EXPECT_FALSE(m.contains("_base_"));
}

TEST(ConfigLoader, BaseVariableSubstitutionInJsonAndYaml) {
  EXPECT_EQ(key_of("base_vars/child.json", "head_classes"), "7");
  EXPECT_EQ(key_of("base_vars/child.json", "model"),
            "{'type': 'Net', 'head': {'num_classes': 7, 'loss': {'type': 'CE'}}}");
  EXPECT_EQ(key_of("base_vars/child.yaml", "head_classes"), "7");
  EXPECT_EQ(key_of("base_vars/child.yaml", "crops_copy"), "[224, 256]");
}

TEST(ConfigLoader, UnknownBaseVariableIsAKeyError) {
  Failure f = failure("base_vars/missing.py");
  EXPECT_EQ(f.kind, "KeyError");
  EXPECT_TRUE(contains(f.message, "'no_such_key'")) << f.message;
  EXPECT_TRUE(contains(f.message, fixture("base_vars/missing.py"))) << f.message;
}

TEST(ConfigLoader, InPlaceMutationOfBaseChangesTheResult) {
  EXPECT_EQ(key_of("base_vars/inplace.py", "model"),
            "{'type': 'Net', 'head': {'num_classes': 18, 'loss': {'type': 'CE', 'weight': 0.5}, "
            "'extra': {'a': 1}}}");
}

// ---------------------------------------------------------------------------
// Predefined and environment variables

TEST(ConfigLoader, PredefinedVariables) {
  Value d = load_fixture("predefined/vars.py").to_dict();
  const Dict& m = d.as_dict();
  EXPECT_EQ(m.find("work_dir")->as_str(), "./work_dirs/vars");
  EXPECT_EQ(m.find("dirname")->as_str(), fixture("predefined"));
  EXPECT_EQ(m.find("basename")->as_str(), "vars.py");
  EXPECT_EQ(m.find("ext")->as_str(), ".py");
  EXPECT_EQ(m.find("name_only")->as_str(), "vars");
  EXPECT_EQ(loaded("predefined/vars.json"), "{'basename': 'vars.json', 'ext': '.json'}");
}

TEST(ConfigLoader, PredefinedVariablesCanBeTurnedOff) {
  LoadOptions options;
  options.use_predefined_variables = false;
  Value d = load_fixture("predefined/vars.py", options).to_dict();
  EXPECT_EQ(d.as_dict().find("basename")->as_str(), "{{ fileBasename }}");
}

TEST(ConfigLoader, EnvironmentVariablesWithDefaults) {
  unsetenv("MMCPP_TEST_DATA_ROOT");
  unsetenv("MMCPP_TEST_BATCH");
  Config unset = load_fixture("env_vars/env.py");
  EXPECT_EQ(unset.to_dict().repr(),
            "{'data_root': '/default/root/images', 'batch': 8, 'quoted': 'fallback'}");
  EXPECT_TRUE(unset.env_variables().empty());

  setenv("MMCPP_TEST_DATA_ROOT", "/data", 1);
  setenv("MMCPP_TEST_BATCH", "32", 1);
  Config set = load_fixture("env_vars/env.py");
  unsetenv("MMCPP_TEST_DATA_ROOT");
  unsetenv("MMCPP_TEST_BATCH");
  EXPECT_EQ(set.to_dict().repr(), "{'data_root': '/data/images', 'batch': 32, 'quoted': '/data'}");
  EXPECT_EQ(set.env_variables().size(), 2u);
  EXPECT_EQ(set.env_variables().at("MMCPP_TEST_BATCH"), "32");
}

TEST(ConfigLoader, EnvironmentVariableWithoutDefaultIsAKeyError) {
  unsetenv("MMCPP_TEST_UNSET_NO_DEFAULT");
  Failure f = failure("env_vars/env_no_default.py");
  EXPECT_EQ(f.kind, "KeyError");
  EXPECT_EQ(f.message,
            "`MMCPP_TEST_UNSET_NO_DEFAULT` cannot be found in `os.environ`. Please set "
            "`MMCPP_TEST_UNSET_NO_DEFAULT` in environment or give a default value.");
  setenv("MMCPP_TEST_UNSET_NO_DEFAULT", "given", 1);
  EXPECT_EQ(loaded("env_vars/env_no_default.py"), "{'data_root': 'given'}");
  unsetenv("MMCPP_TEST_UNSET_NO_DEFAULT");
}

// ---------------------------------------------------------------------------
// What the loaded dict keeps and drops

TEST(ConfigLoader, HelperVariablesCustomImportsAndDefaultScopeAreKept) {
  Value d = load_fixture("misc/helpers.py").to_dict();
  const Dict& m = d.as_dict();
  std::string keys;
  for (const auto& [k, v] : m.entries()) keys += k.as_str() + " ";
  EXPECT_EQ(keys,
            "default_scope custom_imports data_root img_norm val_dataloader test_dataloader "
            "_private_helper ");
  EXPECT_EQ(m.find("default_scope")->repr(), "'mmpretrain'");
  EXPECT_EQ(m.find("custom_imports")->repr(),
            "{'imports': ['my_module'], 'allow_failed_imports': True}");
  EXPECT_EQ(m.find("data_root")->repr(), "'data/imagenet/'");
}

TEST(ConfigLoader, AliasingBetweenKeysIsLost) {
  Config cfg = load_fixture("misc/helpers.py");
  const Value* val = cfg.get("val_dataloader");
  const Value* test = cfg.get("test_dataloader");
  ASSERT_TRUE(val && test);
  EXPECT_TRUE(val->equals(*test));
  EXPECT_FALSE(val->same_object(*test));
  cfg.merge_from_dict({{"test_dataloader.batch_size", Value(1)},
                       {"test_dataloader.dataset.pipeline", Value::list()}});
  Value d = cfg.to_dict();
  EXPECT_EQ(d.as_dict().find("test_dataloader")->repr(),
            "{'batch_size': 1, 'dataset': {'data_root': 'data/imagenet/', 'pipeline': []}}");
  EXPECT_EQ(d.as_dict().find("val_dataloader")->repr(),
            "{'batch_size': 32, 'dataset': {'data_root': 'data/imagenet/', 'pipeline': [{'type': "
            "'Load'}]}}");
}

TEST(ConfigLoader, DeprecationKeyIsRemoved) { EXPECT_EQ(loaded("misc/deprecated.py"), "{'x': 1}"); }

// The deprecation warning goes through the current logger (a runner's log file),
// not straight to stderr.
TEST(ConfigLoader, DeprecationWarningGoesThroughTheCurrentLogger) {
  const std::string log = std::string(::testing::TempDir()) + "mmcpp_deprecation_" +
                          std::to_string(::getpid()) + ".log";
  std::remove(log.c_str());
  {
    auto logger = std::make_shared<Logger>("mmengine");
    logger->set_console(false);
    logger->add_file(log);
    CurrentLoggerScope scope(logger);
    load_fixture("misc/deprecated.py");
  }
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(contains(text, "WARNING - The config file ")) << text;
  EXPECT_TRUE(contains(text, "will be deprecated in the future. Please use new_config.py instead."))
      << text;
  std::remove(log.c_str());
}

TEST(ConfigLoader, TextHoldsEveryFileOfTheChain) {
  Config cfg = load_fixture("inherit/child_list.py");
  EXPECT_EQ(cfg.filename(), fixture("inherit/child_list.py"));
  const std::string& text = cfg.text();
  std::size_t a = text.find(fixture("inherit/base_model.py") + "\n# A small base config");
  std::size_t b = text.find(fixture("inherit/base_schedule.py") + "\noptimizer = ");
  std::size_t c = text.find(fixture("inherit/child_list.py") + "\n_base_ = ");
  EXPECT_NE(a, std::string::npos);
  EXPECT_NE(b, std::string::npos);
  EXPECT_NE(c, std::string::npos);
  EXPECT_TRUE(a < b && b < c);
}

// ---------------------------------------------------------------------------
// Broken trees

TEST(ConfigLoader, MissingBaseFileNamesTheIncludingFileAndLine) {
  Failure f = failure("errors/missing_base.py");
  EXPECT_EQ(f.kind, "FileNotFoundError");
  EXPECT_EQ(f.message,
            "base config file \"" + fixture("errors/does_not_exist.py") + "\" does not exist");
  EXPECT_EQ(f.file, fixture("errors/missing_base.py"));
  EXPECT_EQ(f.line, 2);
  EXPECT_TRUE(contains(f.what, "missing_base.py:2:1: FileNotFoundError")) << f.what;
  EXPECT_TRUE(contains(f.what, "_base_ = ['./does_not_exist.py']")) << f.what;
}

TEST(ConfigLoader, MissingTopLevelFile) {
  Failure f = failure("errors/nope.py");
  EXPECT_EQ(f.kind, "FileNotFoundError");
  EXPECT_EQ(f.message, "file \"" + fixture("errors/nope.py") + "\" does not exist");
}

TEST(ConfigLoader, BaseCycleIsARecursionErrorListingTheChain) {
  Failure f = failure("errors/cycle_a.py");
  EXPECT_EQ(f.kind, "RecursionError");
  std::string chain = "cycle in the _base_ chain: " + fixture("errors/cycle_a.py") + " -> " +
                      fixture("errors/cycle_b.py") + " -> " + fixture("errors/cycle_a.py");
  EXPECT_TRUE(contains(f.message, chain)) << f.message;
  // Named where the cycle closes, and which base of the top file led there.
  EXPECT_TRUE(contains(f.message, "cycle_b.py:1:1")) << f.message;
  EXPECT_TRUE(contains(f.message,
                       "(in base config './cycle_b.py' of " + fixture("errors/cycle_a.py") + ":1)"))
      << f.message;

  Failure self = failure("errors/self_cycle.py");
  EXPECT_EQ(self.kind, "RecursionError");
  EXPECT_EQ(self.message, "cycle in the _base_ chain: " + fixture("errors/self_cycle.py") + " -> " +
                              fixture("errors/self_cycle.py"));
}

TEST(ConfigLoader, ErrorsInABaseNameTheBaseAndTheIncludingFile) {
  Failure f = failure("errors/syntax_in_base.py");
  EXPECT_EQ(f.kind, "SyntaxError");
  EXPECT_TRUE(contains(f.message, fixture("errors/syntax_error.py") +
                                      ":2:5: SyntaxError: unexpected EOF: unclosed bracket"))
      << f.message;
  EXPECT_TRUE(contains(f.message, "(in base config './syntax_error.py' of " +
                                      fixture("errors/syntax_in_base.py") + ":1)"))
      << f.message;
}

TEST(ConfigLoader, BadBaseSpecifications) {
  Failure ext = failure("errors/bad_ext.py");
  EXPECT_EQ(ext.kind, "OSError");
  EXPECT_EQ(ext.message, "Only py/yml/yaml/json type are supported now! Got '" +
                             fixture("errors/base.txt") + "'");
  EXPECT_EQ(ext.line, 1);
  Failure type = failure("errors/base_not_str.py");
  EXPECT_EQ(type.kind, "TypeError");
  EXPECT_EQ(type.message, "`_base_` entries must be file paths (str), got int 1");
}

// ---------------------------------------------------------------------------
// Pure-Python configs

TEST(ConfigLoader, PurePythonStarImportOfBases) {
  Config cfg = load_fixture("lazy/star.py");
  EXPECT_EQ(cfg.to_dict().repr(),
            "{'model': {'type': 'mmpretrain.models.ImageClassifier', 'backbone': {'type': "
            "'mmpretrain.models.ResNet', 'depth': 18, 'norm': {'type': 'BN'}}}, 'num_classes': "
            "1000, 'optim_wrapper': {'optimizer': {'type': 'torch.optim.SGD', 'lr': 0.01}}, "
            "'max_epochs': 10}");
  // The tree still holds the imports as lazy references.
  const Value& backbone = *cfg.dict().as_dict().find("model")->as_dict().find("backbone");
  EXPECT_TRUE(backbone.as_dict().find("type")->is_lazy());
}

TEST(ConfigLoader, PurePythonNamedImportsOfBases) {
  EXPECT_EQ(loaded("lazy/named.py"),
            "{'model': {'type': 'mmpretrain.models.ImageClassifier', 'backbone': {'type': "
            "'mmpretrain.models.ResNet', 'depth': 101, 'norm': {'type': 'BN'}}}, 'base_classes': "
            "1000, 'head_classes': 100}");
  // Two levels up: `from .._base_.model import *`.
  EXPECT_EQ(key_of("lazy/mixed/lazy_base.py", "num_classes"), "1000");
  // `with read_base()` comes first, so the file is pure-Python; a later
  // `_base_ = ...` is then an ordinary variable (as in MMEngine).
  EXPECT_EQ(key_of("lazy/mixed/lazy_with_base_key.py", "_base_"), "'../star.py'");
}

TEST(ConfigLoader, PurePythonImportsBecomeDottedNames) {
  Config cfg = load_fixture("lazy/imports.py");
  EXPECT_EQ(cfg.to_dict().repr(),
            "{'backbone': {'type': 'mmpretrain.models.ResNet', 'depth': 18}, 'optimizer': "
            "{'type': 'torch.optim.AdamW', 'lr': 0.001}, 'thing': 'a.b.C', 'nested': 'a.b.C.D', "
            "'dataset': {'type': 'mmpretrain.datasets.ImageNet'}, 'items': "
            "['mmpretrain.models.ResNet', 'torch.nn.ReLU']}");
  // The imported names themselves are not config keys.
  for (const char* name : {"torch", "m", "ResNet", "DS"}) {
    EXPECT_TRUE(cfg.imported_names().count(name)) << name;
    EXPECT_FALSE(cfg.to_dict().as_dict().contains(name)) << name;
  }
}

TEST(ConfigLoader, PurePythonErrors) {
  Failure call = failure("lazy/call_lazy.py");
  EXPECT_EQ(call.kind, "TypeError");
  EXPECT_EQ(call.message,
            "'mmpretrain.models.ResNet' is an imported name: mmcpp configs cannot call it (only "
            "refer to it, e.g. type=ResNet)");
  EXPECT_EQ(call.line, 3);
  Failure with = failure("lazy/bad_with.py");
  EXPECT_EQ(with.kind, "ConfigParsingError");
  EXPECT_EQ(with.message, "Only `read_base` context manager can be used in the config");
  Failure star = failure("lazy/star_non_base.py");
  EXPECT_EQ(star.kind, "ConfigParsingError");
  EXPECT_EQ(star.message,
            "Illegal syntax in config! `from xxx import *` is not allowed to appear outside the "
            "`if base:` statement");
}

TEST(ConfigLoader, MixingClassicAndPurePythonIsAnError) {
  // A classic config whose base is a pure-Python config: RuntimeError, as MMEngine.
  Failure classic = failure("lazy/mixed/classic_child.py");
  EXPECT_EQ(classic.kind, "RuntimeError");
  EXPECT_TRUE(contains(classic.message,
                       "The configuration file type in the inheritance chain must match the "
                       "current configuration file type, either \"lazy_import\" or "
                       "non-\"lazy_import\"."))
      << classic.message;
  EXPECT_TRUE(contains(classic.message, fixture("lazy/star.py"))) << classic.message;
  EXPECT_EQ(classic.file, fixture("lazy/mixed/classic_child.py"));
  // A pure-Python config importing a classic one: ConfigParsingError (MMEngine's
  // RuntimeError subclass).
  Failure lazy = failure("lazy/mixed/lazy_child_of_classic.py");
  EXPECT_EQ(lazy.kind, "ConfigParsingError");
  EXPECT_TRUE(contains(lazy.message, "`_base_ = \"_base_\"`")) << lazy.message;
  EXPECT_EQ(lazy.file, fixture("lazy/mixed/classic_base.py"));
}

// ---------------------------------------------------------------------------
// JSON and YAML configs

TEST(ConfigLoader, YamlChildOfJsonBase) {
  EXPECT_EQ(loaded("json_yaml/child.yaml"),
            "{'model': {'type': 'Net', 'depth': 18, 'channels': [32]}, 'lr': 0.01, 'flag': True, "
            "'nothing': None, 'extra': [1, 'two']}");
}

TEST(ConfigLoader, YmlWithJsonAndPythonBases) {
  EXPECT_EQ(loaded("json_yaml/child.yml"),
            "{'model': {'type': 'Other', 'depth': 50, 'channels': [64, 128]}, 'lr': 0.1, 'flag': "
            "True, 'nothing': None, 'optimizer': {'type': 'SGD', 'lr': 0.1, 'momentum': 0.9, "
            "'weight_decay': 0.0001}, 'param_scheduler': {'type': 'MultiStepLR', 'milestones': "
            "[30, 60, 90]}, 'max_epochs': 100}");
}

TEST(ConfigLoader, JsonChildWithDelete) {
  EXPECT_EQ(loaded("json_yaml/child.json"),
            "{'model': {'type': 'Fresh'}, 'lr': 0.01, 'flag': True, 'nothing': None, 'extra': [1, "
            "'two'], 'new': [1, 2.0, '3']}");
}

TEST(ConfigLoader, PythonChildOfYmlBase) {
  EXPECT_EQ(key_of("json_yaml/py_child.py", "model"),
            "{'type': 'Other', 'depth': 101, 'channels': [64, 128]}");
}

TEST(ConfigLoader, FromStringFormats) {
  EXPECT_EQ(Config::fromstring("{\"a\": [1, 2.5]}", ".json").to_dict().repr(), "{'a': [1, 2.5]}");
  EXPECT_EQ(Config::fromstring("a:\n  b: 1\n", ".yaml").to_dict().repr(), "{'a': {'b': 1}}");
  EXPECT_EQ(Config::fromstring("a = dict(b=(1,))\n", ".py").to_dict().repr(), "{'a': {'b': (1,)}}");
  try {
    Config::fromstring("a = 1", ".txt");
    FAIL() << "expected OSError";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "OSError");
  }
}

}  // namespace
}  // namespace mmcpp::config
