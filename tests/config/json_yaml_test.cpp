// Readers: JSON as Python's json module reads it, YAML as PyYAML's yaml.load
// (YAML 1.1 scalars), and round trips through the writers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/dump.h"
#include "mmcpp/core/error.h"

namespace mmcpp::config {
namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

Value D(std::vector<std::pair<Value, Value>> entries) {
  Value d = Value::dict(false);
  for (auto& [k, v] : entries) d.as_dict().set(k, v);
  return d;
}
Value L(Value::Items items) { return Value::list(std::move(items)); }
Value T(Value::Items items) { return Value::tuple(std::move(items)); }

// Equality that, unlike Python's ==, tells 1 from 1.0 from True and (1,) from
// [1], compares dict order, and holds nan equal to nan and -0.0 apart from 0.0.
::testing::AssertionResult Same(const Value& a, const Value& b, const std::string& path = "") {
  auto differ = [&](const std::string& why) {
    return ::testing::AssertionFailure()
           << "at '" << path << "': " << why << ": " << a.type_name() << " " << a.repr() << " vs "
           << b.type_name() << " " << b.repr();
  };
  if (a.kind() != b.kind()) return differ("kinds differ");
  switch (a.kind()) {
    case Kind::Float: {
      double x = a.as_float(), y = b.as_float();
      if (std::isnan(x) && std::isnan(y)) return ::testing::AssertionSuccess();
      if (x != y || std::signbit(x) != std::signbit(y)) return differ("floats differ");
      return ::testing::AssertionSuccess();
    }
    case Kind::List:
    case Kind::Tuple:
    case Kind::Set: {
      if (a.items().size() != b.items().size()) return differ("sizes differ");
      for (std::size_t i = 0; i < a.items().size(); ++i) {
        auto r = Same(a.items()[i], b.items()[i], path + "[" + std::to_string(i) + "]");
        if (!r) return r;
      }
      return ::testing::AssertionSuccess();
    }
    case Kind::Dict: {
      const auto &x = a.as_dict().entries(), &y = b.as_dict().entries();
      if (x.size() != y.size()) return differ("sizes differ");
      if (a.is_config_dict() != b.is_config_dict()) return differ("ConfigDict flag differs");
      for (std::size_t i = 0; i < x.size(); ++i) {
        auto r = Same(x[i].first, y[i].first, path + "<key " + std::to_string(i) + ">");
        if (!r) return r;
        r = Same(x[i].second, y[i].second, path + "." + x[i].first.str());
        if (!r) return r;
      }
      return ::testing::AssertionSuccess();
    }
    default:
      return a.equals(b) ? ::testing::AssertionSuccess() : differ("values differ");
  }
}

// Tuples and sets as lists: what JSON and YAML keep of them.
Value as_lists(const Value& v) {
  if (v.is_sequence() || v.is_set()) {
    Value::Items out;
    for (const auto& x : v.items()) out.push_back(as_lists(x));
    return L(std::move(out));
  }
  if (v.is_dict()) {
    Value out = Value::dict(v.is_config_dict());
    for (const auto& [k, x] : v.as_dict().entries()) out.as_dict().set(k, as_lists(x));
    return out;
  }
  return v;
}

Value yaml_value(const std::string& scalar) {
  Value doc = parse_yaml("k: " + scalar + "\n", "t.yaml");
  return *doc.as_dict().find(std::string_view("k"));
}

// ---------------------------------------------------------------------------
// JSON

TEST(ParseJson, IntsAndFloatsStayApart) {
  EXPECT_TRUE(Same(parse_json("1", "t.json"), Value(1)));
  EXPECT_TRUE(Same(parse_json("-0", "t.json"), Value(0)));
  EXPECT_TRUE(Same(parse_json("1.0", "t.json"), Value(1.0)));
  EXPECT_TRUE(Same(parse_json("-0.0", "t.json"), Value(-0.0)));
  EXPECT_TRUE(Same(parse_json("1e5", "t.json"), Value(1e5)));
  EXPECT_TRUE(Same(parse_json("1E-7", "t.json"), Value(1e-7)));
  EXPECT_TRUE(Same(parse_json("2.5e+3", "t.json"), Value(2500.0)));
  EXPECT_TRUE(Same(parse_json("9223372036854775807", "t.json"),
                   Value(std::numeric_limits<std::int64_t>::max())));
  EXPECT_TRUE(Same(parse_json("-9223372036854775808", "t.json"),
                   Value(std::numeric_limits<std::int64_t>::min())));
  // Python keeps a big int exactly, and so do we.
  EXPECT_EQ(parse_json("12345678901234567890", "t.json").repr(), "12345678901234567890");
  EXPECT_EQ(parse_json("-123456789012345678901234567890", "t.json").repr(),
            "-123456789012345678901234567890");
  EXPECT_TRUE(Same(parse_json("1e400", "t.json"), Value(kInf)));
  EXPECT_TRUE(Same(parse_json("-1e400", "t.json"), Value(-kInf)));
  EXPECT_TRUE(Same(parse_json("1e-400", "t.json"), Value(0.0)));
}

TEST(ParseJson, NanAndInfinityAsPythonAcceptsThem) {
  EXPECT_TRUE(Same(parse_json("[NaN, Infinity, -Infinity]", "t.json"), L({kNan, kInf, -kInf})));
}

TEST(ParseJson, LiteralsStringsAndContainers) {
  Value v = parse_json(R"( {"b": [true, false, null, "s"], "a": {}, "c": []} )", "t.json");
  EXPECT_TRUE(
      Same(v, D({{"b", L({true, false, Value(), "s"})}, {"a", Value::dict()}, {"c", L({})}})));
  EXPECT_FALSE(v.is_config_dict());
  EXPECT_TRUE(Same(parse_json(R"("q\"b\\s\/\b\f\n\r\t")", "t.json"), Value("q\"b\\s/\b\f\n\r\t")));
  EXPECT_TRUE(Same(parse_json(R"("\u00e9\u20ac\ud83d\ude00")", "t.json"),
                   Value("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80")));
  EXPECT_TRUE(Same(parse_json("\"\xc3\xa9\"", "t.json"), Value("\xc3\xa9")));
}

