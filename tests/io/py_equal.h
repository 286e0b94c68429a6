// Test helper: deep structural comparison of PyObject graphs (kinds, values,
// dict order and types, tensors by dtype/shape/strides/values, opaque objects).
#pragma once

#include <string>

#include <ATen/ops/equal.h>

#include "mmcpp/io/py_object.h"

namespace mmcpp::io::testing {

// "" when equal, otherwise the path of the first difference.
inline std::string py_diff(const PyObject& a, const PyObject& b, const std::string& path = "root") {
  auto differ = [&](const std::string& what) {
    return path + ": " + what + " (" + a.repr(2, 6) + " vs " + b.repr(2, 6) + ")";
  };
  if (a.kind() != b.kind()) return differ("kind");
  switch (a.kind()) {
    case PyKind::None:
      return "";
    case PyKind::Bool:
      return a.as_bool() == b.as_bool() ? "" : differ("value");
    case PyKind::Int:
      return a.as_int() == b.as_int() ? "" : differ("value");
    case PyKind::BigInt:
      return a.big_int_bytes() == b.big_int_bytes() ? "" : differ("value");
    case PyKind::Float: {
      double x = a.as_float(), y = b.as_float();
      return (x == y || (x != x && y != y)) ? "" : differ("value");
    }
    case PyKind::Str:
      return a.as_str() == b.as_str() ? "" : differ("value");
    case PyKind::Bytes:
      return a.as_bytes() == b.as_bytes() ? "" : differ("value");
    case PyKind::List:
    case PyKind::Tuple:
    case PyKind::Set:
    case PyKind::FrozenSet: {
      if (a.items().size() != b.items().size()) return differ("length");
      for (std::size_t i = 0; i < a.items().size(); ++i) {
        std::string d = py_diff(a.items()[i], b.items()[i], path + "[" + std::to_string(i) + "]");
        if (!d.empty()) return d;
      }
      return "";
    }
    case PyKind::Dict: {
      const PyDict &x = a.as_dict(), &y = b.as_dict();
      if (x.type() != y.type()) return differ("dict type");
      if (x.size() != y.size()) return differ("size");
      for (std::size_t i = 0; i < x.size(); ++i) {
        std::string p = path + "[" + x.entries()[i].first.repr(1, 3) + "]";
        std::string d = py_diff(x.entries()[i].first, y.entries()[i].first, p + "<key>");
        if (d.empty()) d = py_diff(x.entries()[i].second, y.entries()[i].second, p);
        if (!d.empty()) return d;
      }
      return py_diff(x.attrs(), y.attrs(), path + ".attrs");
    }
    case PyKind::Tensor: {
      const at::Tensor &x = a.as_tensor(), &y = b.as_tensor();
      if (x.scalar_type() != y.scalar_type()) return differ("dtype");
      if (x.sizes() != y.sizes()) return differ("shape");
      if (x.strides() != y.strides()) return differ("strides");
      if (x.requires_grad() != y.requires_grad()) return differ("requires_grad");
      if (!at::equal(x.cpu(), y.cpu())) return differ("values");
      return "";
    }
    case PyKind::Global:
      return a.as_global().qualified() == b.as_global().qualified() ? "" : differ("global");
    case PyKind::Object: {
      const PyInstance &x = a.as_object(), &y = b.as_object();
      if (x.cls.qualified() != y.cls.qualified() || x.how != y.how || x.has_state != y.has_state)
        return differ("object class/construction");
      std::string d = py_diff(PyObject::tuple(x.args), PyObject::tuple(y.args), path + ".args");
      if (d.empty()) d = py_diff(x.kwargs, y.kwargs, path + ".kwargs");
      if (d.empty()) d = py_diff(x.state, y.state, path + ".state");
      if (d.empty())
        d = py_diff(PyObject::list(x.list_items), PyObject::list(y.list_items), path + ".items");
      if (d.empty() && x.dict_items.size() != y.dict_items.size()) d = differ("dict items");
      return d;
    }
    case PyKind::NumpyArray: {
      const NumpyArray &x = a.as_numpy_array(), &y = b.as_numpy_array();
      if (x.dtype != y.dtype || x.shape != y.shape || x.fortran_order != y.fortran_order ||
          x.data != y.data)
        return differ("numpy array");
      return "";
    }
    case PyKind::NumpyScalar: {
      const NumpyScalar &x = a.as_numpy_scalar(), &y = b.as_numpy_scalar();
      return x.dtype == y.dtype && x.data == y.data ? "" : differ("numpy scalar");
    }
  }
  return differ("unknown kind");
}

}  // namespace mmcpp::io::testing
