// Round trip of a loaded config through its Python text: shared by the
// fixture test and the oracle-tree test.
#pragma once

#include <algorithm>
#include <string>

#include "mmcpp/config/config.h"
#include "tests/support/oracle.h"

namespace mmcpp::config::test {

// A copy with every dict's keys sorted by str(key), as pretty_text writes them.
inline Value sorted_keys(const Value& v) {
  if (v.is_dict()) {
    auto entries = v.as_dict().entries();
    std::stable_sort(
        entries.begin(), entries.end(),
        [](const Dict::Entry& a, const Dict::Entry& b) { return a.first.str() < b.first.str(); });
    Value out = Value::dict(v.is_config_dict());
    for (auto& [k, x] : entries) out.as_dict().set(k, sorted_keys(x));
    return out;
  }
  if (v.is_list() || v.is_tuple()) {
    Value::Items items;
    for (const auto& x : v.items()) items.push_back(sorted_keys(x));
    return v.is_list() ? Value::list(std::move(items)) : Value::tuple(std::move(items));
  }
  return v;
}

// "" when `Config::fromstring(cfg.pretty_text(), ".py").to_dict()` equals
// `cfg.to_dict()` strictly (kinds exact; key order as pretty_text sorts it);
// otherwise the first difference, or the error reloading the text raised.
inline std::string roundtrip_diff(const Config& cfg) {
  std::string text = cfg.pretty_text();
  try {
    Value again = Config::fromstring(text, ".py").to_dict();
    std::string diff = testing::strict_diff(sorted_keys(cfg.to_dict()), again);
    return diff.empty() ? "" : diff + "\n--- text ---\n" + text;
  } catch (const Error& e) {
    return std::string("reloading the text raised ") + e.kind() + ": " + e.what() +
           "\n--- text ---\n" + text;
  }
}

}  // namespace mmcpp::config::test
