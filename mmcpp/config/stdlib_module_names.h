// The names of CPython's standard-library modules (is_python_stdlib_module), by
// which MMEngine tells a classic config from a pure-Python one. The modules a
// config may actually import are implemented in native_modules.cpp.
#pragma once

#include <string>

namespace mmcpp::config {

// True when the first component of `dotted` names a CPython standard-library module.
bool is_python_stdlib_module(const std::string& dotted);

}  // namespace mmcpp::config
