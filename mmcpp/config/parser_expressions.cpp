// Parser: expressions, from conditional expressions down to atoms, with
// comprehensions, calls, subscripts and slices (Python's grammar).
#include "mmcpp/config/parser_internal.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>

namespace mmcpp::config::detail {

// testlist_star_expr: a, b, *c (a bare comma list is a tuple)
ExprPtr Parser::testlist_star() {
  Loc l = loc();
  ExprPtr first = at_op("*") ? star_expr() : test();
  if (!at_op(",")) return first;
  auto t = make(ExprKind::Tuple, l);
  t->items.push_back(std::move(first));
  while (accept_op(",")) {
    if (!starts_expression()) break;
    t->items.push_back(at_op("*") ? star_expr() : test());
  }
  return t;
}

// Targets of for / comprehensions: exprlist (no conditional expressions).
ExprPtr Parser::target_list() {
  Loc l = loc();
  ExprPtr first = at_op("*") ? star_expr() : expr();
  if (!at_op(",")) {
    check_target(*first);
    return first;
  }
  auto t = make(ExprKind::Tuple, l);
  t->items.push_back(std::move(first));
  while (accept_op(",")) {
    if (at_kw("in") || at_op("=")) break;
    t->items.push_back(at_op("*") ? star_expr() : expr());
  }
  check_target(*t);
  return t;
}

bool Parser::starts_expression() const {
  const Token& k = cur();
  if (k.type == Tok::Name) {
    static const std::set<std::string> ok = {"None", "True", "False", "not", "lambda", "await"};
    return !keywords().count(k.text) || ok.count(k.text);
  }
  if (k.type == Tok::Number || k.type == Tok::String) return true;
  if (k.type == Tok::Op)
    return k.text == "(" || k.text == "[" || k.text == "{" || k.text == "-" || k.text == "+" ||
           k.text == "~" || k.text == "*" || k.text == "..." || k.text == "**";
  return false;
}

ExprPtr Parser::star_expr() {
  Loc l = loc();
  expect_op("*");
  auto s = make(ExprKind::Starred, l);
  s->a = expr();
  return s;
}

ExprPtr Parser::named_test() {
  Loc l = loc();
  ExprPtr e = test();
  if (at_op(":=")) {
    ++p_;
    auto n = make(ExprKind::NamedExpr, l);
    n->a = std::move(e);
    n->b = test();
    return n;
  }
  return e;
}

ExprPtr Parser::test() {
  Depth guard(*this);
  Loc l = loc();
  if (at_kw("lambda")) {
    ++p_;
    auto e = make(ExprKind::Lambda, l);
    while (!at_op(":") && !at(Tok::End) && !at(Tok::Newline)) ++p_;
    expect_op(":");
    e->a = test();
    return e;
  }
  ExprPtr body = or_test();
  if (at_kw("if")) {
    ++p_;
    auto e = make(ExprKind::IfExp, l);
    e->a = or_test();
    expect_kw("else");
    e->c = test();
    e->b = std::move(body);
    return e;
  }
  return body;
}

ExprPtr Parser::test_nocond() { return or_test(); }

ExprPtr Parser::or_test() { return bool_chain("or", &Parser::and_test); }

ExprPtr Parser::and_test() { return bool_chain("and", &Parser::not_test); }

ExprPtr Parser::bool_chain(const char* op, ExprPtr (Parser::*next)()) {
  Loc l = loc();
  ExprPtr first = (this->*next)();
  if (!at_kw(op)) return first;
  auto e = make(ExprKind::BoolOp, l);
  e->name = op;
  e->items.push_back(std::move(first));
  while (accept_kw(op)) e->items.push_back((this->*next)());
  return e;
}

ExprPtr Parser::not_test() {
  Depth guard(*this);
  Loc l = loc();
  if (accept_kw("not")) {
    auto e = make(ExprKind::UnaryOp, l);
    e->name = "not";
    e->a = not_test();
    return e;
  }
  return comparison();
}

ExprPtr Parser::comparison() {
  Loc l = loc();
  ExprPtr first = expr();
  std::vector<std::string> ops;
  std::vector<ExprPtr> rhs;
  while (true) {
    std::string op;
    if (at(Tok::Op) && (cur().text == "<" || cur().text == ">" || cur().text == "==" ||
                        cur().text == "!=" || cur().text == "<=" || cur().text == ">=")) {
      op = cur().text;
      ++p_;
    } else if (at_kw("in")) {
      op = "in";
      ++p_;
    } else if (at_kw("not") && p_ + 1 < t_.size() && t_[p_ + 1].type == Tok::Name &&
               t_[p_ + 1].text == "in") {
      op = "not in";
      p_ += 2;
    } else if (at_kw("is")) {
      ++p_;
      op = accept_kw("not") ? "is not" : "is";
    } else {
      break;
    }
    ops.push_back(op);
    rhs.push_back(expr());
  }
  if (ops.empty()) return first;
  auto e = make(ExprKind::Compare, l);
  e->a = std::move(first);
  e->ops = std::move(ops);
  e->items = std::move(rhs);
  return e;
}

ExprPtr Parser::binary(const std::vector<const char*>& ops, ExprPtr (Parser::*next)()) {
  Loc l = loc();
  ExprPtr left = (this->*next)();
  while (at(Tok::Op)) {
    const char* found = nullptr;
    for (const char* o : ops)
      if (cur().text == o) found = o;
    if (!found) break;
    Loc ol = loc();
    ++p_;
    auto e = make(ExprKind::BinOp, ol);
    e->name = found;
    e->a = std::move(left);
    e->b = (this->*next)();
    left = std::move(e);
  }
  (void)l;
  return left;
}

ExprPtr Parser::expr() { return binary({"|"}, &Parser::xor_expr); }

ExprPtr Parser::xor_expr() { return binary({"^"}, &Parser::and_expr); }

ExprPtr Parser::and_expr() { return binary({"&"}, &Parser::shift_expr); }

ExprPtr Parser::shift_expr() { return binary({"<<", ">>"}, &Parser::arith_expr); }

ExprPtr Parser::arith_expr() { return binary({"+", "-"}, &Parser::term); }

ExprPtr Parser::term() { return binary({"*", "/", "//", "%", "@"}, &Parser::factor); }

ExprPtr Parser::factor() {
  Depth guard(*this);
  Loc l = loc();
  if (at_op("-") || at_op("+") || at_op("~")) {
    std::string op = cur().text;
    ++p_;
    ExprPtr operand = factor();
    // Fold negative literals, so `-1` is a constant as Python's AST optimiser does.
    if (op == "-" && operand->kind == ExprKind::Constant && operand->value.is_number() &&
        !operand->value.is_bool()) {
      if (operand->value.is_int()) {
        operand->value = Value(-operand->value.as_big_int());
        operand->loc = l;
        return operand;
      }
      if (operand->value.is_float()) {
        operand->value = Value(-operand->value.as_float());
        operand->loc = l;
        return operand;
      }
    }
    auto e = make(ExprKind::UnaryOp, l);
    e->name = op;
    e->a = std::move(operand);
    return e;
  }
  return power();
}

ExprPtr Parser::power() {
  Loc l = loc();
  ExprPtr base = atom_expr();
  if (at_op("**")) {
    Loc ol = loc();
    ++p_;
    auto e = make(ExprKind::BinOp, ol);
    e->name = "**";
    e->a = std::move(base);
    e->b = factor();
    return e;
  }
  (void)l;
  return base;
}

ExprPtr Parser::atom_expr() {
  if (at_kw("await")) fail_here("SyntaxError", "'await' is not supported in configs");
  ExprPtr e = atom();
  while (true) {
    Loc l = loc();
    if (accept_op("(")) {
      auto c = make(ExprKind::Call, l);
      c->a = std::move(e);
      call_args(*c);
      e = std::move(c);
    } else if (accept_op("[")) {
      auto s = make(ExprKind::Subscript, l);
      s->a = std::move(e);
      s->b = subscript_list();
      expect_op("]");
      e = std::move(s);
    } else if (accept_op(".")) {
      auto a = make(ExprKind::Attribute, l);
      a->a = std::move(e);
      a->name = name_token();
      e = std::move(a);
    } else {
      return e;
    }
  }
}

void Parser::call_args(Expr& call) {
  while (!at_op(")")) {
    CallArg arg;
    Loc l = loc();
    if (accept_op("*")) {
      arg.kind = CallArg::Star;
      arg.value = test();
    } else if (accept_op("**")) {
      arg.kind = CallArg::DoubleStar;
      arg.value = test();
    } else if (at(Tok::Name) && p_ + 1 < t_.size() && t_[p_ + 1].type == Tok::Op &&
               t_[p_ + 1].text == "=" && !keywords().count(cur().text)) {
      arg.kind = CallArg::Keyword;
      arg.name = cur().text;
      p_ += 2;
      arg.value = test();
    } else {
      arg.value = named_test();
      if (at_kw("for")) {  // f(x for x in y)
        auto g = make(ExprKind::GenExp, l);
        g->a = std::move(arg.value);
        comp_for(*g);
        arg.value = std::move(g);
      }
    }
    if (arg.kind == CallArg::Positional || arg.kind == CallArg::Star) {
      for (auto& prev : call.args)
        if (prev.kind == CallArg::DoubleStar && arg.kind == CallArg::Positional)
          fail_at(l, "positional argument follows keyword argument unpacking");
        else if (prev.kind == CallArg::Keyword && arg.kind == CallArg::Positional)
          fail_at(l, "positional argument follows keyword argument");
    }
    call.args.push_back(std::move(arg));
    if (!accept_op(",")) break;
  }
  expect_op(")");
}

ExprPtr Parser::subscript_list() {
  Loc l = loc();
  ExprPtr first = subscript();
  if (!at_op(",")) return first;
  auto t = make(ExprKind::Tuple, l);
  t->items.push_back(std::move(first));
  while (accept_op(",") && !at_op("]")) t->items.push_back(subscript());
  return t;
}

ExprPtr Parser::subscript() {
  Loc l = loc();
  ExprPtr lo;
  if (!at_op(":")) {
    lo = test();
    if (!at_op(":")) return lo;
  }
  auto s = make(ExprKind::Slice, l);
  s->a = std::move(lo);
  expect_op(":");
  if (!at_op(":") && !at_op("]") && !at_op(",")) s->b = test();
  if (accept_op(":")) {
    if (!at_op("]") && !at_op(",")) s->c = test();
  }
  return s;
}

void Parser::comp_for(Expr& comp) {
  while (at_kw("for") || at_kw("async")) {
    if (at_kw("async")) fail_here("SyntaxError", "async comprehensions are not supported");
    ++p_;
    Comprehension c;
    c.target = target_list();
    expect_kw("in");
    c.iter = or_test();
    while (at_kw("if")) {
      ++p_;
      c.ifs.push_back(test_nocond());
    }
    comp.generators.push_back(std::move(c));
  }
}

ExprPtr Parser::atom() {
  Loc l = loc();
  const Token& k = cur();
  switch (k.type) {
    case Tok::Number: {
      auto e = make(ExprKind::Constant, l);
      e->value = number(k);
      ++p_;
      return e;
    }
    case Tok::String:
      return strings();
    case Tok::Name: {
      if (k.text == "None" || k.text == "True" || k.text == "False") {
        auto e = make(ExprKind::Constant, l);
        e->value = k.text == "None" ? Value() : Value(k.text == "True");
        ++p_;
        return e;
      }
      if (keywords().count(k.text)) fail_here("SyntaxError", "invalid syntax");
      auto e = make(ExprKind::Name, l);
      e->name = k.text;
      ++p_;
      return e;
    }
    case Tok::Op:
      break;
    default:
      fail_here("SyntaxError", "invalid syntax");
  }
  if (accept_op("(")) {
    if (accept_op(")")) return make(ExprKind::Tuple, l);
    if (at_kw("yield")) fail_here("SyntaxError", "'yield' is not supported in configs");
    ExprPtr first = at_op("*") ? star_expr() : named_test();
    if (at_kw("for")) {
      auto g = make(ExprKind::GenExp, l);
      g->a = std::move(first);
      comp_for(*g);
      expect_op(")");
      return g;
    }
    if (accept_op(")")) {
      if (first->kind == ExprKind::Starred)
        fail_at(first->loc, "cannot use starred expression here");
      return first;  // parenthesised expression
    }
    auto t = make(ExprKind::Tuple, l);
    t->items.push_back(std::move(first));
    while (accept_op(",")) {
      if (at_op(")")) break;
      t->items.push_back(at_op("*") ? star_expr() : named_test());
    }
    expect_op(")");
    return t;
  }
  if (accept_op("[")) {
    auto list = make(ExprKind::List, l);
    if (accept_op("]")) return list;
    ExprPtr first = at_op("*") ? star_expr() : named_test();
    if (at_kw("for")) {
      auto c = make(ExprKind::ListComp, l);
      c->a = std::move(first);
      comp_for(*c);
      expect_op("]");
      return c;
    }
    list->items.push_back(std::move(first));
    while (accept_op(",")) {
      if (at_op("]")) break;
      list->items.push_back(at_op("*") ? star_expr() : named_test());
    }
    expect_op("]");
    return list;
  }
  if (accept_op("{")) return dict_or_set(l);
  if (accept_op("...")) {
    auto e = make(ExprKind::Constant, l);
    e->value = Value("Ellipsis");
    return e;
  }
  fail_here("SyntaxError", "invalid syntax");
}

ExprPtr Parser::dict_or_set(Loc l) {
  if (accept_op("}")) return make(ExprKind::Dict, l);
  // First element decides: `k: v` / `**d` -> dict; otherwise set.
  if (at_op("**") || !at_op("*")) {
    ExprPtr key;
    if (accept_op("**")) {
      key = nullptr;
      auto d = make(ExprKind::Dict, l);
      d->keys.push_back(nullptr);
      d->items.push_back(expr());
      return dict_rest(std::move(d));
    }
    key = test();
    if (accept_op(":")) {
      ExprPtr value = test();
      if (at_kw("for")) {
        auto c = make(ExprKind::DictComp, l);
        c->a = std::move(key);
        c->b = std::move(value);
        comp_for(*c);
        expect_op("}");
        return c;
      }
      auto d = make(ExprKind::Dict, l);
      d->keys.push_back(std::move(key));
      d->items.push_back(std::move(value));
      return dict_rest(std::move(d));
    }
    if (at_kw("for")) {
      auto c = make(ExprKind::SetComp, l);
      c->a = std::move(key);
      comp_for(*c);
      expect_op("}");
      return c;
    }
    auto s = make(ExprKind::Set, l);
    s->items.push_back(std::move(key));
    return set_rest(std::move(s));
  }
  auto s = make(ExprKind::Set, l);
  s->items.push_back(star_expr());
  return set_rest(std::move(s));
}

ExprPtr Parser::dict_rest(ExprPtr d) {
  while (accept_op(",")) {
    if (at_op("}")) break;
    if (accept_op("**")) {
      d->keys.push_back(nullptr);
      d->items.push_back(expr());
      continue;
    }
    d->keys.push_back(test());
    expect_op(":");
    d->items.push_back(test());
  }
  expect_op("}");
  return d;
}

ExprPtr Parser::set_rest(ExprPtr s) {
  while (accept_op(",")) {
    if (at_op("}")) break;
    s->items.push_back(at_op("*") ? star_expr() : test());
  }
  expect_op("}");
  return s;
}

// The token after the current one continues it (call, subscript, attribute, power).
bool Parser::followed_by_trailer() const {
  if (p_ + 1 >= t_.size() || t_[p_ + 1].type != Tok::Op) return false;
  const std::string& o = t_[p_ + 1].text;
  return o == "(" || o == "[" || o == "." || o == "**";
}

}  // namespace mmcpp::config::detail
