#include "mmcpp/io/dtypes.h"

#include <cctype>
#include <utility>

#include "mmcpp/core/error.h"

namespace mmcpp::io {
namespace {

using c10::ScalarType;

struct StorageName {
  const char* name;
  ScalarType dtype;
};

// The order matters only for dtype_to_storage_type: the first match wins.
constexpr StorageName kStorageNames[] = {
    {"FloatStorage", ScalarType::Float},
    {"DoubleStorage", ScalarType::Double},
    {"HalfStorage", ScalarType::Half},
    {"BFloat16Storage", ScalarType::BFloat16},
    {"LongStorage", ScalarType::Long},
    {"IntStorage", ScalarType::Int},
    {"ShortStorage", ScalarType::Short},
    {"CharStorage", ScalarType::Char},
    {"ByteStorage", ScalarType::Byte},
    {"BoolStorage", ScalarType::Bool},
    {"ComplexFloatStorage", ScalarType::ComplexFloat},
    {"ComplexDoubleStorage", ScalarType::ComplexDouble},
    {"QUInt8Storage", ScalarType::QUInt8},
    {"QInt8Storage", ScalarType::QInt8},
    {"QInt32Storage", ScalarType::QInt32},
    // torch >= 2.0 may pickle an untyped storage: its elements are bytes.
    {"UntypedStorage", ScalarType::Byte},
};

}  // namespace

std::optional<c10::ScalarType> storage_type_to_dtype(const std::string& name) {
  for (const auto& s : kStorageNames)
    if (name == s.name) return s.dtype;
  return std::nullopt;
}

std::string dtype_to_storage_type(c10::ScalarType dtype) {
  for (const auto& s : kStorageNames)
    if (s.dtype == dtype) return s.name;
  throw Error("TypeError", std::string("cannot save a tensor of dtype ") + c10::toString(dtype) +
                               ": torch.save has no storage class for it");
}

std::string NumpyTypeStr::str() const {
  return std::string(1, byteorder) + kind + std::to_string(size);
}

std::optional<NumpyTypeStr> parse_numpy_typestr(const std::string& s) {
  if (s.empty()) return std::nullopt;
  NumpyTypeStr t;
  std::size_t i = 0;
  if (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=') {
    t.byteorder = s[0];
    i = 1;
  }
  if (i >= s.size() || !std::isalpha(static_cast<unsigned char>(s[i]))) return std::nullopt;
  t.kind = s[i++];
  if (i >= s.size() || s.size() - i > 9) return std::nullopt;
  std::size_t n = 0;
  for (; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(s[i] - '0');
  }
  t.size = n;
  return t;
}

std::optional<c10::ScalarType> numpy_typestr_to_dtype(const NumpyTypeStr& t) {
  switch (t.kind) {
    case 'f':
      if (t.size == 2) return ScalarType::Half;
      if (t.size == 4) return ScalarType::Float;
      if (t.size == 8) return ScalarType::Double;
      break;
    case 'i':
      if (t.size == 1) return ScalarType::Char;
      if (t.size == 2) return ScalarType::Short;
      if (t.size == 4) return ScalarType::Int;
      if (t.size == 8) return ScalarType::Long;
      break;
    case 'u':
      if (t.size == 1) return ScalarType::Byte;
      break;
    case 'b':
      if (t.size == 1) return ScalarType::Bool;
      break;
    case 'c':
      if (t.size == 8) return ScalarType::ComplexFloat;
      if (t.size == 16) return ScalarType::ComplexDouble;
      break;
    default:
      break;
  }
  return std::nullopt;
}

std::optional<std::string> dtype_to_numpy_typestr(c10::ScalarType dtype) {
  switch (dtype) {
    case ScalarType::Half:
      return std::string("<f2");
    case ScalarType::Float:
      return std::string("<f4");
    case ScalarType::Double:
      return std::string("<f8");
    case ScalarType::Char:
      return std::string("|i1");
    case ScalarType::Short:
      return std::string("<i2");
    case ScalarType::Int:
      return std::string("<i4");
    case ScalarType::Long:
      return std::string("<i8");
    case ScalarType::Byte:
      return std::string("|u1");
    case ScalarType::Bool:
      return std::string("|b1");
    case ScalarType::ComplexFloat:
      return std::string("<c8");
    case ScalarType::ComplexDouble:
      return std::string("<c16");
    default:
      return std::nullopt;
  }
}

std::string dtype_name(c10::ScalarType dtype) {
  switch (dtype) {
    case ScalarType::Float:
      return "float32";
    case ScalarType::Double:
      return "float64";
    case ScalarType::Half:
      return "float16";
    case ScalarType::BFloat16:
      return "bfloat16";
    case ScalarType::Long:
      return "int64";
    case ScalarType::Int:
      return "int32";
    case ScalarType::Short:
      return "int16";
    case ScalarType::Char:
      return "int8";
    case ScalarType::Byte:
      return "uint8";
    case ScalarType::Bool:
      return "bool";
    case ScalarType::ComplexFloat:
      return "complex64";
    case ScalarType::ComplexDouble:
      return "complex128";
    default:
      return c10::toString(dtype);
  }
}

}  // namespace mmcpp::io