TEST(ParseJson, DuplicateKeysKeepLastValueAtFirstPlace) {
  EXPECT_TRUE(Same(parse_json(R"({"a": 1, "b": 2, "a": 3})", "t.json"), D({{"a", 3}, {"b", 2}})));
}

struct JsonErrorCase {
  const char* text;
  const char* message;  // str(json.JSONDecodeError) from CPython 3.11
  int line, column;
};

TEST(ParseJson, ErrorsWordedAndPlacedAsPython) {
  const JsonErrorCase cases[] = {
      {"", "Expecting value: line 1 column 1 (char 0)", 1, 1},
      {"-", "Expecting value: line 1 column 1 (char 0)", 1, 1},
      {"tru", "Expecting value: line 1 column 1 (char 0)", 1, 1},
      {R"({"a": 1,})",
       "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)", 1, 9},
      {"{a: 1}", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)", 1,
       2},
      {"[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)", 1, 4},
      {"[1,]", "Expecting value: line 1 column 4 (char 3)", 1, 4},
      {R"({"a" 1})", "Expecting ':' delimiter: line 1 column 6 (char 5)", 1, 6},
      {"[1] x", "Extra data: line 1 column 5 (char 4)", 1, 5},
      {"\"abc", "Unterminated string starting at: line 1 column 1 (char 0)", 1, 1},
      {R"("a\x")", "Invalid \\escape: line 1 column 3 (char 2)", 1, 3},
      {R"("\u12")", "Invalid \\uXXXX escape: line 1 column 3 (char 2)", 1, 3},
      {"\"a\tb\"", "Invalid control character at: line 1 column 3 (char 2)", 1, 3},
      {"{\n  \"a\": 1,\n  \"b\": tru\n}", "Expecting value: line 3 column 8 (char 19)", 3, 8},
      // Columns count characters, not bytes.
      {"{\"\xc3\xa9\": x}", "Expecting value: line 1 column 7 (char 6)", 1, 7},
      {"\xef\xbb\xbf[]", "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)",
       1, 1},
  };
  for (const auto& c : cases) {
    try {
      parse_json(c.text, "cfg.json");
      ADD_FAILURE() << "no error for " << c.text;
    } catch (const SourceError& e) {
      EXPECT_EQ(e.kind(), "JSONDecodeError");
      EXPECT_EQ(e.bare_message(), c.message) << c.text;
      EXPECT_EQ(e.where().file, "cfg.json");
      EXPECT_EQ(e.where().line, c.line) << c.text;
      EXPECT_EQ(e.where().column, c.column) << c.text;
    }
  }
}

