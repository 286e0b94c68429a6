#include "mmcpp/config/interpreter.h"

#include <algorithm>

#include "mmcpp/core/suggest.h"

namespace mmcpp::config {
namespace {

// Evaluation limits: a config is data, so these are far beyond any real file and
// only stop runaway loops (fuzzed or mistaken input) with a clear error.
constexpr std::size_t kMaxSteps = 20'000'000;
constexpr std::size_t kMaxScopes = 100;

std::int64_t normalize_index(std::int64_t i, std::size_t n) {
  return i < 0 ? i + static_cast<std::int64_t>(n) : i;
}

Value subscript_get(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Kind::Dict: {
      const Value* v = obj.as_dict().find(key);
      if (!v) throw Error("KeyError", key.repr());
      return *v;
    }
    case Kind::List:
    case Kind::Tuple: {
      if (!key.is_int() && !key.is_bool())
        throw Error("TypeError", obj.type_name() + " indices must be integers or slices, not " +
                                     key.type_name());
      const auto& it = obj.items();
      std::int64_t i = normalize_index(key.as_int(), it.size());
      if (i < 0 || i >= static_cast<std::int64_t>(it.size()))
        throw Error("IndexError", obj.type_name() + " index out of range");
      return it[static_cast<std::size_t>(i)];
    }
    case Kind::Str: {
      if (!key.is_int() && !key.is_bool())
        throw Error("TypeError", "string indices must be integers");
      auto chars = iterate(obj);  // characters, not UTF-8 bytes
      std::int64_t i = normalize_index(key.as_int(), chars.size());
      if (i < 0 || i >= static_cast<std::int64_t>(chars.size()))
        throw Error("IndexError", "string index out of range");
      return chars[static_cast<std::size_t>(i)];
    }
    default:
      throw Error("TypeError", "'" + obj.type_name() + "' object is not subscriptable");
  }
}

// Python slice indices for a sequence of length n.
std::vector<std::size_t> slice_indices(const Value& lo, const Value& hi, const Value& st,
                                       std::size_t n) {
  auto as_idx = [](const Value& v) {
    if (!v.is_int() && !v.is_bool())
      throw Error("TypeError", "slice indices must be integers or None");
    return v.as_int();
  };
  std::int64_t step = st.is_none() ? 1 : as_idx(st);
  if (step == 0) throw Error("ValueError", "slice step cannot be zero");
  std::int64_t len = static_cast<std::int64_t>(n);
  auto clamp = [&](const Value& v, std::int64_t dflt) {
    if (v.is_none()) return dflt;
    std::int64_t i = as_idx(v);
    if (i < 0) i += len;
    if (step > 0) return std::clamp<std::int64_t>(i, 0, len);
    return std::clamp<std::int64_t>(i, -1, len - 1);
  };
  std::int64_t start = clamp(lo, step > 0 ? 0 : len - 1);
  std::int64_t stop = clamp(hi, step > 0 ? len : -1);
  std::vector<std::size_t> out;
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
    out.push_back(static_cast<std::size_t>(i));
  return out;
}

Value slice_get(const Value& obj, const Value& lo, const Value& hi, const Value& st) {
  if (obj.is_str()) {
    auto chars = iterate(obj);  // characters, not UTF-8 bytes
    std::string out;
    for (std::size_t i : slice_indices(lo, hi, st, chars.size())) out += chars[i].as_str();
    return Value(out);
  }
  if (!obj.is_sequence())
    throw Error("TypeError", "'" + obj.type_name() + "' object is not subscriptable");
  Value::Items out;
  for (std::size_t i : slice_indices(lo, hi, st, obj.items().size())) out.push_back(obj.items()[i]);
  return obj.is_list() ? Value::list(std::move(out)) : Value::tuple(std::move(out));
}

}  // namespace

Interpreter::Interpreter(const SourceText& source, Value globals, ImportHandler on_import)
    : src_(source), globals_(std::move(globals)), on_import_(std::move(on_import)) {}

void Interpreter::fail(const std::string& kind, const std::string& message, Loc where) const {
  src_.fail(kind, message, where.line, where.column);
}

