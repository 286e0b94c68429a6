// Recursive-descent parser for the config subset of Python: statements and
// the entry points. Expressions and literals live in parser_expressions.cpp and
// parser_literals.cpp.
#include "mmcpp/config/parser.h"

#include "mmcpp/config/parser_internal.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>

namespace mmcpp::config::detail {

const std::set<std::string>& keywords() {
  static const std::set<std::string> k = {
      "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
      "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
      "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
      "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};
  return k;
}

Module Parser::module() {
  Module m;
  while (!at(Tok::End)) {
    if (at(Tok::Newline)) {
      ++p_;
      continue;
    }
    if (at(Tok::Indent)) fail_here("IndentationError", "unexpected indent");
    statement(m.body);
  }
  return m;
}

// For f-string replacement fields: one expression, then the end.
ExprPtr Parser::lone_expression() {
  while (at(Tok::Indent)) ++p_;
  ExprPtr e = testlist_star();
  while (at(Tok::Newline) || at(Tok::Dedent)) ++p_;
  if (!at(Tok::End)) fail_here("SyntaxError", "f-string: invalid expression");
  return e;
}

void Parser::statement(Body& out) {
  Depth guard(*this);
  if (at(Tok::Name)) {
    const std::string& w = cur().text;
    if (w == "if") return out.push_back(if_stmt());
    if (w == "for") return out.push_back(for_stmt());
    if (w == "with") return out.push_back(with_stmt());
    if (w == "def" || w == "class" || w == "while" || w == "try" || w == "async")
      return out.push_back(unsupported_compound());
  }
  if (at_op("@")) return out.push_back(unsupported_compound());
  simple_statements(out);
}

void Parser::simple_statements(Body& out) {
  while (true) {
    out.push_back(small_statement());
    if (!accept_op(";")) break;
    if (at(Tok::Newline)) break;
  }
  if (!at(Tok::Newline)) fail_here("SyntaxError", "invalid syntax");
  ++p_;
}

Body Parser::block() {
  expect_op(":");
  Body body;
  if (!at(Tok::Newline)) {
    simple_statements(body);
    return body;
  }
  ++p_;
  if (!at(Tok::Indent)) fail_here("IndentationError", "expected an indented block");
  ++p_;
  while (!at(Tok::Dedent) && !at(Tok::End)) {
    if (at(Tok::Newline)) {
      ++p_;
      continue;
    }
    statement(body);
  }
  if (at(Tok::Dedent)) ++p_;
  return body;
}

StmtPtr Parser::if_stmt() {
  auto s = std::make_unique<Stmt>(StmtKind::If, loc());
  ++p_;  // 'if' or 'elif'
  s->value = named_test();
  s->body = block();
  if (at_kw("elif")) {
    s->orelse.push_back(if_stmt());
  } else if (accept_kw("else")) {
    s->orelse = block();
  }
  return s;
}

StmtPtr Parser::for_stmt() {
  auto s = std::make_unique<Stmt>(StmtKind::For, loc());
  ++p_;
  s->target = target_list();
  expect_kw("in");
  s->value = testlist_star();
  s->body = block();
  if (accept_kw("else")) s->orelse = block();
  return s;
}

StmtPtr Parser::with_stmt() {
  auto s = std::make_unique<Stmt>(StmtKind::With, loc());
  ++p_;
  do {
    s->targets.push_back(test());
    if (accept_kw("as")) target_list();  // the bound name is irrelevant: `with` is refused
  } while (accept_op(","));
  s->body = block();
  return s;
}

// def/class/while/try/decorators: parsed loosely (header skipped up to its ':'),
// bodies parsed, so a config that never executes them still loads.
StmtPtr Parser::unsupported_compound() {
  auto s = std::make_unique<Stmt>(StmtKind::Unsupported, loc());
  s->op = cur().text;
  if (at_op("@")) {
    ++p_;
    skip_to_line_end();
    while (at(Tok::Newline)) ++p_;
    return s;
  }
  while (true) {
    skip_header();
    Body b = block();
    for (auto& x : b) s->body.push_back(std::move(x));
    if (at_kw("except") || at_kw("else") || at_kw("finally")) continue;
    break;
  }
  return s;
}

void Parser::skip_header() {
  ++p_;
  int depth = 0;
  while (!at(Tok::End)) {
    if (at(Tok::Op)) {
      const std::string& o = cur().text;
      if (o == "(" || o == "[" || o == "{") ++depth;
      if (o == ")" || o == "]" || o == "}") --depth;
      if (o == ":" && depth == 0) return;
    }
    if (at(Tok::Newline)) fail_here("SyntaxError", "expected ':'");
    ++p_;
  }
}

void Parser::skip_to_line_end() {
  while (!at(Tok::Newline) && !at(Tok::End)) ++p_;
}

StmtPtr Parser::small_statement() {
  Loc l = loc();
  if (at(Tok::Name)) {
    const std::string w = cur().text;
    if (w == "pass" || w == "break" || w == "continue") {
      ++p_;
      return std::make_unique<Stmt>(w == "pass"    ? StmtKind::Pass
                                    : w == "break" ? StmtKind::Break
                                                   : StmtKind::Continue,
                                    l);
    }
    if (w == "import") return import_stmt();
    if (w == "from") return from_stmt();
    if (w == "del") {
      ++p_;
      auto s = std::make_unique<Stmt>(StmtKind::Delete, l);
      do {
        s->targets.push_back(expr());
      } while (accept_op(",") && !at(Tok::Newline));
      return s;
    }
    if (w == "assert") {
      ++p_;
      auto s = std::make_unique<Stmt>(StmtKind::Assert, l);
      s->value = test();
      if (accept_op(",")) s->extra = test();
      return s;
    }
    if (w == "return" || w == "raise" || w == "global" || w == "nonlocal" || w == "yield") {
      auto s = std::make_unique<Stmt>(StmtKind::Unsupported, l);
      s->op = w;
      skip_to_line_end();
      return s;
    }
  }
  // Expression, assignment, augmented or annotated assignment.
  ExprPtr first = testlist_star();
  if (at(Tok::Op)) {
    const std::string o = cur().text;
    if (o == "=") {
      auto s = std::make_unique<Stmt>(StmtKind::Assign, l);
      s->targets.push_back(std::move(first));
      while (accept_op("=")) {
        ExprPtr rhs = testlist_star();
        if (at_op("="))
          s->targets.push_back(std::move(rhs));
        else
          s->value = std::move(rhs);
      }
      for (auto& t : s->targets) check_target(*t);
      return s;
    }
    if (o.size() >= 2 && o.back() == '=' && o != "==" && o != "<=" && o != ">=" && o != "!=") {
      ++p_;
      auto s = std::make_unique<Stmt>(StmtKind::AugAssign, l);
      s->op = o.substr(0, o.size() - 1);
      check_target(*first);
      if (first->kind == ExprKind::Tuple || first->kind == ExprKind::List)
        fail_at(first->loc, "illegal expression for augmented assignment");
      s->target = std::move(first);
      s->value = testlist_star();
      return s;
    }
    if (o == ":") {
      ++p_;
      auto s = std::make_unique<Stmt>(StmtKind::AnnAssign, l);
      check_target(*first);
      s->target = std::move(first);
      s->extra = test();
      if (accept_op("=")) s->value = testlist_star();
      return s;
    }
  }
  auto s = std::make_unique<Stmt>(StmtKind::Expr, l);
  s->value = std::move(first);
  return s;
}

void Parser::check_target(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Name:
    case ExprKind::Attribute:
    case ExprKind::Subscript:
      return;
    case ExprKind::Starred:
      return check_target(*e.a);
    case ExprKind::Tuple:
    case ExprKind::List:
      for (auto& x : e.items) check_target(*x);
      return;
    default:
      fail_at(e.loc, "cannot assign to expression");
  }
}

std::string Parser::dotted_name() {
  std::string n = name_token();
  while (accept_op(".")) n += "." + name_token();
  return n;
}

StmtPtr Parser::import_stmt() {
  auto s = std::make_unique<Stmt>(StmtKind::Import, loc());
  ++p_;
  do {
    ImportName n;
    n.loc = loc();
    n.name = dotted_name();
    if (accept_kw("as")) n.asname = name_token();
    s->names.push_back(std::move(n));
  } while (accept_op(","));
  return s;
}

StmtPtr Parser::from_stmt() {
  auto s = std::make_unique<Stmt>(StmtKind::ImportFrom, loc());
  ++p_;
  while (at_op(".") || at_op("...")) {
    s->level += at_op(".") ? 1 : 3;
    ++p_;
  }
  if (!at_kw("import")) s->module = dotted_name();
  if (s->level == 0 && s->module.empty()) fail_here("SyntaxError", "invalid syntax");
  expect_kw("import");
  if (at_op("*")) {
    ImportName n;
    n.loc = loc();
    n.name = "*";
    ++p_;
    s->names.push_back(std::move(n));
    return s;
  }
  bool paren = accept_op("(");
  do {
    if (paren && at_op(")")) break;
    ImportName n;
    n.loc = loc();
    n.name = name_token();
    if (accept_kw("as")) n.asname = name_token();
    s->names.push_back(std::move(n));
  } while (accept_op(","));
  if (paren) expect_op(")");
  return s;
}

}  // namespace mmcpp::config::detail

namespace mmcpp::config {

Module parse_module(const SourceText& source) {
  detail::Parser p(source, tokenize(source));
  return p.module();
}

}  // namespace mmcpp::config