TEST(ParseJson, ErrorShowsFileLineAndSource) {
  try {
    parse_json("{\n  \"a\": [1 2]\n}", "cfg.json");
    FAIL() << "no error";
  } catch (const SourceError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("cfg.json:2:11"), std::string::npos) << what;
    EXPECT_NE(what.find("  \"a\": [1 2]"), std::string::npos) << what;
  }
}

TEST(ParseJson, DeepNestingIsAnError) {
  std::string deep(5000, '[');
  try {
    parse_json(deep, "t.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "RecursionError");
  }
}

// ---------------------------------------------------------------------------
// YAML scalar resolution: PyYAML's YAML 1.1 resolver.

struct ScalarCase {
  const char* text;
  Value want;
};

TEST(ParseYaml, NullScalars) {
  for (const char* s : {"~", "null", "Null", "NULL", ""})
    EXPECT_TRUE(Same(yaml_value(s), Value())) << s;
  for (const char* s : {"nULL", "none", "None", "nil"})
    EXPECT_TRUE(Same(yaml_value(s), Value(s))) << s;
}

TEST(ParseYaml, BoolScalars) {
  for (const char* s : {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})
    EXPECT_TRUE(Same(yaml_value(s), Value(true))) << s;
  for (const char* s : {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})
    EXPECT_TRUE(Same(yaml_value(s), Value(false))) << s;
  for (const char* s : {"yEs", "tRUE", "y", "Y", "n", "N", "oN"})
    EXPECT_TRUE(Same(yaml_value(s), Value(s))) << s;
}

TEST(ParseYaml, IntScalars) {
  const ScalarCase cases[] = {
      {"0", Value(0)},
      {"42", Value(42)},
      {"-42", Value(-42)},
      {"+12", Value(12)},
      {"1_000", Value(1000)},
      {"0b101", Value(5)},
      {"-0b101", Value(-5)},
      {"0x1F", Value(31)},
      {"-0x1f", Value(-31)},
      {"010", Value(8)},  // leading 0: octal
      {"0_7", Value(7)},
      {"00", Value(0)},
      {"1:30", Value(90)},  // sexagesimal
      {"-1:30:00", Value(-5400)},
      {"190:20:30", Value(685230)},
      {"9223372036854775807", Value(std::numeric_limits<std::int64_t>::max())},
      {"-9223372036854775808", Value(std::numeric_limits<std::int64_t>::min())},
  };
  // Past 64 bits: the exact int, as PyYAML.
  EXPECT_EQ(yaml_value("9223372036854775808").repr(), "9223372036854775808");
  EXPECT_EQ(yaml_value("-0x10000000000000000").repr(), "-18446744073709551616");
  for (const auto& c : cases) EXPECT_TRUE(Same(yaml_value(c.text), c.want)) << c.text;
  // Not ints in YAML 1.1: strings.
  for (const char* s : {"08", "0o10", "0b102", "0x", "0xg", "_1", "1:60", "0:30", "1__0x"})
    EXPECT_TRUE(Same(yaml_value(s), Value(s))) << s;
}

TEST(ParseYaml, FloatScalars) {
  const ScalarCase cases[] = {
      {"1.0", Value(1.0)},       {"1.", Value(1.0)},        {"76.90", Value(76.9)},
      {".5", Value(0.5)},        {"-0.0", Value(-0.0)},     {"1.5e+3", Value(1500.0)},
      {"1.0e-05", Value(1e-05)}, {"1.5E-3", Value(0.0015)}, {".5e+1", Value(5.0)},
      {"1_0.5", Value(10.5)},    {"1.2_3", Value(1.23)},    {"1:30.5", Value(90.5)},
      {"-1:30.5", Value(-90.5)}, {".inf", Value(kInf)},     {".Inf", Value(kInf)},
      {"+.INF", Value(kInf)},    {"-.inf", Value(-kInf)},   {".nan", Value(kNan)},
      {".NaN", Value(kNan)},     {".NAN", Value(kNan)},
  };
  for (const auto& c : cases) EXPECT_TRUE(Same(yaml_value(c.text), c.want)) << c.text;
  // PyYAML's float pattern needs a point and a signed exponent, and a digit
  // before the point when signed: these are str.
  for (const char* s : {"1e5", "1e+5", "1E+5", "1.5e3", "inf", "nan", "-.nan", "+.nan", ".", "-.5",
                        "+.5", "1.0.0", "v1.0", "1e-6"})
    EXPECT_TRUE(Same(yaml_value(s), Value(s))) << s;
}

TEST(ParseYaml, OtherPlainScalarsAreStrings) {
  for (const char* s : {"abc", "ImageNet-1k", "8x A100 GPUs", "https://x.org/a.pth", "a:b",
                        "configs/a.py", "--", "<<<", "1.0.0", "a b  c"})
    EXPECT_TRUE(Same(yaml_value(s), Value(s))) << s;
  // Trailing comments and spaces are not part of the scalar.
  EXPECT_TRUE(Same(yaml_value("value # comment"), Value("value")));
  // Folded plain scalars.
  EXPECT_TRUE(Same(parse_yaml("k: this is\n  a plain\n  scalar\n", "t"),
                   D({{"k", "this is a plain scalar"}})));
}

TEST(ParseYaml, TimestampsStayStrings) {
  // PyYAML gives datetime.date / datetime.datetime; configs keep the text.
  EXPECT_TRUE(Same(yaml_value("2020-01-01"), Value("2020-01-01")));
  EXPECT_TRUE(
      Same(yaml_value("2001-12-14t21:59:43.10-05:00"), Value("2001-12-14t21:59:43.10-05:00")));
}

TEST(ParseYaml, QuotedAndBlockScalarsAreAlwaysStrings) {
  for (const char* s : {"'1'", "\"1\"", "'yes'", "\"null\"", "''", "\"\"", "'1.0'", "'~'"}) {
    std::string inner(s + 1, std::strlen(s) - 2);
    EXPECT_TRUE(Same(yaml_value(s), Value(inner))) << s;
  }
  EXPECT_TRUE(Same(yaml_value("'it''s'"), Value("it's")));
  EXPECT_TRUE(Same(yaml_value(R"("tab\tnl\n\u00e9\U0001F600\x41")"),
                   Value("tab\tnl\n\xc3\xa9\xf0\x9f\x98\x80"
                         "A")));
  EXPECT_TRUE(Same(parse_yaml("k: |\n  1\n  2\n", "t"), D({{"k", "1\n2\n"}})));
  EXPECT_TRUE(Same(parse_yaml("k: >\n  folded\n  text\n", "t"), D({{"k", "folded text\n"}})));
}

TEST(ParseYaml, ExplicitTags) {
  EXPECT_TRUE(Same(yaml_value("!!str 1"), Value("1")));
  EXPECT_TRUE(Same(yaml_value("!!str null"), Value("null")));
  EXPECT_TRUE(Same(yaml_value("!!str"), Value("")));
  EXPECT_TRUE(Same(yaml_value("!!int \"12\""), Value(12)));
  EXPECT_TRUE(Same(yaml_value("!!int 010"), Value(8)));
  EXPECT_TRUE(Same(yaml_value("!!float 1"), Value(1.0)));
  EXPECT_TRUE(Same(yaml_value("!!float \"1e5\""), Value(1e5)));
  EXPECT_TRUE(Same(yaml_value("!!bool yes"), Value(true)));
  EXPECT_TRUE(Same(yaml_value("!!null x"), Value()));
  EXPECT_TRUE(Same(yaml_value("!!python/tuple [1, 2]"), T({1, 2})));
  EXPECT_TRUE(Same(yaml_value("!!seq [1]"), L({1})));
  EXPECT_TRUE(Same(yaml_value("!!map {a: 1}"), D({{"a", 1}})));
  EXPECT_TRUE(Same(yaml_value("!!set {x, y}"), Value::set({"x", "y"})));
}

// ---------------------------------------------------------------------------
// YAML structure

TEST(ParseYaml, MappingsKeepDocumentOrder) {
  Value v = parse_yaml("z: 1\na:\n  - b: 1\n    c: [1, 2.0, x]\n  - ~\nm: {q: 1, p: 2}\n", "t");
  EXPECT_TRUE(Same(v, D({{"z", 1},
                         {"a", L({D({{"b", 1}, {"c", L({1, 2.0, "x"})}}), Value()})},
                         {"m", D({{"q", 1}, {"p", 2}})}})));
  EXPECT_FALSE(v.is_config_dict());
}

TEST(ParseYaml, NonStringKeys) {
  EXPECT_TRUE(Same(parse_yaml("{1: a, 2.5: b, true: c, null: d, '1': e}", "t"),
                   D({{1, "a"}, {2.5, "b"}, {true, "c"}, {Value(), "d"}, {"1", "e"}})));
  EXPECT_TRUE(Same(parse_yaml("? !!python/tuple [1, 2]\n: x\n", "t"), D({{T({1, 2}), "x"}})));
  EXPECT_TRUE(Same(parse_yaml("=: 1\n", "t"), D({{"=", 1}})));
}

TEST(ParseYaml, KeysWithoutValues) {
  EXPECT_TRUE(Same(parse_yaml("? b\n", "t"), D({{"b", Value()}})));
  EXPECT_TRUE(Same(parse_yaml("? b\n: 1\n", "t"), D({{"b", 1}})));
  EXPECT_TRUE(Same(parse_yaml("{a, b: 1}\n", "t"), D({{"a", Value()}, {"b", 1}})));
  EXPECT_TRUE(Same(parse_yaml("a:\nb :\n", "t"), D({{"a", Value()}, {"b", Value()}})));
}

TEST(ParseYaml, DuplicateKeysKeepLastValueAtFirstPlace) {
  EXPECT_TRUE(Same(parse_yaml("a: 1\nb: 2\na: 3\n", "t"), D({{"a", 3}, {"b", 2}})));
}

TEST(ParseYaml, MergeKeys) {
  EXPECT_TRUE(Same(parse_yaml("a: &x {p: 1, q: 2}\nb:\n  <<: *x\n  q: 3\n  r: 4\n", "t"),
                   D({{"a", D({{"p", 1}, {"q", 2}})}, {"b", D({{"p", 1}, {"q", 3}, {"r", 4}})}})));
  // With a list the earlier mappings win; merged keys come first.
  Value v = parse_yaml("a: &x {p: 1, q: 2}\nc: &y {q: 5, s: 6}\nb:\n  r: 0\n  <<: [*x, *y]\n", "t");
  EXPECT_TRUE(
      Same(*v.as_dict().find(std::string_view("b")), D({{"q", 2}, {"s", 6}, {"p", 1}, {"r", 0}})));
}

TEST(ParseYaml, AliasesShareTheValue) {
  Value v = parse_yaml("a: &x [1, 2]\nb: *x\n", "t");
  EXPECT_TRUE(v.as_dict()
                  .find(std::string_view("a"))
                  ->same_object(*v.as_dict().find(std::string_view("b"))));
}

TEST(ParseYaml, EmptyDocumentsAreNone) {
  EXPECT_TRUE(Same(parse_yaml("", "t"), Value()));
  EXPECT_TRUE(Same(parse_yaml("# only a comment\n", "t"), Value()));
  EXPECT_TRUE(Same(parse_yaml("---\n", "t"), Value()));
  EXPECT_TRUE(Same(parse_yaml("--- 5\n", "t"), Value(5)));
  EXPECT_TRUE(Same(parse_yaml("- 1\n- [2, 3]\n", "t"), L({1, L({2, 3})})));
}

struct YamlErrorCase {
  const char* text;
  const char* kind;
  const char* message;
  int line, column;
};

TEST(ParseYaml, Errors) {
  const YamlErrorCase cases[] = {
      {"a: 1\n b: 2\n", "ScannerError", "mapping values are not allowed here", 2, 3},
      {"a: b: 1\n", "ScannerError", "mapping values are not allowed here", 1, 5},
      {"v: -\n", "ScannerError", "sequence entries are not allowed here", 1, 4},
      {"a: [1, 2\n", "ParserError", "end of sequence flow not found", 2, 1},
      {"a: *nope\n", "ComposerError", "found undefined alias", 1, 4},
      {"x: 1\n---\ny: 2\n", "ComposerError",
       "expected a single document in the stream, but found another document", 2, 1},
      {"[1, 2]: 1\n", "ConstructorError", "while constructing a mapping: found unhashable key", 1,
       1},
      {"a: !foo bar\n", "ConstructorError", "could not determine a constructor for the tag '!foo'",
       1, 4},
      {"a: =\n", "ConstructorError",
       "could not determine a constructor for the tag 'tag:yaml.org,2002:value'", 1, 4},
      {"<<: 1\n", "ConstructorError",
       "while constructing a mapping: expected a mapping or list of mappings for merging, but "
       "found int",
       1, 5},
      {"k: !!int 1.5\n", "ValueError", "invalid literal for int() with base 10: '1.5'", 1, 4},
      // A line without its colon: PyYAML rejects it (yaml-cpp alone would read `b: null`).
      {"a: 1\nb\n", "ScannerError", "while scanning a simple key: could not find expected ':'", 2,
       1},
      {"x:\n  - k: 1\n    Met\n", "ScannerError",
       "while scanning a simple key: could not find expected ':'", 3, 5},
      {"a: &r [1, *r]\n", "ComposerError",
       "found an alias to a node that contains it (recursive alias)", 1, 11},
  };
  for (const auto& c : cases) {
    try {
      parse_yaml(c.text, "cfg.yaml");
      ADD_FAILURE() << "no error for " << c.text;
    } catch (const SourceError& e) {
      EXPECT_EQ(e.kind(), c.kind) << c.text;
      EXPECT_EQ(e.bare_message(), c.message) << c.text;
      EXPECT_EQ(e.where().file, "cfg.yaml");
      EXPECT_EQ(e.where().line, c.line) << c.text;
      EXPECT_EQ(e.where().column, c.column) << c.text;
    }
  }
}

TEST(ParseYaml, ErrorShowsFileLineAndSource) {
  try {
    parse_yaml("a: 1\n b: 2\n", "cfg.yaml");
    FAIL() << "no error";
  } catch (const SourceError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("cfg.yaml:2:3"), std::string::npos) << what;
    EXPECT_NE(what.find(" b: 2"), std::string::npos) << what;
  }
}