void Interpreter::step() {
  if (++steps_ > kMaxSteps)
    throw Error("RuntimeError", "config evaluation exceeded " + std::to_string(kMaxSteps) +
                                    " steps (an endless or huge loop?)");
}

void Interpreter::bind(const std::string& name, Value v) {
  globals_.as_dict().set(Value(name), std::move(v));
}

void Interpreter::run(const Module& module) { run(module.body); }

void Interpreter::run(const Body& body) {
  Flow f = exec_body(body);
  (void)f;
}

Interpreter::Flow Interpreter::exec_body(const Body& body) {
  for (const auto& s : body) {
    Flow f = exec(*s);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec(const Stmt& s) {
  step();
  try {
    switch (s.kind) {
      case StmtKind::Expr:
        eval(*s.value);
        return Flow::Normal;
      case StmtKind::Assign: {
        Value v = eval(*s.value);
        for (const auto& t : s.targets) assign(*t, v);
        return Flow::Normal;
      }
      case StmtKind::AugAssign: {
        Value cur = eval(*s.target);
        Value rhs = eval(*s.value);
        Value res;
        // Lists extend in place (`x += [..]` mutates the shared object).
        if (s.op == "+" && cur.is_list()) {
          for (auto& v : iterate(rhs)) cur.items().push_back(v);
          res = cur;
        } else {
          res = binary_op(s.op, cur, rhs);
        }
        assign(*s.target, res);
        return Flow::Normal;
      }
      case StmtKind::AnnAssign:
        if (s.value) assign(*s.target, eval(*s.value));
        return Flow::Normal;
      case StmtKind::If:
        if (eval(*s.value).truthy()) return exec_body(s.body);
        return exec_body(s.orelse);
      case StmtKind::For: {
        for (auto& item : iterate_at(eval(*s.value), s.value->loc)) {
          step();
          assign(*s.target, item);
          Flow f = exec_body(s.body);
          if (f == Flow::Break) return Flow::Normal;
        }
        return exec_body(s.orelse);
      }
      case StmtKind::Import:
      case StmtKind::ImportFrom:
        on_import_(s, *this);
        return Flow::Normal;
      case StmtKind::Pass:
        return Flow::Normal;
      case StmtKind::Break:
        return Flow::Break;
      case StmtKind::Continue:
        return Flow::Continue;
      case StmtKind::Delete:
        for (const auto& t : s.targets) del(*t);
        return Flow::Normal;
      case StmtKind::Assert:
        if (!eval(*s.value).truthy())
          fail("AssertionError", s.extra ? eval(*s.extra).str() : "assertion failed", s.loc);
        return Flow::Normal;
      case StmtKind::With:
        fail("ConfigParsingError", "Only `read_base` context manager can be used in the config",
             s.loc);
      case StmtKind::Unsupported:
        fail("SyntaxError",
             "'" + s.op +
                 "' is not supported in mmcpp configs (configs are data: only "
                 "assignments, expressions, if/for and imports of base configs run)",
             s.loc);
    }
  } catch (const SourceError&) {
    throw;
  } catch (const Error& e) {
    fail(e.kind(), e.what(), s.loc);
  }
  return Flow::Normal;
}

Value Interpreter::eval(const Expr& e) {
  try {
    return eval_inner(e);
  } catch (const SourceError&) {
    throw;
  } catch (const Error& err) {
    fail(err.kind(), err.what(), e.loc);
  } catch (const std::bad_alloc&) {
    fail("MemoryError", "out of memory while evaluating the config", e.loc);
  }
}

std::vector<Value> Interpreter::iterate_at(const Value& v, Loc where) const {
  try {
    return iterate(v);
  } catch (const SourceError&) {
    throw;
  } catch (const Error& e) {
    fail(e.kind(), e.what(), where);
  }
}

Value Interpreter::lookup(const std::string& name, Loc where) {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    auto f = it->find(name);
    if (f != it->end()) return f->second;
  }
  if (const Value* v = globals_.as_dict().find(name)) return *v;
  if (const Value* b = builtin_function(name)) return *b;
  if (name == "__name__") return Value("builtins");  // `if __name__ == '__main__':` is skipped
  std::vector<std::string> known;
  for (const auto& [k, v] : globals_.as_dict().entries())
    if (k.is_str()) known.push_back(k.as_str());
  for (auto& sc : scopes_)
    for (auto& [k, v] : sc) known.push_back(k);
  std::string msg = "name '" + name + "' is not defined";
  std::string near = closest_name(name, known);
  if (!near.empty()) msg += ". Did you mean: '" + near + "'?";
  fail("NameError", msg, where);
}

Value Interpreter::eval_inner(const Expr& e) {
  step();
  switch (e.kind) {
    case ExprKind::Constant:
      return e.value;
    case ExprKind::Name:
      return lookup(e.name, e.loc);
    case ExprKind::FString:
      return fstring(e);
    case ExprKind::Formatted: {
      Value v = eval(*e.a);
      if (e.conversion == 'r' || e.conversion == 'a')
        v = Value(v.repr());
      else if (e.conversion == 's')
        v = Value(v.str());
      std::string spec = e.b ? eval(*e.b).as_str() : "";
      return Value(format_value(v, spec));
    }
    case ExprKind::Attribute:
      return attribute(eval(*e.a), e.name);
    case ExprKind::Subscript: {
      Value obj = eval(*e.a);
      if (e.b->kind == ExprKind::Slice) {
        const Expr& sl = *e.b;
        return slice_get(obj, sl.a ? eval(*sl.a) : Value(), sl.b ? eval(*sl.b) : Value(),
                         sl.c ? eval(*sl.c) : Value());
      }
      return subscript_get(obj, eval(*e.b));
    }
    case ExprKind::Slice:
      fail("SyntaxError", "a slice is only valid inside []", e.loc);
    case ExprKind::Call:
      return call(e);
    case ExprKind::BinOp: {
      Value a = eval(*e.a);
      Value b = eval(*e.b);
      return binary_op(e.name, a, b);
    }
    case ExprKind::UnaryOp: {
      Value a = eval(*e.a);
      if (e.name == "not") return Value(!a.truthy());
      return unary_op(e.name, a);
    }
    case ExprKind::BoolOp: {
      Value v;
      for (const auto& item : e.items) {
        v = eval(*item);
        bool t = v.truthy();
        if (e.name == "and" ? !t : t) return v;
      }
      return v;
    }
    case ExprKind::Compare: {
      Value left = eval(*e.a);
      for (std::size_t i = 0; i < e.ops.size(); ++i) {
        Value right = eval(*e.items[i]);
        if (!compare_op(e.ops[i], left, right)) return Value(false);
        left = std::move(right);
      }
      return Value(true);
    }
    case ExprKind::IfExp:
      return eval(*e.a).truthy() ? eval(*e.b) : eval(*e.c);
    case ExprKind::List:
    case ExprKind::Tuple:
    case ExprKind::Set: {
      Value::Items out;
      for (const auto& item : e.items) {
        if (item->kind == ExprKind::Starred) {
          for (auto& v : iterate(eval(*item->a))) out.push_back(v);
        } else {
          out.push_back(eval(*item));
        }
      }
      if (e.kind == ExprKind::List) return Value::list(std::move(out));
      if (e.kind == ExprKind::Tuple) return Value::tuple(std::move(out));
      for (auto& v : out)
        if (!v.hashable()) throw Error("TypeError", "unhashable type: '" + v.type_name() + "'");
      return Value::set(std::move(out));
    }
    case ExprKind::Dict: {
      Value d = Value::dict(false);
      for (std::size_t i = 0; i < e.items.size(); ++i) {
        if (!e.keys[i]) {
          Value src = eval(*e.items[i]);
          if (!src.is_dict())
            throw Error("TypeError", "'" + src.type_name() + "' object is not a mapping");
          for (const auto& [k, v] : src.as_dict().entries()) d.as_dict().set(k, v);
          continue;
        }
        Value k = eval(*e.keys[i]);
        if (!k.hashable()) throw Error("TypeError", "unhashable type: '" + k.type_name() + "'");
        d.as_dict().set(k, eval(*e.items[i]));
      }
      return d;
    }
    case ExprKind::Starred:
      fail("SyntaxError", "can't use starred expression here", e.loc);
    case ExprKind::ListComp:
    case ExprKind::SetComp:
    case ExprKind::GenExp:
    case ExprKind::DictComp:
      return comprehension(e);
    case ExprKind::Lambda:
      fail("SyntaxError", "lambda is not supported in mmcpp configs (configs hold data, not code)",
           e.loc);
    case ExprKind::NamedExpr:
      fail("SyntaxError", "the walrus operator ':=' is not supported in mmcpp configs", e.loc);
  }
  fail("SyntaxError", "unsupported expression", e.loc);
}

Value Interpreter::fstring(const Expr& e) {
  std::string out;
  for (const auto& part : e.items) {
    Value v = eval(*part);
    out += v.is_str() ? v.as_str() : v.str();
  }
  return Value(out);
}

Value Interpreter::attribute(const Value& obj, const std::string& name) {
  Value out;
  if (builtin_attribute(obj, name, out)) return out;
  if (obj.is_lazy()) {
    const LazyRef& r = obj.as_lazy();
    return Value::lazy(LazyRef{r.attr_base, name, r.attr_base + "." + name});
  }
  if (obj.is_config_dict()) {
    if (const Value* v = obj.as_dict().find(name)) return *v;
  }
  if (obj.is_callable() && obj.as_callable().is_module()) {
    if (const Value* v = obj.as_callable().attribute(name)) return *v;
    throw Error("AttributeError", "module '" + obj.as_callable().name() + "' has no attribute '" +
                                      name + "' (or it is not available in mmcpp configs)");
  }
  std::string msg = "'" + obj.type_name() + "' object has no attribute '" + name + "'";
  if (obj.is_config_dict()) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : obj.as_dict().entries())
      if (k.is_str()) keys.push_back(k.as_str());
    std::string near = closest_name(name, keys);
    if (!near.empty()) msg += ". Did you mean: '" + near + "'?";
  }
  throw Error("AttributeError", msg);
}

