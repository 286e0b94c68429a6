// Name <-> dtype tables shared by the checkpoint reader and writer: PyTorch's
// legacy storage classes (`torch.FloatStorage`, the type tag inside a
// torch.save persistent id) and NumPy's type strings (`'<f8'`, `'|u1'`).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <c10/core/ScalarType.h>

namespace mmcpp::io {

// "FloatStorage" -> Float, ..., "UntypedStorage" -> Byte. The module part
// (`torch`, `torch.cuda`) is not included. nullopt for unknown names.
std::optional<c10::ScalarType> storage_type_to_dtype(const std::string& name);
// Float -> "FloatStorage" (what torch.save writes). Throws mmcpp::Error for
// dtypes torch 1.13 cannot pickle (quantized, ...).
std::string dtype_to_storage_type(c10::ScalarType dtype);

// A NumPy type string split into its parts: '<f8' -> {'<', 'f', 8}.
struct NumpyTypeStr {
  char byteorder = '|';  // '<', '>', '|' (not applicable) or '=' (native)
  char kind = 'f';       // 'f', 'i', 'u', 'b', 'c', 'U', 'S', 'V', 'O', 'M', 'm'
  std::size_t size = 0;  // the number in the string (chars for 'U')
  // Bytes per element ('U' stores UCS-4: 4 bytes per char).
  std::size_t itemsize() const { return kind == 'U' ? size * 4 : size; }
  std::string str() const;  // '<f8'
};
// Parses '<f8', 'f8', '|b1', '<U3'. nullopt when malformed.
std::optional<NumpyTypeStr> parse_numpy_typestr(const std::string& s);

// '<f8' -> Double, '|u1' -> Byte, '|b1' -> Bool; nullopt for types without a
// LibTorch equivalent (uint16/32/64, strings, objects, datetimes).
std::optional<c10::ScalarType> numpy_typestr_to_dtype(const NumpyTypeStr& t);
// Double -> '<f8'. nullopt for BFloat16 and others NumPy lacks.
std::optional<std::string> dtype_to_numpy_typestr(c10::ScalarType dtype);

// Python-side name of a dtype as `str(torch.float32)` without "torch.": "float32".
std::string dtype_name(c10::ScalarType dtype);

}  // namespace mmcpp::io
