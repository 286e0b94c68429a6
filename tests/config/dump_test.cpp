// Writers: Python pretty text, JSON and YAML.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/dump.h"
#include "mmcpp/core/error.h"

namespace mmcpp::config {
namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// Builds a dict from (key, value) pairs in order.
Value D(std::vector<std::pair<Value, Value>> entries) {
  Value d = Value::dict(false);
  for (auto& [k, v] : entries) d.as_dict().set(k, v);
  return d;
}
Value L(Value::Items items) { return Value::list(std::move(items)); }
Value T(Value::Items items) { return Value::tuple(std::move(items)); }

class FakeFunction : public Callable {
 public:
  std::string name() const override { return "len"; }
  Value call(Args&) override { return Value(); }
};

// The Python text for a single top-level variable `x`, without "x = " and "\n".
std::string py(const Value& v) {
  std::string text = dump_python(D({{"x", v}}));
  EXPECT_EQ(text.rfind("x = ", 0), 0u) << text;
  EXPECT_EQ(text.back(), '\n');
  return text.substr(4, text.size() - 5);
}

// ---------------------------------------------------------------------------
// Python

TEST(DumpPython, TopLevelIsSortedAssignments) {
  Value cfg = D({{"b", 1}, {"a", "x"}, {"_base_", L({})}});
  EXPECT_EQ(dump_python(cfg), "_base_ = []\na = 'x'\nb = 1\n");
  EXPECT_EQ(dump_python(Value::dict()), "");
}

TEST(DumpPython, Scalars) {
  EXPECT_EQ(py(Value()), "None");
  EXPECT_EQ(py(true), "True");
  EXPECT_EQ(py(false), "False");
  EXPECT_EQ(py(42), "42");
  EXPECT_EQ(py(std::int64_t{-9223372036854775807 - 1}), "-9223372036854775808");
  EXPECT_EQ(py("abc"), "'abc'");
  EXPECT_EQ(py(""), "''");
}

TEST(DumpPython, FloatsStayFloatsAndStayPython) {
  EXPECT_EQ(py(1.0), "1.0");
  EXPECT_EQ(py(0.1), "0.1");
  EXPECT_EQ(py(1e-05), "1e-05");
  EXPECT_EQ(py(1e16), "1e+16");
  EXPECT_EQ(py(-0.0), "-0.0");
  EXPECT_EQ(py(123.675), "123.675");
  // Bare `inf`/`nan` are not Python.
  EXPECT_EQ(py(kNan), "float('nan')");
  EXPECT_EQ(py(kInf), "float('inf')");
  EXPECT_EQ(py(-kInf), "float('-inf')");
  EXPECT_EQ(py(L({kInf, 2.0})), "[\n    float('inf'),\n    2.0,\n]");
}

TEST(DumpPython, StringsUseReprQuoting) {
  EXPECT_EQ(py("it's"), "\"it's\"");
  EXPECT_EQ(py("say \"hi\""), "'say \"hi\"'");
  EXPECT_EQ(py("both ' and \""), "'both \\' and \"'");
  EXPECT_EQ(py("a\nb\\c\t"), "'a\\nb\\\\c\\t'");
  EXPECT_EQ(py("\xc3\xa9"), "'\xc3\xa9'");
}

TEST(DumpPython, NestedDictWithIdentifierKeys) {
  Value v = D({{"type", "ResNet"}, {"depth", 50}, {"norm", D({{"type", "BN"}, {"eps", 1e-5}})}});
  EXPECT_EQ(py(v), "dict(depth=50, norm=dict(eps=1e-05, type='BN'), type='ResNet')");
  EXPECT_EQ(py(Value::dict()), "dict()");
}

TEST(DumpPython, NonIdentifierKeysUseMappingForm) {
  EXPECT_EQ(py(D({{"b", 1}, {"a-b", 2}})), "{'a-b': 2, 'b': 1}");
  EXPECT_EQ(py(D({{"Top 1", 1}})), "{'Top 1': 1}");
  EXPECT_EQ(py(D({{"1a", 1}})), "{'1a': 1}");
  // Python keywords are identifiers but not usable as dict(class=...).
  EXPECT_EQ(py(D({{"class", 1}})), "{'class': 1}");
  EXPECT_EQ(py(D({{"None", 1}})), "{'None': 1}");
  // Non-ASCII keys take the mapping form, which always parses.
  EXPECT_EQ(py(D({{"\xc3\xa9", 1}})), "{'\xc3\xa9': 1}");
  // Non-str keys, sorted by str(key): '10' < '9'.
  EXPECT_EQ(py(D({{9, "a"}, {10, "b"}})), "{10: 'b', 9: 'a'}");
  EXPECT_EQ(py(D({{Value(), 1}, {true, 2}, {2.5, 3}})), "{2.5: 3, None: 1, True: 2}");
  EXPECT_EQ(py(D({{T({1, 2}), "t"}})), "{(1, 2): 't'}");
  EXPECT_EQ(py(D({{"it's", 1}})), "{\"it's\": 1}");
}

TEST(DumpPython, KeysSortedByStrAtEveryLevel) {
  Value v = D({{"z", D({{"b", 1}, {"a", 2}})}, {"B", 0}, {"a", 3}});
  EXPECT_EQ(py(v), "dict(B=0, a=3, z=dict(a=2, b=1))");
}

TEST(DumpPython, TuplesAndLists) {
  EXPECT_EQ(py(T({})), "()");
  EXPECT_EQ(py(L({})), "[]");
  EXPECT_EQ(py(T({3})), "(3, )");
  EXPECT_EQ(py(T({"a"})), "('a', )");
  // MMEngine writes a trailing comma after every item and yapf then keeps
  // each item on its own line.
  EXPECT_EQ(py(T({1, 5})), "(\n    1,\n    5,\n)");
  EXPECT_EQ(py(L({1})), "[\n    1,\n]");
  EXPECT_EQ(py(L({L({1, 2}), T({}), D({{"a", 1}})})),
            "[\n"
            "    [\n"
            "        1,\n"
            "        2,\n"
            "    ],\n"
            "    (),\n"
            "    dict(a=1),\n"
            "]");
}

TEST(DumpPython, SetsAndLazyObjects) {
  EXPECT_EQ(py(Value::set({})), "set()");
  EXPECT_EQ(py(Value::set({1, 2})), "{1, 2}");
  EXPECT_EQ(py(Value::lazy({"mmpretrain.models", "ResNet", "mmpretrain.models.ResNet"})),
            "'mmpretrain.models.ResNet'");
}

TEST(DumpPython, WrapsAt79Columns) {
  // Fits: one line.
  Value small = D({{"optimizer", D({{"type", "SGD"}, {"lr", 0.1}})}});
  EXPECT_EQ(dump_python(D({{"optim_wrapper", small}})),
            "optim_wrapper = dict(optimizer=dict(lr=0.1, type='SGD'))\n");
  // Too long for one line, fits on a continuation line.
  Value opt = D({{"optimizer",
                  D({{"type", "SGD"}, {"lr", 0.1}, {"momentum", 0.9}, {"weight_decay", 0.0001}})}});
  EXPECT_EQ(dump_python(D({{"optim_wrapper", opt}})),
            "optim_wrapper = dict(\n"
            "    optimizer=dict(lr=0.1, momentum=0.9, type='SGD', weight_decay=0.0001))\n");
  // Neither: one item per line, closing bracket on the last item.
  Value head = D({{"type", "LinearClsHead"},
                  {"num_classes", 1000},
                  {"in_channels", 2048},
                  {"loss", D({{"type", "CrossEntropyLoss"}, {"loss_weight", 1.0}})},
                  {"topk", T({1, 5})}});
  Value model = D({{"type", "ImageClassifier"},
                   {"backbone", D({{"type", "ResNet"},
                                   {"depth", 50},
                                   {"num_stages", 4},
                                   {"out_indices", T({3})},
                                   {"style", "pytorch"}})},
                   {"head", head},
                   {"neck", D({{"type", "GlobalAveragePooling"}})}});
  EXPECT_EQ(dump_python(D({{"model", model}})),
            "model = dict(\n"
            "    backbone=dict(\n"
            "        depth=50,\n"
            "        num_stages=4,\n"
            "        out_indices=(3, ),\n"
            "        style='pytorch',\n"
            "        type='ResNet'),\n"
            "    head=dict(\n"
            "        in_channels=2048,\n"
            "        loss=dict(loss_weight=1.0, type='CrossEntropyLoss'),\n"
            "        num_classes=1000,\n"
            "        topk=(\n"
            "            1,\n"
            "            5,\n"
            "        ),\n"
            "        type='LinearClsHead'),\n"
            "    neck=dict(type='GlobalAveragePooling'),\n"
            "    type='ImageClassifier')\n");
}

TEST(DumpPython, ListOfDicts) {
  Value pipeline =
      L({D({{"type", "LoadImageFromFile"}}), D({{"type", "RandomResizedCrop"}, {"scale", 224}}),
         D({{"type", "PackInputs"}})});
  EXPECT_EQ(dump_python(D({{"train_pipeline", pipeline}})),
            "train_pipeline = [\n"
            "    dict(type='LoadImageFromFile'),\n"
            "    dict(scale=224, type='RandomResizedCrop'),\n"
            "    dict(type='PackInputs'),\n"
            "]\n");
}

TEST(DumpPython, NoLineOver79UnlessAScalarIsLonger) {
  Value::Items many;
  for (int i = 0; i < 12; ++i) many.push_back(D({{"name" + std::to_string(i), i * 1000}}));
  Value deeper = D({{"key_one", "value one"}, {"key_two", "value two"}, {"key_3", "value 3"}});
  Value inner =
      D({{"items", L(many)},
         {"set", Value::set({1, 2, 3})},
         {"nested", D({{"k" + std::string(30, 'x'), 1}, {"m" + std::string(30, 'y'), 2.5}})},
         {"more", D({{"deeper", D({{"deepest", deeper}})}})}});
  std::string text = dump_python(D({{"a_long_variable_name", inner}}));
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) EXPECT_LE(line.size(), 79u) << text;
}