void Interpreter::assign(const Expr& target, Value v) {
  switch (target.kind) {
    case ExprKind::Name:
      if (!scopes_.empty()) {
        scopes_.back()[target.name] = std::move(v);
      } else {
        bind(target.name, std::move(v));
      }
      return;
    case ExprKind::Attribute: {
      Value obj = eval(*target.a);
      if (obj.is_config_dict()) {
        dict_set(obj, Value(target.name), v);
        return;
      }
      if (obj.is_lazy() || obj.is_callable())
        fail("AttributeError", "cannot set attributes of '" + obj.type_name() + "'", target.loc);
      fail("AttributeError",
           "'" + obj.type_name() + "' object has no attribute '" + target.name + "'", target.loc);
    }
    case ExprKind::Subscript: {
      Value obj = eval(*target.a);
      if (target.b->kind == ExprKind::Slice) {
        const Expr& sl = *target.b;
        if (!obj.is_list())
          fail("TypeError", "'" + obj.type_name() + "' object does not support slice assignment",
               target.loc);
        auto idx = slice_indices(sl.a ? eval(*sl.a) : Value(), sl.b ? eval(*sl.b) : Value(),
                                 sl.c ? eval(*sl.c) : Value(), obj.items().size());
        auto repl = iterate(v);
        auto& items = obj.items();
        bool simple = !sl.c;
        if (simple) {
          std::size_t b =
              idx.empty()
                  ? std::min<std::size_t>(
                        items.size(),
                        static_cast<std::size_t>(std::max<std::int64_t>(
                            0, normalize_index(sl.a ? eval(*sl.a).as_int() : 0, items.size()))))
                  : idx.front();
          std::size_t n = idx.size();
          items.erase(items.begin() + static_cast<std::ptrdiff_t>(b),
                      items.begin() + static_cast<std::ptrdiff_t>(b + n));
          items.insert(items.begin() + static_cast<std::ptrdiff_t>(b), repl.begin(), repl.end());
        } else {
          if (repl.size() != idx.size())
            fail("ValueError",
                 "attempt to assign sequence of size " + std::to_string(repl.size()) +
                     " to extended slice of size " + std::to_string(idx.size()),
                 target.loc);
          for (std::size_t i = 0; i < idx.size(); ++i) items[idx[i]] = repl[i];
        }
        return;
      }
      Value key = eval(*target.b);
      if (obj.is_dict()) {
        if (!key.hashable())
          fail("TypeError", "unhashable type: '" + key.type_name() + "'", target.loc);
        dict_set(obj, key, v);
        return;
      }
      if (obj.is_list()) {
        if (!key.is_int() && !key.is_bool())
          fail("TypeError", "list indices must be integers or slices, not " + key.type_name(),
               target.loc);
        auto& items = obj.items();
        std::int64_t i = normalize_index(key.as_int(), items.size());
        if (i < 0 || i >= static_cast<std::int64_t>(items.size()))
          fail("IndexError", "list assignment index out of range", target.loc);
        items[static_cast<std::size_t>(i)] = std::move(v);
        return;
      }
      fail("TypeError", "'" + obj.type_name() + "' object does not support item assignment",
           target.loc);
    }
    case ExprKind::Tuple:
    case ExprKind::List: {
      auto vals = iterate(v);
      std::size_t star = target.items.size();
      for (std::size_t i = 0; i < target.items.size(); ++i)
        if (target.items[i]->kind == ExprKind::Starred) star = i;
      if (star == target.items.size()) {
        if (vals.size() != target.items.size())
          fail("ValueError",
               vals.size() > target.items.size() ? "too many values to unpack (expected " +
                                                       std::to_string(target.items.size()) + ")"
                                                 : "not enough values to unpack (expected " +
                                                       std::to_string(target.items.size()) +
                                                       ", got " + std::to_string(vals.size()) + ")",
               target.loc);
        for (std::size_t i = 0; i < vals.size(); ++i) assign(*target.items[i], vals[i]);
        return;
      }
      std::size_t after = target.items.size() - star - 1;
      if (vals.size() < star + after) fail("ValueError", "not enough values to unpack", target.loc);
      for (std::size_t i = 0; i < star; ++i) assign(*target.items[i], vals[i]);
      Value::Items mid(vals.begin() + static_cast<std::ptrdiff_t>(star),
                       vals.end() - static_cast<std::ptrdiff_t>(after));
      assign(*target.items[star]->a, Value::list(std::move(mid)));
      for (std::size_t i = 0; i < after; ++i)
        assign(*target.items[star + 1 + i], vals[vals.size() - after + i]);
      return;
    }
    case ExprKind::Starred:
      fail("SyntaxError", "starred assignment target must be in a list or tuple", target.loc);
    default:
      fail("SyntaxError", "cannot assign to expression", target.loc);
  }
}

