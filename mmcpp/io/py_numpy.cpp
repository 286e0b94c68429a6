// NumpyArray / NumpyScalar conversions (declared in py_object.h).
#include <algorithm>
#include <cstring>

#include <ATen/ops/empty.h>
#include <c10/util/Half.h>

#include "mmcpp/core/error.h"
#include "mmcpp/io/dtypes.h"
#include "mmcpp/io/py_object.h"

namespace mmcpp::io {
namespace {

NumpyTypeStr parse_or_throw(const std::string& dtype) {
  auto t = parse_numpy_typestr(dtype);
  if (!t) throw Error("TypeError", "malformed numpy dtype '" + dtype + "'");
  return *t;
}

// Bytes of one element in little-endian order.
std::string little_endian(const NumpyTypeStr& t, const char* p) {
  std::string b(p, t.itemsize());
  if (t.byteorder == '>') std::reverse(b.begin(), b.end());
  return b;
}

template <typename T>
T read_as(const std::string& le) {
  T v;
  std::memcpy(&v, le.data(), sizeof v);
  return v;
}

}  // namespace

std::int64_t NumpyArray::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::size_t NumpyArray::itemsize() const { return parse_or_throw(dtype).itemsize(); }

at::Tensor NumpyArray::to_tensor() const {
  NumpyTypeStr t = parse_or_throw(dtype);
  auto st = numpy_typestr_to_dtype(t);
  if (!st)
    throw Error("TypeError", "numpy array of dtype '" + dtype + "' has no LibTorch equivalent");
  std::int64_t n = numel();
  if (n < 0 || static_cast<std::size_t>(n) * t.itemsize() != data.size())
    throw Error("ValueError", "numpy array data holds " + std::to_string(data.size()) +
                                  " bytes, expected " + std::to_string(n) + " x " +
                                  std::to_string(t.itemsize()));
  std::vector<std::int64_t> sizes = shape;
  if (fortran_order) std::reverse(sizes.begin(), sizes.end());
  at::Tensor out = at::empty(sizes, at::TensorOptions().dtype(*st));
  auto* dst = static_cast<char*>(out.data_ptr());
  std::memcpy(dst, data.data(), data.size());
  if (t.byteorder == '>' && t.itemsize() > 1) {
    // Complex numbers swap each of their two parts.
    std::size_t unit = t.kind == 'c' ? t.itemsize() / 2 : t.itemsize();
    for (std::size_t i = 0; i < data.size(); i += unit) std::reverse(dst + i, dst + i + unit);
  }
  if (fortran_order && sizes.size() > 1) {
    std::vector<std::int64_t> perm(sizes.size());
    for (std::size_t i = 0; i < perm.size(); ++i)
      perm[i] = static_cast<std::int64_t>(perm.size() - 1 - i);
    out = out.permute(perm).contiguous();
  }
  return out;
}

double NumpyScalar::to_double() const {
  NumpyTypeStr t = parse_or_throw(dtype);
  if (t.kind == 'f') {
    if (data.size() != t.itemsize()) throw Error("ValueError", "numpy scalar data size mismatch");
    std::string le = little_endian(t, data.data());
    if (t.size == 2)
      return static_cast<float>(c10::Half(read_as<std::uint16_t>(le), c10::Half::from_bits()));
    if (t.size == 4) return read_as<float>(le);
    if (t.size == 8) return read_as<double>(le);
    throw Error("TypeError", "numpy scalar of dtype '" + dtype + "' is not convertible to float");
  }
  return static_cast<double>(to_int());
}

std::int64_t NumpyScalar::to_int() const {
  NumpyTypeStr t = parse_or_throw(dtype);
  if ((t.kind != 'i' && t.kind != 'u' && t.kind != 'b') || data.size() != t.itemsize() ||
      (t.size != 1 && t.size != 2 && t.size != 4 && t.size != 8))
    throw Error("TypeError", "numpy scalar of dtype '" + dtype + "' is not an integer");
  std::string le = little_endian(t, data.data());
  bool is_signed = t.kind == 'i';
  switch (t.size) {
    case 1:
      return is_signed ? read_as<std::int8_t>(le) : read_as<std::uint8_t>(le);
    case 2:
      return is_signed ? read_as<std::int16_t>(le) : read_as<std::uint16_t>(le);
    case 4:
      return is_signed ? read_as<std::int32_t>(le)
                       : static_cast<std::int64_t>(read_as<std::uint32_t>(le));
    default:
      return read_as<std::int64_t>(le);
  }
}

at::Tensor NumpyScalar::to_tensor() const {
  NumpyArray a;
  a.dtype = dtype;
  a.data = data;
  return a.to_tensor();
}

}  // namespace mmcpp::io