// ---------------------------------------------------------------------------
// Round trips

Value rich_value() {
  Value::Items strings;
  for (const char* s : {"",
                        "abc",
                        "true",
                        "yes",
                        "No",
                        "on",
                        "null",
                        "~",
                        "1",
                        "-1",
                        "1.0",
                        "1e5",
                        "1.5e+3",
                        "010",
                        "0x1F",
                        "1:30",
                        ".inf",
                        ".nan",
                        "2020-01-01",
                        "a: b",
                        "a #b",
                        "x:",
                        "- x",
                        "[x",
                        "{x",
                        "*x",
                        "&x",
                        "!x",
                        "|x",
                        ">x",
                        "%x",
                        "@x",
                        "`x",
                        "?x",
                        "<<",
                        "=",
                        " lead",
                        "trail ",
                        "---",
                        "...",
                        "it's",
                        "say \"hi\"",
                        "back\\slash",
                        "line\nbreak",
                        "tab\there",
                        "\xc3\xa9t\xc3\xa9",
                        "\xf0\x9f\x98\x80",
                        "\x01"})
    strings.push_back(Value(std::string(s)));
  return D({{"strings", L(strings)},
            {"floats", L({1.0, 0.1, 1e-05, 1e16, -0.0, 123.675, 5e-324, 1.7976931348623157e308,
                          kNan, kInf, -kInf})},
            {"ints", L({0, -1, std::numeric_limits<std::int64_t>::max(),
                        std::numeric_limits<std::int64_t>::min()})},
            {"misc", L({true, false, Value(), L({}), Value::dict(), T({1, T({2})}), T({})})},
            {"nested", D({{"model", D({{"type", "ResNet"}, {"depth", 50}, {"out", T({3})}})},
                          {"Top 1 Accuracy", 76.9},
                          {"pipeline", L({D({{"type", "Load"}}), D({{"scale", 224}})})}})},
            {"weird keys", D({{"a-b", 1}, {"true", 2}, {"1", 3}, {"", 4}, {"x: y", 5}})}});
}

