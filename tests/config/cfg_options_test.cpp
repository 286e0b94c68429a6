// `--cfg-options key=value`: MMEngine's DictAction value parsing, and
// Config::merge_from_dict with dotted keys, list-index keys and _delete_.
// Expected values and error texts are MMEngine's for the same input.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"

namespace mmcpp::config {
namespace {

std::string parsed(const std::string& text) { return parse_cfg_option_value(text).repr(); }

TEST(ConfigCfgOptions, ParsesScalarsAsDictActionDoes) {
  const std::vector<std::pair<const char*, const char*>> table = {
      {"1", "1"},           {"-1", "-1"},
      {"+3", "3"},          {" 7 ", "7"},
      {"1_000", "1000"},    {"1.5", "1.5"},
      {".5", "0.5"},        {"5.", "5.0"},
      {"1e-3", "0.001"},    {"-5e-4", "-0.0005"},
      {"nan", "nan"},       {"inf", "inf"},
      {"-inf", "-inf"},     {"Infinity", "inf"},
      {"1e400", "inf"},     {"true", "True"},
      {"FALSE", "False"},   {"True", "True"},
      {"None", "None"},     {"none", "'none'"},  // only the exact word None
      {"", "''"},           {"abc", "'abc'"},
      {"0x10", "'0x10'"},  // int() without base rejects it: a string
      {"0b1", "'0b1'"},     {"1__0", "'1__0'"},
      {"_1", "'_1'"},       {"1_", "'1_'"},
      {"1e", "'1e'"},       {"--1", "'--1'"},
      {"12abc", "'12abc'"}, {"a=b", "'a=b'"},
  };
  for (const auto& [in, out] : table) EXPECT_EQ(parsed(in), out) << "input: '" << in << "'";
}

TEST(ConfigCfgOptions, QuotesAreStrippedAndSpacesRemoved) {
  EXPECT_EQ(parsed("'quoted'"), "'quoted'");
  EXPECT_EQ(parsed("\"dq\""), "'dq'");
  EXPECT_EQ(parsed("'work dirs/run 1'"), "'workdirs/run1'");
  EXPECT_EQ(parsed("a b"), "'ab'");
  EXPECT_EQ(parsed("'[1,2]'"), "[1, 2]");
  EXPECT_EQ(parsed("[1, a, 2.5, True, None]"), "[1, 'a', 2.5, True, None]");
}

TEST(ConfigCfgOptions, ParsesListsAndTuples) {
  const std::vector<std::pair<const char*, const char*>> table = {
      {"[1,2]", "[1, 2]"},
      {"(1,2)", "(1, 2)"},
      {"1,2,3", "[1, 2, 3]"},
      {"1,", "[1]"},
      {"[]", "[]"},
      {"()", "()"},
      {"(1,)", "(1,)"},
      {"[(1,2),[a,b],c]", "[(1, 2), ['a', 'b'], 'c']"},
      {"[[1,2],[3,[4,5]],(6,[7])]", "[[1, 2], [3, [4, 5]], (6, [7])]"},
      {"[a,[b,(c,d)]]", "['a', ['b', ('c', 'd')]]"},
      {"((1,2),[3,(4,)])", "((1, 2), [3, (4,)])"},
      {"[nan,inf,-inf,1e400]", "[nan, inf, -inf, inf]"},
  };
  for (const auto& [in, out] : table) EXPECT_EQ(parsed(in), out) << "input: '" << in << "'";
}

TEST(ConfigCfgOptions, ImbalancedBracketsAreAnAssertionError) {
  try {
    parse_cfg_option_value("[1,2");
    FAIL() << "expected AssertionError";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "AssertionError");
    EXPECT_EQ(std::string(e.what()), "Imbalanced brackets exist in [1,2");
  }
  try {
    parse_cfg_options({"custom=[(1,2]"});
    FAIL() << "expected AssertionError";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "AssertionError");
    EXPECT_EQ(std::string(e.what()),
              "Imbalanced brackets exist in (1,2 (in --cfg-options custom=[(1,2])");
  }
}

