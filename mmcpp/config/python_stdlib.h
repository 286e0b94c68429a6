#pragma once

#include <string>

namespace mmcpp::config {

// True when the first component of `dotted` names a CPython standard-library module.
bool is_python_stdlib_module(const std::string& dotted);

}  // namespace mmcpp::config
