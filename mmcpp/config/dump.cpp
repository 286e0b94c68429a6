// Writers for config values: Python source (Config.pretty_text), JSON and YAML.
#include "mmcpp/config/dump.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/core/string_escape.h"

namespace mmcpp::config {
namespace {

// ---------------------------------------------------------------------------
// Shared helpers

std::string pad(int n) { return std::string(static_cast<std::size_t>(n), ' '); }

[[noreturn]] void not_serializable(const Value& v, const char* format) {
  throw Error("TypeError", std::string("Object of type ") + v.type_name() + " is not " + format +
                               " serializable: " + v.repr());
}

// Dict entries ordered as sorted(d.items(), key=lambda x: str(x[0])) does.
std::vector<const Dict::Entry*> sorted_entries(const Dict& d) {
  std::vector<std::pair<std::string, const Dict::Entry*>> keyed;
  for (const auto& e : d.entries()) keyed.emplace_back(e.first.str(), &e);
  // Stable, as Python's sort is; UTF-8 byte order is code point order.
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const Dict::Entry*> out;
  for (const auto& k : keyed) out.push_back(k.second);
  return out;
}

// ---------------------------------------------------------------------------
// Python (pretty_text)

constexpr int kPyWidth = 79;

bool is_py_keyword(std::string_view s) {
  static const char* const kKeywords[] = {
      "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
      "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
      "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
      "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};
  for (const char* k : kKeywords)
    if (s == k) return true;
  return false;
}

// Usable as a keyword argument (`dict(k=...)`) or a top-level variable. Only
// ASCII identifiers: non-ASCII keys take the `{'k': v}` form, which always works;
// keywords too, where MMEngine would write `dict(class=...)`, which is no Python.
bool is_py_name(const Value& key) {
  if (!key.is_str()) return false;
  const std::string& s = key.as_str();
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (unsigned char c : s)
    if (c >= 0x80 || !(std::isalnum(c) || c == '_')) return false;
  return !is_py_keyword(s);
}

std::string py_float(double d) {
  if (std::isnan(d)) return "float('nan')";
  if (std::isinf(d)) return d > 0 ? "float('inf')" : "float('-inf')";
  return float_repr(d);
}

// MMEngine ends every list/tuple item with a comma, and yapf then puts each item
// of such a container on its own line (its "ending comma heuristic"); a 1-tuple
// `(x, )` has a single comma and is exempt.
bool forces_split(const Value& v) {
  switch (v.kind()) {
    case Kind::List:
      return !v.items().empty();
    case Kind::Tuple:
      if (v.items().size() >= 2) return true;
      return !v.items().empty() && forces_split(v.items()[0]);
    case Kind::Set:
      for (const auto& x : v.items())
        if (forces_split(x)) return true;
      return false;
    case Kind::Dict:
      for (const auto& [k, x] : v.as_dict().entries())
        if (forces_split(x)) return true;
      return false;
    default:
      return false;
  }
}

std::string py_flat(const Value& v);

std::string py_key(const Value& k) { return k.is_str() ? str_repr(k.as_str()) : py_flat(k); }

bool py_identifier_keys(const Dict& d) {
  for (const auto& e : d.entries())
    if (!is_py_name(e.first)) return false;
  return true;
}

// The text of one `k=v` / `'k': v` item's key part.
std::string py_item_prefix(const Value& k, bool identifiers) {
  return identifiers ? k.as_str() + "=" : py_key(k) + ": ";
}

// Everything on one line.
std::string py_flat(const Value& v) {
  switch (v.kind()) {
    case Kind::None:
      return "None";
    case Kind::Bool:
      return v.as_bool() ? "True" : "False";
    case Kind::Int:
      return std::to_string(v.as_int());
    case Kind::Float:
      return py_float(v.as_float());
    case Kind::Str:
      return str_repr(v.as_str());
    case Kind::Lazy:
      return str_repr(v.as_lazy().dotted());
    case Kind::Callable:
      not_serializable(v, "Python");
    case Kind::List:
    case Kind::Tuple:
    case Kind::Set: {
      const auto& items = v.items();
      if (v.is_set() && items.empty()) return "set()";
      std::string out = v.is_list() ? "[" : v.is_tuple() ? "(" : "{";
      for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + py_flat(items[i]);
      if (v.is_tuple() && items.size() == 1) out += ", ";
      return out + (v.is_list() ? "]" : v.is_tuple() ? ")" : "}");
    }
    case Kind::Dict: {
      const Dict& d = v.as_dict();
      bool ident = py_identifier_keys(d);
      std::string out = ident ? "dict(" : "{";
      bool first = true;
      for (const Dict::Entry* e : sorted_entries(d)) {
        if (!first) out += ", ";
        first = false;
        out += py_item_prefix(e->first, ident) + py_flat(e->second);
      }
      return out + (ident ? ")" : "}");
    }
  }
  return "None";
}

// Lays `v` out starting at column `col` of a line indented by `indent`, with
// `trail` characters that must still fit after it on its last line.
std::string py_layout(const Value& v, int indent, int col, int trail) {
  bool split = forces_split(v);
  bool container = (v.is_sequence() || v.is_set() || v.is_dict());
  if (!split) {
    std::string flat = py_flat(v);
    bool empty = container && (v.is_dict() ? v.as_dict().empty() : v.items().empty());
    if (!container || empty || col + static_cast<int>(flat.size()) + trail <= kPyWidth) return flat;
  }
  int inner = indent + 4;
  if (v.is_sequence()) {
    // One item per line with trailing commas, closing bracket on its own line.
    std::string out = v.is_list() ? "[\n" : "(\n";
    for (const auto& item : v.items()) out += pad(inner) + py_layout(item, inner, inner, 1) + ",\n";
    return out + pad(indent) + (v.is_list() ? "]" : ")");
  }
  // Dicts and sets: yapf's pep8 style first tries all items on one continuation
  // line, else one item per line; the closing bracket stays on the last item.
  std::vector<std::pair<std::string, const Value*>> items;  // (prefix, value)
  std::string open = "{", close = "}";
  if (v.is_dict()) {
    bool ident = py_identifier_keys(v.as_dict());
    if (ident) open = "dict(", close = ")";
    for (const Dict::Entry* e : sorted_entries(v.as_dict()))
      items.emplace_back(py_item_prefix(e->first, ident), &e->second);
  } else {
    for (const auto& x : v.items()) items.emplace_back("", &x);
  }
  if (!split) {
    std::string line;
    for (std::size_t i = 0; i < items.size(); ++i)
      line += (i ? ", " : "") + items[i].first + py_flat(*items[i].second);
    if (inner + static_cast<int>(line.size() + close.size()) + trail <= kPyWidth)
      return open + "\n" + pad(inner) + line + close;
  }
  std::string out = open + "\n";
  for (std::size_t i = 0; i < items.size(); ++i) {
    bool last = i + 1 == items.size();
    const std::string& prefix = items[i].first;
    int item_trail = last ? static_cast<int>(close.size()) + trail : 1;
    out += pad(inner) + prefix +
           py_layout(*items[i].second, inner, inner + static_cast<int>(prefix.size()), item_trail) +
           (last ? close : ",\n");
  }
  return out;
}

// ---------------------------------------------------------------------------
// JSON

void json_string(std::string_view s, std::string& out) {
  out += quote_escaped(s, Escaping::kJson, '"');
}

std::string json_float(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return float_repr(d);
}

// Python's json turns int/float/bool/None keys into strings and rejects others.
std::string json_key(const Value& k) {
  switch (k.kind()) {
    case Kind::Str:
      return k.as_str();
    case Kind::Int:
      return std::to_string(k.as_int());
    case Kind::Float:
      return json_float(k.as_float());
    case Kind::Bool:
      return k.as_bool() ? "true" : "false";
    case Kind::None:
      return "null";
    case Kind::Lazy:
      return k.as_lazy().dotted();
    default:
      throw Error("TypeError", "keys must be str, int, float, bool or None, not " + k.type_name());
  }
}

void json_value(const Value& v, int indent, std::string& out) {
  switch (v.kind()) {
    case Kind::None:
      out += "null";
      return;
    case Kind::Bool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Kind::Int:
      out += std::to_string(v.as_int());
      return;
    case Kind::Float:
      out += json_float(v.as_float());
      return;
    case Kind::Str:
      json_string(v.as_str(), out);
      return;
    case Kind::Lazy:
      json_string(v.as_lazy().dotted(), out);
      return;
    case Kind::Callable:
      not_serializable(v, "JSON");
    case Kind::List:
    case Kind::Tuple:
    case Kind::Set: {
      const auto& items = v.items();
      if (items.empty()) {
        out += "[]";
        return;
      }
      out += "[";
      for (std::size_t i = 0; i < items.size(); ++i) {
        out += (i ? ",\n" : "\n") + pad(indent + 4);
        json_value(items[i], indent + 4, out);
      }
      out += "\n" + pad(indent) + "]";
      return;
    }
    case Kind::Dict: {
      const auto& entries = v.as_dict().entries();
      if (entries.empty()) {
        out += "{}";
        return;
      }
      out += "{";
      for (std::size_t i = 0; i < entries.size(); ++i) {
        out += (i ? ",\n" : "\n") + pad(indent + 4);
        json_string(json_key(entries[i].first), out);
        out += ": ";
        json_value(entries[i].second, indent + 4, out);
      }
      out += "\n" + pad(indent) + "}";
      return;
    }
  }
}

// ---------------------------------------------------------------------------
// YAML

// PyYAML's float representer: repr() lowered, with `.0` put into an exponent
// form without a point (`1e-05` -> `1.0e-05`) so that YAML 1.1 reads a float.
std::string yaml_float(double d) {
  if (std::isnan(d)) return ".nan";
  if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
  std::string s = float_repr(d);
  auto e = s.find('e');
  if (e != std::string::npos && s.find('.') == std::string::npos) s.insert(e, ".0");
  return s;
}

std::string yaml_double_quoted(std::string_view s) {
  return quote_escaped(s, Escaping::kYaml, '"');
}

bool starts_like_timestamp(const std::string& s) {
  // PyYAML reads `2020-01-01...` as a date; we quote anything that starts so.
  if (s.size() < 8) return false;
  for (int i = 0; i < 4; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return s[4] == '-' && std::isdigit(static_cast<unsigned char>(s[5]));
}

// A string can go unquoted when a YAML 1.1 reader gives back the same string.
bool yaml_plain_ok(const std::string& s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
  if (std::strchr("-?:,[]{}#&*!|>'\"%@`", s.front())) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x7f) return false;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return false;
  if (starts_like_timestamp(s)) return false;
  // Anything the resolver would turn into null/bool/int/float must be quoted.
  try {
    Value back = parse_yaml(s, "<dump>");
    return back.is_str() && back.as_str() == s;
  } catch (const Error&) {
    return false;
  }
}

std::string yaml_string(const std::string& s) {
  if (yaml_plain_ok(s)) return s;
  bool simple = true;
  for (unsigned char c : s) simple = simple && c >= 0x20 && c < 0x7f;
  if (!simple) return yaml_double_quoted(s);
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

bool yaml_block(const Value& v) {
  if (v.is_dict()) return !v.as_dict().empty();
  return (v.is_sequence() || v.is_set()) && !v.items().empty();
}

std::string yaml_scalar(const Value& v) {
  switch (v.kind()) {
    case Kind::None:
      return "null";
    case Kind::Bool:
      return v.as_bool() ? "true" : "false";
    case Kind::Int:
      return std::to_string(v.as_int());
    case Kind::Float:
      return yaml_float(v.as_float());
    case Kind::Str:
      return yaml_string(v.as_str());
    case Kind::Lazy:
      return yaml_string(v.as_lazy().dotted());
    case Kind::Dict:
      return "{}";  // only empty ones get here
    case Kind::List:
    case Kind::Tuple:
    case Kind::Set:
      return "[]";
    case Kind::Callable:
      break;
  }
  not_serializable(v, "YAML");
}

void yaml_seq(const Value::Items& items, int indent, bool inline_first, std::string& out);

// Mapping lines at `indent`; with inline_first the first line is already placed
// (after a sequence's "- ").
void yaml_map(const Dict& d, int indent, bool inline_first, std::string& out) {
  bool first = true;
  for (const auto& [k, v] : d.entries()) {
    if (!(first && inline_first)) out += pad(indent);
    first = false;
    if (k.is_sequence() || k.is_set() || k.is_dict())
      throw Error("TypeError", "cannot write a " + k.type_name() + " key in YAML");
    std::string key = yaml_scalar(k);
    // Implicit keys end at 1024 characters; longer ones need the `? key` form.
    bool explicit_key = key.size() > 1000;
    out += explicit_key ? "? " + key + "\n" + pad(indent) + ":" : key + ":";
    if (v.is_dict() && yaml_block(v)) {
      out += "\n";
      yaml_map(v.as_dict(), indent + 2, false, out);
    } else if (yaml_block(v)) {
      out += "\n";
      // PyYAML does not indent a sequence under a key.
      yaml_seq(v.items(), explicit_key ? indent + 2 : indent, false, out);
    } else {
      out += " " + yaml_scalar(v) + "\n";
    }
  }
}

void yaml_seq(const Value::Items& items, int indent, bool inline_first, std::string& out) {
  bool first = true;
  for (const auto& v : items) {
    if (!(first && inline_first)) out += pad(indent);
    first = false;
    out += "- ";
    if (v.is_dict() && yaml_block(v))
      yaml_map(v.as_dict(), indent + 2, true, out);
    else if (yaml_block(v))
      yaml_seq(v.items(), indent + 2, true, out);
    else
      out += yaml_scalar(v) + "\n";
  }
}

}  // namespace

std::string dump_python(const Value& top_level_dict) {
  if (!top_level_dict.is_dict())
    throw Error("TypeError", "dump_python needs a dict, got " + top_level_dict.type_name());
  std::string out;
  for (const Dict::Entry* e : sorted_entries(top_level_dict.as_dict())) {
    if (!is_py_name(e->first))
      throw Error("ValueError", "config key " + e->first.repr() +
                                    " is not a Python identifier and cannot be written as a "
                                    "top-level variable");
    const std::string& key = e->first.as_str();
    out += key + " = " + py_layout(e->second, 0, static_cast<int>(key.size()) + 3, 0) + "\n";
  }
  return out;
}

std::string json_quote(const std::string& s) {
  std::string out;
  json_string(s, out);
  return out;
}

std::string json_float_text(double d) { return json_float(d); }

std::string dump_json(const Value& v) {
  std::string out;
  json_value(v, 0, out);
  return out;
}

std::string dump_yaml(const Value& v) {
  std::string out;
  if (v.is_dict() && yaml_block(v))
    yaml_map(v.as_dict(), 0, false, out);
  else if (yaml_block(v))
    yaml_seq(v.items(), 0, false, out);
  else
    out = yaml_scalar(v) + "\n";
  return out;
}

}  // namespace mmcpp::config
