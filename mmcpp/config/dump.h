// Serialising config values: Python pretty text (MMEngine's Config.pretty_text
// layout), JSON and YAML; and reading JSON/YAML config files into Values.
#pragma once

#include <string>

#include "mmcpp/config/value.h"

namespace mmcpp::config {

// Python source for a top-level config dict: one `key = value` line per key,
// keys sorted, nested dicts as `dict(k=v, ...)` (or `{'k': v}` when a key is not
// an identifier), strings with repr quoting, wrapped at 79 columns.
// Loading the text back gives an equal tree.
std::string dump_python(const Value& top_level_dict);

// JSON with 4-space indent, as mmengine.dump(..., 'json'); tuples become arrays.
// NaN/inf are written as NaN/Infinity/-Infinity like Python's json module.
std::string dump_json(const Value& v);

// A str as a JSON string literal (json.dumps, ensure_ascii) and a float as
// Python's json writes it (repr digits, NaN, Infinity). Shared by every JSON writer.
std::string json_quote(const std::string& s);
std::string json_float_text(double d);

// YAML block style, as yaml.dump(sort_keys=False) roughly does; tuples as lists.
std::string dump_yaml(const Value& v);

// Parse a JSON document (object keys kept in order; ints stay ints, numbers with
// '.' or an exponent become floats). `filename` is used in error messages, which
// give line:col. Accepts NaN/Infinity like Python's json.
Value parse_json(const std::string& text, const std::string& filename);

// Parse a YAML document with YAML 1.1 scalar resolution as PyYAML's SafeLoader
// does (yes/no/on/off stay... see implementation notes), mappings in order.
Value parse_yaml(const std::string& text, const std::string& filename);

}  // namespace mmcpp::config
