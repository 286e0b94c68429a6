// Helpers for tests that compare with the Python implementation's outputs
// (MMCPP_ORACLE_DIR): locating files, decoding the oracle JSON encoding into
// config Values, and strict comparison (int vs float, tuple vs list, key order).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mmcpp/config/value.h"

namespace mmcpp::testing {

// The oracle directory: $MMCPP_ORACLE_DIR when set and not empty, else the
// build's default (CMake's MMCPP_ORACLE_DIR), so one build can be pointed at
// another oracle folder without recompiling. Throws a FileNotFoundError naming
// the folder and how to set it when it is not a directory: an oracle test that
// calls it fails (never skips) without its data.
std::string oracle_dir();
// oracle_dir() + "/" + sub, with the same check on the subfolder.
std::string oracle_dir(const std::string& sub);

// The *.json files directly in `dir`, sorted by name (full paths).
std::vector<std::string> json_files(const std::string& dir);

nlohmann::ordered_json read_json_file(const std::string& path);

// Oracle encoding: {"__tuple__": [...]}, {"__float__": "nan"}, ints vs floats by
// the presence of '.'/exponent, objects in order.
config::Value decode_oracle_value(const nlohmann::ordered_json& j);

// "" when equal; otherwise the path of the first difference and both values.
// Strict: kinds must match exactly and dict keys must be in the same order.
std::string strict_diff(const config::Value& expected, const config::Value& actual,
                        const std::string& path = "");

}  // namespace mmcpp::testing
