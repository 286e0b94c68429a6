#include "mmcpp/config/parser.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>

namespace mmcpp::config {
namespace {

const std::set<std::string>& keywords() {
  static const std::set<std::string> k = {
      "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
      "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
      "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
      "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};
  return k;
}

class Parser {
 public:
  Parser(const SourceText& src, std::vector<Token> toks) : src_(src), t_(std::move(toks)) {}

  Module module() {
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
  ExprPtr lone_expression() {
    while (at(Tok::Indent)) ++p_;
    ExprPtr e = testlist_star();
    while (at(Tok::Newline) || at(Tok::Dedent)) ++p_;
    if (!at(Tok::End)) fail_here("SyntaxError", "f-string: invalid expression");
    return e;
  }

 private:
  // ---- token helpers ----
  const Token& cur() const { return t_[p_]; }
  bool at(Tok type) const { return cur().type == type; }
  bool at_op(const char* op) const { return cur().type == Tok::Op && cur().text == op; }
  bool at_kw(const char* kw) const { return cur().type == Tok::Name && cur().text == kw; }
  Loc loc() const { return {cur().line, cur().column}; }
  bool accept_op(const char* op) {
    if (!at_op(op)) return false;
    ++p_;
    return true;
  }
  bool accept_kw(const char* kw) {
    if (!at_kw(kw)) return false;
    ++p_;
    return true;
  }
  void expect_op(const char* op) {
    if (!accept_op(op)) fail_here("SyntaxError", std::string("expected '") + op + "'");
  }
  void expect_kw(const char* kw) {
    if (!accept_kw(kw)) fail_here("SyntaxError", std::string("expected '") + kw + "'");
  }
  [[noreturn]] void fail_here(const std::string& kind, const std::string& msg) {
    std::string m = msg;
    const Token& k = cur();
    if (k.type == Tok::Newline)
      m += " (at end of line)";
    else if (k.type == Tok::End)
      m += " (at end of file)";
    else if (k.type == Tok::Indent)
      m += " (unexpected indent)";
    else if (k.type == Tok::String)
      m += " (near a string)";
    else if (!k.text.empty())
      m += " (near '" + k.text + "')";
    src_.fail(kind, m, k.line, k.column);
  }
  [[noreturn]] void fail_at(Loc l, const std::string& msg) {
    src_.fail("SyntaxError", msg, l.line, l.column);
  }
  std::string name_token() {
    if (!at(Tok::Name) || keywords().count(cur().text)) fail_here("SyntaxError", "expected a name");
    return t_[p_++].text;
  }
  static ExprPtr make(ExprKind k, Loc l) { return std::make_unique<Expr>(k, l); }

  // ---- statements ----
  void statement(Body& out) {
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

  void simple_statements(Body& out) {
    while (true) {
      out.push_back(small_statement());
      if (!accept_op(";")) break;
      if (at(Tok::Newline)) break;
    }
    if (!at(Tok::Newline)) fail_here("SyntaxError", "invalid syntax");
    ++p_;
  }

  Body block() {
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

  StmtPtr if_stmt() {
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

  StmtPtr for_stmt() {
    auto s = std::make_unique<Stmt>(StmtKind::For, loc());
    ++p_;
    s->target = target_list();
    expect_kw("in");
    s->value = testlist_star();
    s->body = block();
    if (accept_kw("else")) s->orelse = block();
    return s;
  }

  StmtPtr with_stmt() {
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
  StmtPtr unsupported_compound() {
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
  void skip_header() {
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
  void skip_to_line_end() {
    while (!at(Tok::Newline) && !at(Tok::End)) ++p_;
  }

  StmtPtr small_statement() {
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

  void check_target(const Expr& e) {
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

  std::string dotted_name() {
    std::string n = name_token();
    while (accept_op(".")) n += "." + name_token();
    return n;
  }

  StmtPtr import_stmt() {
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

  StmtPtr from_stmt() {
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

  // ---- expressions ----
  // testlist_star_expr: a, b, *c (a bare comma list is a tuple)
  ExprPtr testlist_star() {
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
  ExprPtr target_list() {
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

  bool starts_expression() const {
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

  ExprPtr star_expr() {
    Loc l = loc();
    expect_op("*");
    auto s = make(ExprKind::Starred, l);
    s->a = expr();
    return s;
  }

  ExprPtr named_test() {
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

  ExprPtr test() {
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

  ExprPtr test_nocond() { return or_test(); }

  ExprPtr or_test() { return bool_chain("or", &Parser::and_test); }
  ExprPtr and_test() { return bool_chain("and", &Parser::not_test); }
  ExprPtr bool_chain(const char* op, ExprPtr (Parser::*next)()) {
    Loc l = loc();
    ExprPtr first = (this->*next)();
    if (!at_kw(op)) return first;
    auto e = make(ExprKind::BoolOp, l);
    e->name = op;
    e->items.push_back(std::move(first));
    while (accept_kw(op)) e->items.push_back((this->*next)());
    return e;
  }
  ExprPtr not_test() {
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

  ExprPtr comparison() {
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

  ExprPtr binary(const std::vector<const char*>& ops, ExprPtr (Parser::*next)()) {
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
  ExprPtr expr() { return binary({"|"}, &Parser::xor_expr); }
  ExprPtr xor_expr() { return binary({"^"}, &Parser::and_expr); }
  ExprPtr and_expr() { return binary({"&"}, &Parser::shift_expr); }
  ExprPtr shift_expr() { return binary({"<<", ">>"}, &Parser::arith_expr); }
  ExprPtr arith_expr() { return binary({"+", "-"}, &Parser::term); }
  ExprPtr term() { return binary({"*", "/", "//", "%", "@"}, &Parser::factor); }

  ExprPtr factor() {
    Depth guard(*this);
    Loc l = loc();
    if (at_op("-") || at_op("+") || at_op("~")) {
      std::string op = cur().text;
      ++p_;
      // -9223372036854775808: the one literal whose magnitude only fits negated.
      if (op == "-" && at(Tok::Number) && !followed_by_trailer()) {
        Value v = number(cur(), /*negated=*/true);
        if (v.is_int() && v.as_int() == std::numeric_limits<std::int64_t>::min()) {
          ++p_;
          auto e = make(ExprKind::Constant, l);
          e->value = v;
          return e;
        }
      }
      ExprPtr operand = factor();
      // Fold negative literals, so `-1` is a constant as Python's AST optimiser does.
      if (op == "-" && operand->kind == ExprKind::Constant && operand->value.is_number() &&
          !operand->value.is_bool()) {
        if (operand->value.is_int() &&
            operand->value.as_int() != std::numeric_limits<std::int64_t>::min()) {
          operand->value = Value(-operand->value.as_int());
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

  ExprPtr power() {
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

  ExprPtr atom_expr() {
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

  void call_args(Expr& call) {
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

  ExprPtr subscript_list() {
    Loc l = loc();
    ExprPtr first = subscript();
    if (!at_op(",")) return first;
    auto t = make(ExprKind::Tuple, l);
    t->items.push_back(std::move(first));
    while (accept_op(",") && !at_op("]")) t->items.push_back(subscript());
    return t;
  }

  ExprPtr subscript() {
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

  void comp_for(Expr& comp) {
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

  ExprPtr atom() {
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

  ExprPtr dict_or_set(Loc l) {
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
  ExprPtr dict_rest(ExprPtr d) {
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
  ExprPtr set_rest(ExprPtr s) {
    while (accept_op(",")) {
      if (at_op("}")) break;
      s->items.push_back(at_op("*") ? star_expr() : test());
    }
    expect_op("}");
    return s;
  }

  // The token after the current one continues it (call, subscript, attribute, power).
  bool followed_by_trailer() const {
    if (p_ + 1 >= t_.size() || t_[p_ + 1].type != Tok::Op) return false;
    const std::string& o = t_[p_ + 1].text;
    return o == "(" || o == "[" || o == "." || o == "**";
  }

  // `negated`: the literal follows a unary minus, so 2**63 is allowed (it
  // becomes INT64_MIN).
  Value number(const Token& k, bool negated = false) {
    std::string s;
    for (char c : k.text)
      if (c != '_') s += c;
    bool is_float = false;
    bool prefixed = s.size() > 1 && s[0] == '0' && std::strchr("xXoObB", s[1]) != nullptr;
    if (!prefixed)
      for (char c : s)
        if (c == '.' || c == 'e' || c == 'E') is_float = true;
    if (k.text.find("__") != std::string::npos || k.text.back() == '_')
      src_.fail("SyntaxError", "invalid decimal literal '" + k.text + "'", k.line, k.column);
    if (is_float) {
      errno = 0;
      double d = std::strtod(s.c_str(), nullptr);
      return Value(d);  // overflow gives inf, as Python's float('1e400')
    }
    int base = 10;
    std::string digits = s;
    if (prefixed) {
      char b = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
      base = b == 'x' ? 16 : b == 'o' ? 8 : 2;
      digits = s.substr(2);
    } else if (s.size() > 1 && s[0] == '0') {
      for (char c : s)
        if (c != '0')
          src_.fail("SyntaxError",
                    "leading zeros in decimal integer literals are not permitted; use an 0o "
                    "prefix for octal integers",
                    k.line, k.column);
    }
    if (digits.empty())
      src_.fail("SyntaxError", "invalid number '" + k.text + "'", k.line, k.column);
    errno = 0;
    char* end = nullptr;
    unsigned long long v = std::strtoull(digits.c_str(), &end, base);
    if (*end != '\0')
      src_.fail("SyntaxError", "invalid digit in number '" + k.text + "'", k.line, k.column);
    if (negated && errno != ERANGE && v == 9223372036854775808ULL)
      return Value(std::numeric_limits<std::int64_t>::min());
    if (errno == ERANGE ||
        v > static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max()))
      src_.fail("OverflowError", "integer literal '" + k.text + "' does not fit in 64 bits", k.line,
                k.column);
    return Value(static_cast<std::int64_t>(v));
  }

  // Adjacent string literals concatenate; any f-string makes the whole an FString.
  ExprPtr strings() {
    Loc l = loc();
    bool any_f = false, any_bytes = false, any_str = false;
    std::size_t b = p_;
    while (at(Tok::String)) {
      any_f |= cur().is_fstring;
      (cur().is_bytes ? any_bytes : any_str) = true;
      ++p_;
    }
    if (any_bytes && any_str) fail_at(l, "cannot mix bytes and nonbytes literals");
    if (any_bytes) fail_at(l, "bytes literals are not supported in configs");
    if (!any_f) {
      std::string s;
      for (std::size_t i = b; i < p_; ++i) s += t_[i].text;
      auto e = make(ExprKind::Constant, l);
      e->value = Value(s);
      return e;
    }
    auto f = make(ExprKind::FString, l);
    for (std::size_t i = b; i < p_; ++i) {
      const Token& k = t_[i];
      if (!k.is_fstring) {
        add_literal(*f, k.text, {k.line, k.column});
      } else {
        fstring_body(*f, k);
      }
    }
    return f;
  }

  void add_literal(Expr& f, const std::string& text, Loc l) {
    if (text.empty()) return;
    if (!f.items.empty() && f.items.back()->kind == ExprKind::Constant) {
      f.items.back()->value = Value(f.items.back()->value.as_str() + text);
      return;
    }
    auto c = make(ExprKind::Constant, l);
    c->value = Value(text);
    f.items.push_back(std::move(c));
  }

  // Split an f-string body into literal text and {expr!conv:spec} fields.
  void fstring_body(Expr& f, const Token& k) {
    const std::string& s = k.text;
    // Position of byte i of the body in the file (for errors inside fields).
    auto pos_of = [&](std::size_t i) {
      int line = k.body_line, col = k.body_column;
      for (std::size_t j = 0; j < i && j < s.size(); ++j) {
        if (s[j] == '\n') {
          ++line;
          col = 1;
        } else {
          ++col;
        }
      }
      return Loc{line, col};
    };
    std::string lit;
    std::size_t i = 0;
    auto flush = [&]() {
      if (lit.empty()) return;
      std::string text = k.is_raw ? lit : decode_string_escapes(lit, src_, k.line, k.column);
      add_literal(f, text, {k.line, k.column});
      lit.clear();
    };
    while (i < s.size()) {
      char c = s[i];
      if (c == '\\' && i + 1 < s.size()) {
        // An escape is literal text: `\N{NAME}`'s braces open no field.
        std::size_t end = i + 2;
        if (!k.is_raw && s[i + 1] == 'N' && end < s.size() && s[end] == '{') {
          std::size_t close = s.find('}', end);
          end = close == std::string::npos ? s.size() : close + 1;
        }
        if (s[i + 1] == '{' || s[i + 1] == '}') end = i + 1;  // `\{x}` still opens a field
        lit += s.substr(i, end - i);
        i = end;
        continue;
      }
      if (c == '{' && i + 1 < s.size() && s[i + 1] == '{') {
        lit += '{';
        i += 2;
        continue;
      }
      if (c == '}' && i + 1 < s.size() && s[i + 1] == '}') {
        lit += '}';
        i += 2;
        continue;
      }
      if (c == '}') {
        Loc p = pos_of(i);
        src_.fail("SyntaxError", "f-string: single '}' is not allowed", p.line, p.column);
      }
      if (c != '{') {
        lit += c;
        ++i;
        continue;
      }
      flush();
      f.items.push_back(replacement_field(s, i, k, pos_of));
    }
    flush();
  }

  template <typename PosOf>
  ExprPtr replacement_field(const std::string& s, std::size_t& i, const Token& k, PosOf pos_of) {
    Loc start = pos_of(i);
    ++i;  // '{'
    std::size_t b = i;
    int depth = 0;
    char quote = 0;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (quote) {
        if (c == quote) quote = 0;
        continue;
      }
      if (c == '\'' || c == '"')
        quote = c;
      else if (c == '(' || c == '[' || c == '{')
        ++depth;
      else if ((c == ')' || c == ']' || c == '}') && depth > 0)
        --depth;
      else if (depth == 0 &&
               (c == '}' || c == ':' || (c == '!' && i + 1 < s.size() && s[i + 1] != '=')))
        break;
    }
    if (i >= s.size())
      src_.fail("SyntaxError", "f-string: expecting '}'", start.line, start.column);
    std::string expr_text = s.substr(b, i - b);
    // f'{x=}' / f'{x = }': the text up to and including '=' (spaces kept) is
    // printed before the value.
    bool self_doc = false;
    std::string self_doc_text;
    std::size_t last = expr_text.find_last_not_of(" \t\n");
    if (last != std::string::npos && expr_text[last] == '=' &&
        (last == 0 || std::string("=!<>").find(expr_text[last - 1]) == std::string::npos)) {
      self_doc = true;
      self_doc_text = expr_text;
      expr_text.erase(last);
    }
    if (expr_text.find_first_not_of(" \t\n") == std::string::npos)
      src_.fail("SyntaxError", "f-string: empty expression not allowed", start.line, start.column);
    auto field = make(ExprKind::Formatted, start);
    field->a = parse_sub_expression(expr_text, pos_of(b));
    if (self_doc) field->conversion = 'r';
    bool explicit_conversion = false;
    if (s[i] == '!') {
      if (i + 1 >= s.size() || std::string("rsa").find(s[i + 1]) == std::string::npos)
        src_.fail("SyntaxError", "f-string: invalid conversion character", start.line,
                  start.column);
      field->conversion = s[i + 1];
      explicit_conversion = true;
      i += 2;
    }
    if (i < s.size() && s[i] == ':') {
      ++i;
      auto spec = make(ExprKind::FString, pos_of(i));
      std::string lit;
      while (i < s.size() && s[i] != '}') {
        if (s[i] == '{') {
          if (!lit.empty()) add_literal(*spec, lit, spec->loc);
          lit.clear();
          spec->items.push_back(replacement_field(s, i, k, pos_of));
          continue;
        }
        lit += s[i++];
      }
      if (!lit.empty()) add_literal(*spec, lit, spec->loc);
      field->b = std::move(spec);
    }
    if (i >= s.size() || s[i] != '}')
      src_.fail("SyntaxError", "f-string: expecting '}'", start.line, start.column);
    ++i;
    // f'{x=}' shows repr(x), but f'{x=:.2f}' formats x itself.
    if (self_doc && field->b && !explicit_conversion) field->conversion = 0;
    if (self_doc) {
      // f'{x=}' renders as "x=" + repr(x): emit the literal part first.
      auto wrapper = make(ExprKind::FString, start);
      auto lit = make(ExprKind::Constant, start);
      lit->value = Value(self_doc_text);
      wrapper->items.push_back(std::move(lit));
      wrapper->items.push_back(std::move(field));
      return wrapper;
    }
    return field;
  }

  // Parse the text of an f-string field as an expression, keeping file positions.
  ExprPtr parse_sub_expression(const std::string& text, Loc at) {
    std::string padded(static_cast<std::size_t>(std::max(0, at.line - 1)), '\n');
    padded += std::string(static_cast<std::size_t>(std::max(0, at.column - 2)), ' ');
    padded += "(" + text + ")";
    SourceText sub(src_.filename(), padded);
    Parser p(sub, tokenize(sub));
    return p.lone_expression();
  }

  // Python itself refuses deeper nesting ("too many nested parentheses"); the
  // limit keeps hostile input from overflowing the stack.
  struct Depth {
    Parser& p;
    explicit Depth(Parser& parser) : p(parser) {
      if (++p.depth_ > 200) p.fail_here("SyntaxError", "too many nested parentheses or operators");
    }
    ~Depth() { --p.depth_; }
  };

  const SourceText& src_;
  std::vector<Token> t_;
  std::size_t p_ = 0;
  int depth_ = 0;
};

}  // namespace

Module parse_module(const SourceText& source) {
  Parser p(source, tokenize(source));
  return p.module();
}

}  // namespace mmcpp::config
