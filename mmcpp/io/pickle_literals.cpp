#include "mmcpp/io/pickle_literals.h"

#include <charconv>

#include "mmcpp/core/utf8.h"

namespace mmcpp::io::detail {

// Normalises a two's complement little-endian integer: Int when it fits int64,
// otherwise BigInt with redundant sign bytes dropped.
PyObject make_long(std::string le) {
  if (le.empty()) return PyObject::from_int(0);
  bool negative = static_cast<unsigned char>(le.back()) & 0x80;
  char pad = negative ? '\xff' : '\0';
  while (le.size() > 1 && le.back() == pad &&
         ((static_cast<unsigned char>(le[le.size() - 2]) & 0x80) != 0) == negative)
    le.pop_back();
  if (le.size() <= 8) {
    std::uint64_t u = negative ? ~std::uint64_t{0} : 0;
    for (std::size_t i = 0; i < le.size(); ++i) {
      u &= ~(std::uint64_t{0xff} << (8 * i));
      u |= std::uint64_t{static_cast<unsigned char>(le[i])} << (8 * i);
    }
    return PyObject::from_int(static_cast<std::int64_t>(u));
  }
  return PyObject::big_int(std::move(le));
}

// Decimal text (protocol 0 INT/LONG) -> int, arbitrarily large.
bool parse_decimal(std::string_view s, PyObject& out) {
  if (!s.empty() && s.back() == 'L') s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 10000) return false;
  std::string mag;  // little-endian magnitude
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    unsigned carry = static_cast<unsigned>(c - '0');
    for (auto& b : mag) {
      unsigned v = static_cast<unsigned char>(b) * 10u + carry;
      b = static_cast<char>(v & 0xff);
      carry = v >> 8;
    }
    while (carry) {
      mag += static_cast<char>(carry & 0xff);
      carry >>= 8;
    }
  }
  mag += '\0';  // room for the sign bit
  if (negative) {
    unsigned carry = 1;
    for (auto& b : mag) {
      unsigned v = (~static_cast<unsigned char>(b) & 0xffu) + carry;
      b = static_cast<char>(v & 0xff);
      carry = v >> 8;
    }
  }
  out = make_long(std::move(mag));
  return true;
}

// Python's escape_decode for protocol 0 STRING ('...' with backslash escapes).
bool unescape_string(std::string_view s, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= s.size()) return false;
    char e = s[i];
    if (char simple = utf8::python_simple_escape(e)) {
      out += simple;
      continue;
    }
    switch (e) {
      case '\n':
        break;
      case 'x': {
        if (i + 2 >= s.size()) return false;
        unsigned v = 0;
        auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
        if (r.ptr != s.data() + i + 3) return false;
        out += static_cast<char>(v);
        i += 2;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          unsigned v = 0;
          std::size_t k = 0;
          for (; k < 3 && i + k < s.size() && s[i + k] >= '0' && s[i + k] <= '7'; ++k)
            v = v * 8 + static_cast<unsigned>(s[i + k] - '0');
          out += static_cast<char>(v & 0xff);
          i += k - 1;
        } else {
          out += '\\';
          out += e;
        }
    }
  }
  return true;
}

// Python's raw-unicode-escape decoding (protocol 0 UNICODE) -> UTF-8.
bool raw_unicode_unescape(std::string_view s, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\' && i + 1 < s.size() && (s[i + 1] == 'u' || s[i + 1] == 'U')) {
      std::size_t digits = s[i + 1] == 'u' ? 4 : 8;
      if (i + 2 + digits > s.size()) return false;
      std::uint32_t cp = 0;
      auto r = std::from_chars(s.data() + i + 2, s.data() + i + 2 + digits, cp, 16);
      if (r.ptr != s.data() + i + 2 + digits || cp > 0x10FFFF) return false;
      utf8::append(out, cp);
      i += 1 + digits;
    } else {
      utf8::append(out, c);  // other bytes are latin-1 code points
    }
  }
  return true;
}

// 8-bit strings (STRING / BINSTRING): str when valid UTF-8 (torch.load reads
// them with encoding='utf-8'), bytes otherwise.
PyObject py2_string(std::string s) {
  if (utf8::valid(s)) return PyObject::str(std::move(s));
  return PyObject::bytes(std::move(s));
}

}  // namespace mmcpp::io::detail
