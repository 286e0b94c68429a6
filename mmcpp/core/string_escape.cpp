#include "mmcpp/core/string_escape.h"

#include <cstdio>

namespace mmcpp {

namespace {

// Decodes one UTF-8 sequence at s[i], advancing i. An invalid byte comes back
// alone as its own value with `valid` false, so nothing is lost.
char32_t next_code_point(std::string_view s, std::size_t& i, bool& valid) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  valid = len > 0 && i + len <= s.size();
  char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
  for (int k = 1; valid && k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc >> 6) != 0x2) valid = false;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if (!valid) {
    ++i;
    return c;
  }
  i += len;
  return cp;
}

void hex(std::string& out, const char* prefix, unsigned value, int digits, bool upper = false) {
  char buf[16];
  std::snprintf(buf, sizeof buf, upper ? "%s%0*X" : "%s%0*x", prefix, digits, value);
  out += buf;
}

// The one-letter escape `escaping` has for code point `cp` (outside printable
// ASCII), or 0.
char named_escape(char32_t cp, Escaping escaping) {
  switch (cp) {
    case '\n':
      return 'n';
    case '\r':
      return 'r';
    case '\t':
      return 't';
    default:
      break;
  }
  if (escaping == Escaping::kJson) return cp == '\b' ? 'b' : cp == '\f' ? 'f' : 0;
  if (escaping != Escaping::kYaml) return 0;
  switch (cp) {  // PyYAML's Emitter.ESCAPE_REPLACEMENTS
    case 0:
      return '0';
    case 0x07:
      return 'a';
    case 0x08:
      return 'b';
    case 0x0b:
      return 'v';
    case 0x0c:
      return 'f';
    case 0x1b:
      return 'e';
    case 0x85:
      return 'N';
    case 0xa0:
      return '_';
    case 0x2028:
      return 'L';
    case 0x2029:
      return 'P';
    default:
      return 0;
  }
}

// A code point outside printable ASCII that has no named escape.
void hex_escape(std::string& out, char32_t cp, Escaping escaping) {
  switch (escaping) {
    case Escaping::kJson:
      if (cp >= 0x10000) {
        const char32_t u = cp - 0x10000;
        hex(out, "\\u", 0xd800 + (u >> 10), 4);
        hex(out, "\\u", 0xdc00 + (u & 0x3ff), 4);
      } else {
        hex(out, "\\u", cp, 4);
      }
      break;
    case Escaping::kYaml:
      // Upper-case digits, as PyYAML's '%02X'.
      if (cp < 0x100)
        hex(out, "\\x", cp, 2, true);
      else if (cp < 0x10000)
        hex(out, "\\u", cp, 4, true);
      else
        hex(out, "\\U", cp, 8, true);
      break;
    case Escaping::kPythonStr:
    case Escaping::kPythonBytes:
      hex(out, "\\x", cp, 2);  // only controls and single bytes come here
      break;
  }
}

}  // namespace

std::string quote_escaped(std::string_view s, Escaping escaping, char quote) {
  std::string out(1, quote);
  const bool decode = escaping == Escaping::kJson || escaping == Escaping::kYaml;
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      if (c == static_cast<unsigned char>(quote) || c == '\\') out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x80 || decode) {  // control characters, DEL, decoded code points
      char32_t cp = c;
      if (c < 0x80) {
        ++i;
      } else {
        bool valid = true;
        cp = next_code_point(s, i, valid);
      }
      if (char e = named_escape(cp, escaping)) {
        out += '\\';
        out += e;
      } else {
        hex_escape(out, cp, escaping);
      }
    } else if (escaping == Escaping::kPythonBytes) {
      hex_escape(out, c, escaping);
      ++i;
    } else {
      out += static_cast<char>(c);  // a str's UTF-8 bytes, kept as they are
      ++i;
    }
  }
  out += quote;
  return out;
}

std::string python_str_repr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  return quote_escaped(s, Escaping::kPythonStr, has_single && !has_double ? '"' : '\'');
}

}  // namespace mmcpp
