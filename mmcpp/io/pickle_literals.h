// Decoding of pickle literals: integers in binary and text form, protocol 0
// quoted strings and raw-unicode-escape text (internal to pickle_reader).
#pragma once

#include <string>
#include <string_view>

#include "mmcpp/io/py_object.h"

namespace mmcpp::io::detail {

// A little-endian two's complement integer (LONG1/LONG4): Int when it fits
// int64, else BigInt with redundant sign bytes dropped.
PyObject make_long(std::string le);
// Decimal text (INT/LONG, optional trailing 'L'), arbitrarily large. False when malformed.
bool parse_decimal(std::string_view s, PyObject& out);
// Python's escape_decode for protocol 0 STRING. False when malformed.
bool unescape_string(std::string_view s, std::string& out);
// Python's raw-unicode-escape decoding (protocol 0 UNICODE) to UTF-8.
bool raw_unicode_unescape(std::string_view s, std::string& out);
// 8-bit strings (STRING/BINSTRING): str when valid UTF-8 (torch.load reads them
// with encoding='utf-8'), bytes otherwise.
PyObject py2_string(std::string s);

}  // namespace mmcpp::io::detail
