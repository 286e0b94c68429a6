// list/tuple, dict/ConfigDict and set methods with Python semantics.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <set>

#include "mmcpp/config/builtins_support.h"

namespace mmcpp::config::detail {

Value list_method(Value self, const std::string& name, Args& a) {
  auto& items = self.items();
  bool is_list = self.is_list();
  if (name == "index") {
    arity(a, name, 1, 1);
    for (std::size_t i = 0; i < items.size(); ++i)
      if (items[i].equals(a.positional[0])) return Value(static_cast<std::int64_t>(i));
    throw Error("ValueError", a.positional[0].repr() + " is not in " + self.type_name());
  }
  if (name == "count") {
    arity(a, name, 1, 1);
    std::int64_t n = 0;
    for (auto& v : items) n += v.equals(a.positional[0]);
    return Value(n);
  }
  if (!is_list)
    throw Error("AttributeError",
                "'" + self.type_name() + "' object has no attribute '" + name + "'");
  if (name == "append") {
    arity(a, name, 1, 1);
    items.push_back(a.positional[0]);
    return Value();
  }
  if (name == "extend") {
    arity(a, name, 1, 1);
    for (auto& v : iterate(a.positional[0])) items.push_back(v);
    return Value();
  }
  if (name == "insert") {
    arity(a, name, 2, 2);
    std::int64_t i = a.positional[0].as_int(), n = static_cast<std::int64_t>(items.size());
    if (i < 0) i = std::max<std::int64_t>(0, i + n);
    i = std::min(i, n);
    items.insert(items.begin() + i, a.positional[1]);
    return Value();
  }
  if (name == "pop") {
    arity(a, name, 0, 1);
    if (items.empty()) throw Error("IndexError", "pop from empty list");
    std::int64_t n = static_cast<std::int64_t>(items.size());
    std::int64_t i = a.positional.empty() ? n - 1 : a.positional[0].as_int();
    if (i < 0) i += n;
    if (i < 0 || i >= n) throw Error("IndexError", "pop index out of range");
    Value v = items[static_cast<std::size_t>(i)];
    items.erase(items.begin() + i);
    return v;
  }
  if (name == "remove") {
    arity(a, name, 1, 1);
    for (auto it = items.begin(); it != items.end(); ++it)
      if (it->equals(a.positional[0])) {
        items.erase(it);
        return Value();
      }
    throw Error("ValueError", "list.remove(x): x not in list");
  }
  if (name == "copy") return Value::list(items);
  if (name == "clear") {
    items.clear();
    return Value();
  }
  if (name == "reverse") {
    std::reverse(items.begin(), items.end());
    return Value();
  }
  if (name == "sort") {
    only_keywords(a, name, {"reverse"});
    std::stable_sort(items.begin(), items.end(), less_than);
    const Value* rev = keyword(a, "reverse");
    if (rev && rev->truthy()) std::reverse(items.begin(), items.end());
    return Value();
  }
  throw Error("AttributeError", "'list' object has no attribute '" + name + "'");
}

Value dict_method(Value self, const std::string& name, Args& a) {
  Dict& d = self.as_dict();
  bool cfg = self.is_config_dict();
  if (name == "get") {
    arity(a, name, 1, 2);
    const Value* v = d.find(a.positional[0]);
    return v ? *v : a.positional.size() > 1 ? a.positional[1] : Value();
  }
  if (name == "update") {
    arity(a, name, 0, 1);
    if (!a.positional.empty()) {
      const Value& src = a.positional[0];
      if (src.is_dict()) {
        dict_update(self, src);
      } else {
        Args pairs;
        pairs.positional.push_back(src);
        dict_update(self, dict_from_args(pairs, false));
      }
    }
    if (!a.keywords.empty()) {
      Value kw = Value::dict(false);
      for (auto& [k, v] : a.keywords) kw.as_dict().set(Value(k), v);
      dict_update(self, kw);
    }
    return Value();
  }
  if (name == "merge" && cfg) {
    arity(a, name, 1, 1);
    config_dict_merge(self, a.positional[0]);
    return Value();
  }
  if (name == "copy") {
    arity(a, name, 0, 0);
    return shallow_copy(self);
  }
  if (name == "keys" || name == "values" || name == "items") {
    arity(a, name, 0, 0);
    Value::Items out;
    for (auto& [k, v] : d.entries())
      out.push_back(name == "keys" ? k : name == "values" ? v : Value::tuple({k, v}));
    return Value::list(std::move(out));
  }
  if (name == "pop") {
    arity(a, name, 1, 2);
    const Value* v = d.find(a.positional[0]);
    if (v) {
      Value out = *v;
      d.erase(a.positional[0]);
      return out;
    }
    if (a.positional.size() > 1) return a.positional[1];
    if (cfg) return Value();  // ConfigDict.pop(key, default=None)
    throw Error("KeyError", a.positional[0].repr());
  }
  if (name == "setdefault") {
    arity(a, name, 1, 2);
    if (const Value* v = d.find(a.positional[0])) return *v;
    Value dflt = a.positional.size() > 1 ? a.positional[1] : Value();
    dict_set(self, a.positional[0], dflt);
    // The default itself, even where a ConfigDict stored a converted copy
    // (addict's setdefault returns its argument).
    return dflt;
  }
  if (name == "clear") {
    d.clear();
    return Value();
  }
  if (name == "popitem") {
    if (d.empty()) throw Error("KeyError", "'popitem(): dictionary is empty'");
    auto e = d.entries().back();
    d.entries().pop_back();
    return Value::tuple({e.first, e.second});
  }
  if (name == "to_dict" && cfg) return self.deep_copy();
  throw Error("AttributeError",
              "'" + self.type_name() + "' object has no attribute '" + name + "'");
}

Value set_method(Value self, const std::string& name, Args& a) {
  if (name == "add") {
    arity(a, name, 1, 1);
    Value merged = binary_op("|", self, Value::set({a.positional[0]}));
    self.items() = merged.items();
    return Value();
  }
  if (name == "update" || name == "union") {
    Value acc = name == "union" ? Value::set(self.items()) : self;
    for (auto& p : a.positional) {
      Value merged = binary_op("|", acc, Value::set(iterate(p)));
      acc.items() = merged.items();
    }
    return name == "union" ? acc : Value();
  }
  if (name == "copy") return Value::set(self.items());
  if (name == "discard" || name == "remove") {
    arity(a, name, 1, 1);
    auto& items = self.items();
    for (auto it = items.begin(); it != items.end(); ++it)
      if (it->equals(a.positional[0])) {
        items.erase(it);
        return Value();
      }
    if (name == "remove") throw Error("KeyError", a.positional[0].repr());
    return Value();
  }
  throw Error("AttributeError", "'set' object has no attribute '" + name + "'");
}

}  // namespace mmcpp::config::detail
