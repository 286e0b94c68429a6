// Helpers for tests that compare with the Python implementation's outputs
// (MMCPP_ORACLE_DIR): locating files, decoding the oracle JSON encoding into
// config Values, and strict comparison (int vs float, tuple vs list, key order).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "mmcpp/config/value.h"

namespace mmcpp::testing {

// The oracle directory, or "" when it is absent (tests then skip with a message).
std::string oracle_dir();

nlohmann::ordered_json read_json_file(const std::string& path);

// Oracle encoding: {"__tuple__": [...]}, {"__float__": "nan"}, ints vs floats by
// the presence of '.'/exponent, objects in order.
config::Value decode_oracle_value(const nlohmann::ordered_json& j);

// "" when equal; otherwise the path of the first difference and both values.
// Strict: kinds must match exactly and dict keys must be in the same order.
std::string strict_diff(const config::Value& expected, const config::Value& actual,
                        const std::string& path = "");

}  // namespace mmcpp::testing
