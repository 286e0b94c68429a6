// Quoting strings the way Python-side writers do, in one routine: repr() of a
// str or a bytes object, json.dumps (ensure_ascii) and PyYAML's double-quoted
// scalars. They share the rule: printable ASCII stays (the quote and the
// backslash get a backslash), control characters take a named escape where the
// format has one, else a hex escape; they differ in the named escapes, the hex
// forms and what becomes of non-ASCII text.
#pragma once

#include <string>
#include <string_view>

namespace mmcpp {

enum class Escaping {
  // repr(str): \\ \' \n \r \t, other controls \xNN; UTF-8 text kept as it is.
  kPythonStr,
  // repr(bytes): as kPythonStr, and every byte >= 0x80 as \xNN.
  kPythonBytes,
  // json.dumps(ensure_ascii=True): \" \\ \n \r \t \b \f, other controls and every
  // non-ASCII code point as \uXXXX (astral ones as a surrogate pair); an invalid
  // UTF-8 byte as \u00XX (its Latin-1 reading).
  kJson,
  // PyYAML's double-quoted scalar (allow_unicode=False): \" \\ and the named
  // escapes of its ESCAPE_REPLACEMENTS (\0 \a \b \t \n \v \f \r \e \N \_ \L \P),
  // other code points outside printable ASCII as \xNN / \uNNNN / \UNNNNNNNN by size,
  // in upper-case hex digits.
  kYaml,
};

// `s` between two `quote` characters, escaped as `escaping` writes it.
std::string quote_escaped(std::string_view s, Escaping escaping, char quote);

// Python's repr() of a str: in single quotes unless the text holds a single
// quote and no double quote.
std::string python_str_repr(std::string_view s);

}  // namespace mmcpp
