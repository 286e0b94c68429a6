// UTF-8 helpers shared by the config lexer, the JSON reader and the pickle
// reader/writer. Pickles carry str as UTF-8
// (Python's 'surrogatepass'), and protocol 2 carries bytes as latin-1 text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mmcpp::utf8 {

// The character a one-letter Python string escape stands for (\\ \' \" \a \b
// \f \n \r \t \v), or 0 when `e` needs more handling (\x, \u, octal, ...).
// Shared by the config lexer and the pickle reader's protocol-0 strings.
inline char python_simple_escape(char e) {
  switch (e) {
    case '\\':
      return '\\';
    case '\'':
      return '\'';
    case '"':
      return '"';
    case 'a':
      return '\a';
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'v':
      return '\v';
    default:
      return 0;
  }
}

inline void append(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes UTF-8 (surrogate code points allowed, as Python's 'surrogatepass').
// False on malformed input.
inline bool decode(const std::string& s, std::vector<std::uint32_t>& out) {
  out.clear();
  std::size_t i = 0, n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp;
    std::size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      len = 4;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Reject overlong forms and values past U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF)
      return false;
    out.push_back(cp);
    i += len;
  }
  return true;
}

inline bool valid(const std::string& s) {
  std::vector<std::uint32_t> cps;
  return decode(s, cps);
}

// bytes -> the str whose code points are those bytes (bytes.decode('latin-1')).
inline std::string from_latin1(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) append(out, c);
  return out;
}

// str -> bytes for code points < 256 (str.encode('latin-1')). False otherwise.
inline bool to_latin1(const std::string& s, std::string& out) {
  std::vector<std::uint32_t> cps;
  if (!decode(s, cps)) return false;
  out.clear();
  out.reserve(cps.size());
  for (auto cp : cps) {
    if (cp > 0xFF) return false;
    out += static_cast<char>(cp);
  }
  return true;
}

}  // namespace mmcpp::utf8