TEST(ConfigCfgOptions, ArgumentsSplitOnTheFirstEqualsSign) {
  auto opts = parse_cfg_options({"model.type=a=b", "x=1", "y=[1,2]", "x=2"});
  ASSERT_EQ(opts.size(), 3u);
  EXPECT_EQ(opts[0].first, "model.type");
  EXPECT_EQ(opts[0].second.repr(), "'a=b'");
  // A repeated key keeps its first position and takes the last value.
  EXPECT_EQ(opts[1].first, "x");
  EXPECT_EQ(opts[1].second.repr(), "2");
  EXPECT_EQ(opts[2].second.repr(), "[1, 2]");
  try {
    parse_cfg_options({"optimizer.lr"});
    FAIL() << "expected ValueError";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ValueError");
    EXPECT_EQ(std::string(e.what()), "--cfg-options expects key=value pairs, got 'optimizer.lr'");
  }
}

// ---------------------------------------------------------------------------
// merge_from_dict

const char* const kBase =
    "model = dict(type='ResNet', backbone=dict(depth=50, out_indices=(3,)), "
    "neck=dict(type='GAP'))\n"
    "train_pipeline = [dict(type='Load'), dict(type='Flip', prob=0.5)]\n"
    "optimizer = dict(type='SGD', lr=0.1)\n"
    "param_scheduler = [dict(type='Linear', end=5), dict(type='Cos', T_max=100)]\n";

Config merged(const std::vector<std::string>& args, bool allow_list_keys = true) {
  Config cfg = Config::fromstring(kBase, ".py");
  cfg.merge_from_dict(parse_cfg_options(args), allow_list_keys);
  return cfg;
}

std::string merged_key(const std::vector<std::string>& args, const std::string& key,
                       bool allow_list_keys = true) {
  Value d = merged(args, allow_list_keys).to_dict();
  const Value* v = d.as_dict().find(key);
  return v ? v->repr() : "<missing>";
}

TEST(ConfigCfgOptions, DottedKeysMergeIntoNestedDicts) {
  EXPECT_EQ(merged_key({"optimizer.lr=0.05"}, "optimizer"), "{'type': 'SGD', 'lr': 0.05}");
  EXPECT_EQ(merged_key({"model.backbone.depth=50.0"}, "model"),
            "{'type': 'ResNet', 'backbone': {'depth': 50.0, 'out_indices': (3,)}, 'neck': "
            "{'type': 'GAP'}}");
  EXPECT_EQ(merged_key({"model.neck=None"}, "model"),
            "{'type': 'ResNet', 'backbone': {'depth': 50, 'out_indices': (3,)}, 'neck': None}");
  EXPECT_EQ(merged_key({"optimizer.lr=0.1", "optimizer.lr=0.2"}, "optimizer"),
            "{'type': 'SGD', 'lr': 0.2}");
  EXPECT_EQ(merged_key({"model.type=a=b"}, "model"),
            "{'type': 'a=b', 'backbone': {'depth': 50, 'out_indices': (3,)}, 'neck': {'type': "
            "'GAP'}}");
}

TEST(ConfigCfgOptions, NewKeysAreAppended) {
  Value d = merged({"new.sub.key=1", "new.sub.other=[a,b]", "top=hello"}).to_dict();
  std::string keys;
  for (const auto& [k, v] : d.as_dict().entries()) keys += k.as_str() + " ";
  EXPECT_EQ(keys, "model train_pipeline optimizer param_scheduler new top ");
  EXPECT_EQ(d.as_dict().find("new")->repr(), "{'sub': {'key': 1, 'other': ['a', 'b']}}");
  EXPECT_EQ(d.as_dict().find("top")->repr(), "'hello'");
}

TEST(ConfigCfgOptions, ListIndexKeys) {
  EXPECT_EQ(merged_key({"train_pipeline.1.prob=0.25", "train_pipeline.1.direction=vertical"},
                       "train_pipeline"),
            "[{'type': 'Load'}, {'type': 'Flip', 'prob': 0.25, 'direction': 'vertical'}]");
  EXPECT_EQ(
      merged_key({"param_scheduler.0.end=10", "param_scheduler.1.T_max=290"}, "param_scheduler"),
      "[{'type': 'Linear', 'end': 10}, {'type': 'Cos', 'T_max': 290}]");
  // A later whole-list value replaces the earlier index key.
  EXPECT_EQ(merged_key({"train_pipeline.0.type=X", "train_pipeline=[]"}, "train_pipeline"), "[]");
  // The merged list elements stay ConfigDicts.
  Config cfg = merged({"train_pipeline.1.prob=0.25"});
  EXPECT_TRUE(cfg.get("train_pipeline")->items()[1].is_config_dict());
}

