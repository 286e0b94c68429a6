// The textual pre-passes MMEngine applies to a classic config before parsing it.
#pragma once

#include <map>
#include <string>

#include "mmcpp/config/value.h"

namespace mmcpp::config {

// {{ fileDirname }}, {{ fileBasename }}, {{ fileBasenameNoExtension }},
// {{ fileExtname }} (whitespace allowed inside the braces) -> values for `filename`.
std::string substitute_predefined_vars(const std::string& text, const std::string& filename);

// {{$NAME:default}} / {{'$NAME:default'}} -> the environment value, else the
// default; a missing value without default is a KeyError. Records used variables.
std::string substitute_env_vars(const std::string& text, std::map<std::string, std::string>& used);

// {{_base_.a.b}} -> a quoted placeholder string; `placeholders` maps it to "a.b".
std::string pre_substitute_base_vars(const std::string& text,
                                     std::map<std::string, std::string>& placeholders);

// Replace placeholder strings anywhere in `cfg` by the base value at their path.
Value substitute_base_vars(const Value& cfg, const std::map<std::string, std::string>& placeholders,
                           const Value& base);

}  // namespace mmcpp::config
