// The unpickler's security policy and the C++ implementations of the Python
// callables a checkpoint may use (internal to pickle_reader).
#pragma once

#include <cstddef>
#include <string>

#include "mmcpp/io/pickle_reader.h"
#include "mmcpp/io/py_object.h"

namespace mmcpp::io::detail {

// Where the unpickler is, for error messages.
struct Site {
  const std::string& source;
  std::size_t pos;  // offset of the current opcode
  const PickleOptions& options;
  std::string where() const;  // "in <source> at byte N"
};

// UnpicklingError at the site: "<message> in <source> at byte N".
[[noreturn]] void fail(const Site& site, const std::string& message);

// Why module.name may not appear in a checkpoint, or "" when it may.
std::string allowed_global_problem(const std::string& module, const std::string& name);
// GLOBAL / STACK_GLOBAL / INST: a placeholder for module.name, or "forbidden
// global" for modules and names that do not belong in a checkpoint.
PyObject find_global(const std::string& module, const std::string& name, const Site& site);
// REDUCE (and INST/OBJ): callable(*args).
PyObject call(const PyObject& callable, PyObject::Items args, const Site& site);
// NEWOBJ / NEWOBJ_EX: cls.__new__(cls, *args, **kwargs).
PyObject new_object(const PyObject& cls, PyObject::Items args, PyObject kwargs, Construction how,
                    const Site& site);
// BUILD: obj.__setstate__(state) (or __dict__.update).
void build(PyObject& obj, PyObject state, const Site& site);

// The type string ('<f8') of a pickled numpy.dtype placeholder, or "" when it
// is not a plain bool/int/float/complex/str dtype (object, structured, ...).
std::string numpy_dtype_typestr(const PyObject& dtype);

}  // namespace mmcpp::io::detail