TEST(ConfigCfgOptions, DeleteThroughOptions) {
  EXPECT_EQ(merged_key({"optimizer._delete_=True", "optimizer.type=Adam", "optimizer.lr=0.001"},
                       "optimizer"),
            "{'type': 'Adam', 'lr': 0.001}");
  // For a key the config does not have, _delete_ stays.
  EXPECT_EQ(merged_key({"brand_new._delete_=True", "brand_new.a=1"}, "brand_new"),
            "{'_delete_': True, 'a': 1}");
}

struct Raised {
  std::string kind = "none";
  std::string message;
};

Raised merge_error(const std::vector<std::string>& args, bool allow_list_keys = true) {
  Raised r;
  try {
    merged(args, allow_list_keys);
  } catch (const Error& e) {
    r.kind = e.kind();
    r.message = e.what();
  }
  return r;
}

TEST(ConfigCfgOptions, ListIndexOutOfRangeIsAKeyError) {
  Raised r = merge_error({"train_pipeline.10.type=X"});
  EXPECT_EQ(r.kind, "KeyError");
  EXPECT_EQ(r.message,
            "\"Index 10 exceeds the length of list [{'type': 'Load'}, {'type': 'Flip', 'prob': "
            "0.5}]\"");
}

TEST(ConfigCfgOptions, PrefixKeyGivenAValueThenALongerKey) {
  Raised r = merge_error({"model.neck=None", "model.neck.type=3"});
  EXPECT_EQ(r.kind, "TypeError");
  EXPECT_EQ(r.message,
            "'NoneType' object does not support item assignment (--cfg-options model.neck.type: a "
            "prefix of this key was given a value earlier)");
  Raised deeper = merge_error({"model=1", "model.a.b=1"});
  EXPECT_EQ(deeper.kind, "AttributeError");
  EXPECT_EQ(deeper.message,
            "'int' object has no attribute 'setdefault' (--cfg-options model.a.b: 'model' was "
            "given a value earlier)");
}

TEST(ConfigCfgOptions, ListElementReplacedByAScalar) {
  Raised r = merge_error({"train_pipeline.0=None"});
  EXPECT_EQ(r.kind, "AttributeError");
  EXPECT_EQ(r.message, "'NoneType' object has no attribute 'items'");
}

TEST(ConfigCfgOptions, IndexIntoANonListNamesTheDeleteHint) {
  Raised tuple = merge_error({"model.backbone.out_indices.0=2"});
  EXPECT_EQ(tuple.kind, "TypeError");
  EXPECT_EQ(tuple.message,
            "out_indices={'0': 2} in child config cannot inherit from base because out_indices "
            "is a dict in the child config but is of type <class 'tuple'> in base config. You may "
            "set `_delete_=True` to ignore the base config.");
  Raised scalar = merge_error({"optimizer.lr.x=1"});
  EXPECT_EQ(scalar.kind, "TypeError");
  EXPECT_EQ(scalar.message,
            "lr={'x': 1} in child config cannot inherit from base because lr is a dict in the "
            "child config but is of type <class 'float'> in base config. You may set "
            "`_delete_=True` to ignore the base config.");
  // Without allow_list_keys a list is not merged into either.
  Raised list = merge_error({"train_pipeline.0.type=X"}, false);
  EXPECT_EQ(list.kind, "TypeError");
  EXPECT_EQ(list.message,
            "train_pipeline={'0': {'type': 'X'}} in child config cannot inherit from base because "
            "train_pipeline is a dict in the child config but is of type <class 'list'> in base "
            "config. You may set `_delete_=True` to ignore the base config.");
}

TEST(ConfigCfgOptions, ImbalancedBracketsInAnOption) {
  Raised r = merge_error({"custom=[1,2"});
  EXPECT_EQ(r.kind, "AssertionError");
  EXPECT_EQ(r.message, "Imbalanced brackets exist in [1,2 (in --cfg-options custom=[1,2)");
}

TEST(ConfigCfgOptions, FailedMergeLeavesTheConfigUnchanged) {
  Config cfg = Config::fromstring(kBase, ".py");
  std::string before = cfg.to_dict().repr();
  EXPECT_THROW(cfg.merge_from_dict(parse_cfg_options({"optimizer.lr=1", "train_pipeline.9.a=1"})),
               Error);
  EXPECT_EQ(cfg.to_dict().repr(), before);
}

}  // namespace
}  // namespace mmcpp::config