void Interpreter::del(const Expr& target) {
  switch (target.kind) {
    case ExprKind::Name:
      if (!globals_.as_dict().erase(target.name))
        fail("NameError", "name '" + target.name + "' is not defined", target.loc);
      return;
    case ExprKind::Subscript: {
      Value obj = eval(*target.a);
      if (target.b->kind == ExprKind::Slice) {  // del l[a:b:c]
        if (!obj.is_list())
          fail("TypeError", "'" + obj.type_name() + "' object doesn't support item deletion",
               target.loc);
        const Expr& sl = *target.b;
        auto idx = slice_indices(sl.a ? eval(*sl.a) : Value(), sl.b ? eval(*sl.b) : Value(),
                                 sl.c ? eval(*sl.c) : Value(), obj.items().size());
        std::sort(idx.begin(), idx.end());
        auto& items = obj.items();
        for (auto it = idx.rbegin(); it != idx.rend(); ++it)
          items.erase(items.begin() + static_cast<std::ptrdiff_t>(*it));
        return;
      }
      Value key = eval(*target.b);
      if (obj.is_dict()) {
        if (!obj.as_dict().erase(key)) fail("KeyError", key.repr(), target.loc);
        return;
      }
      if (obj.is_list() && (key.is_int() || key.is_bool())) {
        auto& items = obj.items();
        std::int64_t i = normalize_index(key.as_int(), items.size());
        if (i < 0 || i >= static_cast<std::int64_t>(items.size()))
          fail("IndexError", "list assignment index out of range", target.loc);
        items.erase(items.begin() + i);
        return;
      }
      fail("TypeError", "'" + obj.type_name() + "' object doesn't support item deletion",
           target.loc);
    }
    case ExprKind::Attribute: {
      Value obj = eval(*target.a);
      if (obj.is_config_dict() && obj.as_dict().erase(target.name)) return;
      fail("AttributeError",
           "'" + obj.type_name() + "' object has no attribute '" + target.name + "'", target.loc);
    }
    case ExprKind::Tuple:
    case ExprKind::List:
      for (const auto& t : target.items) del(*t);
      return;
    default:
      fail("SyntaxError", "cannot delete expression", target.loc);
  }
}

