// The one quoting routine (mmcpp/core/string_escape.h) in each of its styles,
// against what CPython 3.11's repr(), json.dumps and PyYAML 6 write.
#include <gtest/gtest.h>

#include "mmcpp/core/string_escape.h"

namespace mmcpp {
namespace {

TEST(StringEscape, PythonStrRepr) {
  EXPECT_EQ(python_str_repr("abc"), "'abc'");
  EXPECT_EQ(python_str_repr("it's"), "\"it's\"");  // repr("it's")
  EXPECT_EQ(python_str_repr("'\""), "'\\'\"'");    // repr('\'"')
  EXPECT_EQ(python_str_repr("a\\b\n\r\t"), "'a\\\\b\\n\\r\\t'");
  EXPECT_EQ(python_str_repr(std::string("\0\x01\x7f\b\f", 5)), "'\\x00\\x01\\x7f\\x08\\x0c'");
  EXPECT_EQ(python_str_repr("caf\xc3\xa9"), "'caf\xc3\xa9'");  // printable text kept
}

TEST(StringEscape, PythonBytesRepr) {
  // A bytes object as pickled objects are shown (always in single quotes), without
  // the leading b, which the caller adds.
  EXPECT_EQ(quote_escaped("\xff'a\n", Escaping::kPythonBytes, '\''), "'\\xff\\'a\\n'");
}

TEST(StringEscape, JsonEnsureAscii) {
  // json.dumps('a"\\\n\b\f\x01\x7f é 😀')
  EXPECT_EQ(quote_escaped("a\"\\\n\b\f\x01\x7f \xc3\xa9 \xf0\x9f\x98\x80", Escaping::kJson, '"'),
            "\"a\\\"\\\\\\n\\b\\f\\u0001\\u007f \\u00e9 \\ud83d\\ude00\"");
  // An invalid UTF-8 byte as its Latin-1 reading.
  EXPECT_EQ(quote_escaped("\xff", Escaping::kJson, '"'), "\"\\u00ff\"");
}

TEST(StringEscape, YamlDoubleQuoted) {
  // yaml.dump('a"\\\n\t\r\0\b\x01 é ☃ 😀\x85', default_style='"') (allow_unicode=False)
  EXPECT_EQ(
      quote_escaped(
          std::string("a\"\\\n\t\r\0\b\x01 \xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80\xc2\x85", 23),
          Escaping::kYaml, '"'),
      "\"a\\\"\\\\\\n\\t\\r\\0\\b\\x01 \\xE9 \\u2603 \\U0001F600\\N\"");
}

}  // namespace
}  // namespace mmcpp