TEST(RoundTrip, JsonDumpThenParse) {
  Value v = rich_value();
  EXPECT_TRUE(Same(parse_json(dump_json(v), "rt.json"), as_lists(v)));
}

TEST(RoundTrip, YamlDumpThenParse) {
  Value v = rich_value();
  EXPECT_TRUE(Same(parse_yaml(dump_yaml(v), "rt.yaml"), as_lists(v)));
  // Non-string keys of every scalar kind survive too.
  Value keys = D({{1, "a"}, {2.5, "b"}, {true, "c"}, {Value(), "d"}, {"1", "e"}});
  EXPECT_TRUE(Same(parse_yaml(dump_yaml(keys), "rt.yaml"), keys));
}

TEST(RoundTrip, ParsedYamlDumpsToJsonAndBack) {
  Value v = parse_yaml(
      "Collections:\n"
      "  - Name: RIFormer\n"
      "    Metadata:\n"
      "      Training Data: ImageNet-1k\n"
      "      Architecture:\n"
      "        - Affine\n"
      "        - 1x1 Convolution\n"
      "    Code:\n"
      "      URL: null\n"
      "Models:\n"
      "  - Metadata:\n"
      "      FLOPs: 1822000000\n"
      "    Results:\n"
      "      - Metrics:\n"
      "          Top 1 Accuracy: 76.90\n",
      "metafile.yml");
  EXPECT_TRUE(Same(parse_json(dump_json(v), "rt.json"), v));
  EXPECT_TRUE(Same(parse_yaml(dump_yaml(v), "rt.yaml"), v));
}

}  // namespace
}  // namespace mmcpp::config