Value Interpreter::call(const Expr& e) {
  Value fn = eval(*e.a);
  Callable::Args args;
  for (const auto& a : e.args) {
    switch (a.kind) {
      case CallArg::Positional:
        args.positional.push_back(eval(*a.value));
        break;
      case CallArg::Star:
        for (auto& v : iterate(eval(*a.value))) args.positional.push_back(v);
        break;
      case CallArg::Keyword: {
        for (auto& [k, v] : args.keywords)
          if (k == a.name)
            fail("SyntaxError", "keyword argument repeated: " + a.name, a.value->loc);
        args.keywords.emplace_back(a.name, eval(*a.value));
        break;
      }
      case CallArg::DoubleStar: {
        Value d = eval(*a.value);
        if (!d.is_dict())
          fail("TypeError", "argument after ** must be a mapping, not " + d.type_name(),
               a.value->loc);
        for (const auto& [k, v] : d.as_dict().entries()) {
          if (!k.is_str()) fail("TypeError", "keywords must be strings", a.value->loc);
          for (auto& [name, old] : args.keywords)
            if (name == k.as_str())
              fail("TypeError", "got multiple values for keyword argument '" + name + "'",
                   a.value->loc);
          args.keywords.emplace_back(k.as_str(), v);
        }
        break;
      }
    }
  }
  if (fn.is_lazy())
    fail("TypeError",
         "'" + fn.as_lazy().dotted() +
             "' is an imported name: mmcpp configs cannot call it (only refer to it, e.g. "
             "type=" +
             fn.as_lazy().name + ")",
         e.loc);
  if (!fn.is_callable() || fn.as_callable().is_module())
    fail("TypeError", "'" + fn.type_name() + "' object is not callable", e.loc);
  return fn.as_callable().call(args);
}