TEST(DumpPython, Errors) {
  Value fn = Value::callable(std::make_shared<FakeFunction>());
  try {
    dump_python(D({{"f", fn}}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
  }
  try {
    dump_python(L({}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
  }
  try {
    dump_python(D({{"not-a-name", 1}}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ValueError");
    EXPECT_NE(std::string(e.what()).find("not-a-name"), std::string::npos);
  }
}

// ---------------------------------------------------------------------------
// JSON

TEST(DumpJson, Scalars) {
  EXPECT_EQ(dump_json(Value()), "null");
  EXPECT_EQ(dump_json(true), "true");
  EXPECT_EQ(dump_json(false), "false");
  EXPECT_EQ(dump_json(-7), "-7");
  EXPECT_EQ(dump_json("x"), "\"x\"");
}

TEST(DumpJson, FloatsAsPythonJson) {
  EXPECT_EQ(dump_json(1.0), "1.0");
  EXPECT_EQ(dump_json(0.1), "0.1");
  EXPECT_EQ(dump_json(1e-05), "1e-05");
  EXPECT_EQ(dump_json(1e16), "1e+16");
  EXPECT_EQ(dump_json(-0.0), "-0.0");
  EXPECT_EQ(dump_json(kNan), "NaN");
  EXPECT_EQ(dump_json(kInf), "Infinity");
  EXPECT_EQ(dump_json(-kInf), "-Infinity");
}

TEST(DumpJson, IndentedFourSpacesInInsertionOrder) {
  Value v = D({{"b", L({1, 2.5})}, {"a", D({{"c", Value()}})}, {"e", L({})}, {"d", Value::dict()}});
  EXPECT_EQ(dump_json(v),
            "{\n"
            "    \"b\": [\n"
            "        1,\n"
            "        2.5\n"
            "    ],\n"
            "    \"a\": {\n"
            "        \"c\": null\n"
            "    },\n"
            "    \"e\": [],\n"
            "    \"d\": {}\n"
            "}");
}

TEST(DumpJson, TuplesSetsAndLazyBecomeArraysAndStrings) {
  EXPECT_EQ(dump_json(T({1, "a"})), "[\n    1,\n    \"a\"\n]");
  EXPECT_EQ(dump_json(Value::set({3})), "[\n    3\n]");
  EXPECT_EQ(dump_json(T({})), "[]");
  EXPECT_EQ(dump_json(Value::lazy({"torch.optim", "SGD", ""})), "\"torch.optim.SGD\"");
}

TEST(DumpJson, StringEscapesAreAscii) {
  EXPECT_EQ(dump_json("q\"b\\s/"), "\"q\\\"b\\\\s/\"");
  EXPECT_EQ(dump_json("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(dump_json(std::string("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(dump_json("\xc3\xa9"), "\"\\u00e9\"");                 // é
  EXPECT_EQ(dump_json("\xe2\x82\xac"), "\"\\u20ac\"");             // €
  EXPECT_EQ(dump_json("\xf0\x9f\x98\x80"), "\"\\ud83d\\ude00\"");  // 😀 as a surrogate pair
}

TEST(DumpJson, NonStringKeysAsPythonJson) {
  // (1 and True are the same key in Python, hence two dicts.)
  Value v = D({{1, "a"}, {2.5, "b"}, {Value(), "d"}, {kNan, "e"}});
  EXPECT_EQ(dump_json(v),
            "{\n    \"1\": \"a\",\n    \"2.5\": \"b\",\n    \"null\": \"d\",\n"
            "    \"NaN\": \"e\"\n}");
  EXPECT_EQ(dump_json(D({{true, 1}, {false, 0}})), "{\n    \"true\": 1,\n    \"false\": 0\n}");
  try {
    dump_json(D({{T({1}), 1}}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
  }
}

TEST(DumpJson, CallableIsTypeError) {
  try {
    dump_json(L({Value::callable(std::make_shared<FakeFunction>())}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
  }
}

// ---------------------------------------------------------------------------
// YAML

TEST(DumpYaml, BlockLayout) {
  Value v = D({{"name", "resnet"},
               {"list", L({1, "two"})},
               {"map", D({{"a", 1}, {"b", D({{"c", Value()}})}})},
               {"records", L({D({{"x", 1}, {"y", L({1, 2})}}), L({3, 4}), L({}), Value::dict()})},
               {"empty_list", L({})},
               {"empty_map", Value::dict()}});
  EXPECT_EQ(dump_yaml(v),
            "name: resnet\n"
            "list:\n"
            "- 1\n"
            "- two\n"
            "map:\n"
            "  a: 1\n"
            "  b:\n"
            "    c: null\n"
            "records:\n"
            "- x: 1\n"
            "  y:\n"
            "  - 1\n"
            "  - 2\n"
            "- - 3\n"
            "  - 4\n"
            "- []\n"
            "- {}\n"
            "empty_list: []\n"
            "empty_map: {}\n");
}

TEST(DumpYaml, TopLevelNonMapping) {
  EXPECT_EQ(dump_yaml(L({1, 2})), "- 1\n- 2\n");
  EXPECT_EQ(dump_yaml(T({1})), "- 1\n");
  EXPECT_EQ(dump_yaml(Value::dict()), "{}\n");
  EXPECT_EQ(dump_yaml(5), "5\n");
  EXPECT_EQ(dump_yaml(Value()), "null\n");
}

TEST(DumpYaml, Scalars) {
  auto y = [](const Value& v) { return dump_yaml(D({{"k", v}})); };
  EXPECT_EQ(y(true), "k: true\n");
  EXPECT_EQ(y(false), "k: false\n");
  EXPECT_EQ(y(Value()), "k: null\n");
  EXPECT_EQ(y(-3), "k: -3\n");
  EXPECT_EQ(y(1.0), "k: 1.0\n");
  EXPECT_EQ(y(0.5), "k: 0.5\n");
  // YAML 1.1 floats need a point: PyYAML writes 1e-05 as 1.0e-05.
  EXPECT_EQ(y(1e-05), "k: 1.0e-05\n");
  EXPECT_EQ(y(1e16), "k: 1.0e+16\n");
  EXPECT_EQ(y(1.5e-07), "k: 1.5e-07\n");
  EXPECT_EQ(y(kNan), "k: .nan\n");
  EXPECT_EQ(y(kInf), "k: .inf\n");
  EXPECT_EQ(y(-kInf), "k: -.inf\n");
  EXPECT_EQ(y(Value::lazy({"a.b", "C", ""})), "k: a.b.C\n");
}

TEST(DumpYaml, StringsQuotedOnlyWhenNeeded) {
  auto y = [](const std::string& s) {
    std::string text = dump_yaml(D({{"k", s}}));
    return text.substr(3, text.size() - 4);
  };
  // Plain: reads back as the same string.
  for (const char* s : {"abc",
                        "v1.0.0rc7",
                        "1e5",
                        "1.5e3",
                        "8x A100 GPUs",
                        "configs/a.py",
                        "https://x.org/a?b=1",
                        "a:b",
                        "a#b",
                        "inf",
                        "nan",
                        "yEs",
                        "y",
                        "n",
                        "1.0.0",
                        "0o10",
                        "08",
                        "a, b",
                        ".hidden",
                        "<x"})
    EXPECT_EQ(y(s), s) << s;
  // Would resolve to something else, or is not a valid plain scalar.
  for (const char* s : {"",       "true", "True",  "yes",  "no",   "on",    "OFF",  "null",
                        "Null",   "~",    "1",     "-1",   "1.0",  "1.",    ".5",   "010",
                        "0x1F",   "0b11", "1_000", "1:30", ".inf", "-.inf", ".NaN", "2020-01-01",
                        "a: b",   "a #b", "x:",    "- x",  "-x",   "[x",    "]x",   "{x",
                        "}x",     ",x",   "#x",    "&x",   "*x",   "!x",    "|x",   ">x",
                        "%x",     "@x",   "`x",    "?x",   "<<",   "=",     ":x",   " lead",
                        "trail ", "---",  "..."}) {
    std::string q = std::string("'") + s + "'";
    EXPECT_EQ(y(s), q) << s;
  }
  EXPECT_EQ(y("'x"), "'''x'");
  EXPECT_EQ(y("\"x"), "'\"x'");
  // Line breaks, control and non-ASCII characters: double quotes with escapes.
  EXPECT_EQ(y("a\nb"), "\"a\\nb\"");
  EXPECT_EQ(y("t\tx"), "\"t\\tx\"");
  EXPECT_EQ(y(std::string("\x01", 1)), "\"\\x01\"");
  // PyYAML's escapes: upper-case hex digits, its named escapes (\b, \N, ...).
  EXPECT_EQ(y("\xc3\xa9\"\\"), "\"\\xE9\\\"\\\\\"");
  EXPECT_EQ(y("\xe2\x82\xac"), "\"\\u20AC\"");
  EXPECT_EQ(y("\xf0\x9f\x98\x80"), "\"\\U0001F600\"");
  EXPECT_EQ(y("a\bb\xc2\x85"), "\"a\\bb\\N\"");
}

TEST(DumpYaml, KeysKeepOrderAndTypes) {
  Value v = D({{"z", 1},
               {"a", 2},
               {1, "int"},
               {2.5, "float"},
               {Value(), "none"},
               {"1", "str"},
               {"Top 1 Accuracy", 76.9}});
  EXPECT_EQ(dump_yaml(v),
            "z: 1\na: 2\n1: int\n2.5: float\nnull: none\n'1': str\nTop 1 Accuracy: 76.9\n");
  EXPECT_EQ(dump_yaml(D({{false, 0}})), "false: 0\n");
}

TEST(DumpYaml, Errors) {
  try {
    dump_yaml(D({{"f", Value::callable(std::make_shared<FakeFunction>())}}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
  }
  try {
    dump_yaml(D({{T({1, 2}), 1}}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
  }
}

}  // namespace
}  // namespace mmcpp::config