void Interpreter::comprehension_loop(const Expr& e, std::size_t gen,
                                     const std::function<void()>& emit) {
  if (gen == e.generators.size()) {
    emit();
    return;
  }
  const Comprehension& c = e.generators[gen];
  // The first iterable is evaluated in the enclosing scope, as in Python.
  for (auto& item : iterate_at(eval(*c.iter), c.iter->loc)) {
    step();
    assign(*c.target, item);
    bool keep = true;
    for (const auto& cond : c.ifs)
      if (!eval(*cond).truthy()) {
        keep = false;
        break;
      }
    if (keep) comprehension_loop(e, gen + 1, emit);
  }
}

Value Interpreter::comprehension(const Expr& e) {
  if (scopes_.size() >= kMaxScopes)
    fail("RecursionError", "comprehensions nested too deeply", e.loc);
  scopes_.emplace_back();
  struct Pop {
    std::vector<std::map<std::string, Value>>& s;
    ~Pop() { s.pop_back(); }
  } pop{scopes_};
  Value::Items out;
  Value dict = Value::dict(false);
  comprehension_loop(e, 0, [&]() {
    if (e.kind == ExprKind::DictComp) {
      Value k = eval(*e.a);
      if (!k.hashable()) throw Error("TypeError", "unhashable type: '" + k.type_name() + "'");
      dict.as_dict().set(k, eval(*e.b));
    } else {
      out.push_back(eval(*e.a));
    }
  });
  switch (e.kind) {
    case ExprKind::DictComp:
      return dict;
    case ExprKind::SetComp:
      return Value::set(std::move(out));
    case ExprKind::GenExp:
      return Value::tuple(std::move(out));  // consumed at once
    default:
      return Value::list(std::move(out));
  }
}

}  // namespace mmcpp::config
