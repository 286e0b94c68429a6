// Internal to the config parser (parser.cpp, parser_expressions.cpp,
// parser_literals.cpp): the recursive-descent Parser over a token stream.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "mmcpp/config/ast.h"
#include "mmcpp/config/lexer.h"

namespace mmcpp::config::detail {

// Python's reserved words.
const std::set<std::string>& keywords();

class Parser {
 public:
  Parser(const SourceText& src, std::vector<Token> toks) : src_(src), t_(std::move(toks)) {}

  Module module();
  // For f-string replacement fields: one expression, then the end.
  ExprPtr lone_expression();

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

  // ---- statements (parser.cpp) ----
  void statement(Body& out);
  void simple_statements(Body& out);
  Body block();
  StmtPtr if_stmt();
  StmtPtr for_stmt();
  StmtPtr with_stmt();
  // def/class/while/try/decorators: parsed loosely (header skipped up to its ':'),
  // bodies parsed, so a config that never executes them still loads.
  StmtPtr unsupported_compound();
  void skip_header();
  void skip_to_line_end();
  StmtPtr small_statement();
  void check_target(const Expr& e);
  std::string dotted_name();
  StmtPtr import_stmt();
  StmtPtr from_stmt();

  // ---- expressions (parser_expressions.cpp) ----
  // testlist_star_expr: a, b, *c (a bare comma list is a tuple)
  ExprPtr testlist_star();
  // Targets of for / comprehensions: exprlist (no conditional expressions).
  ExprPtr target_list();
  bool starts_expression() const;
  ExprPtr star_expr();
  ExprPtr named_test();
  ExprPtr test();
  ExprPtr test_nocond();
  ExprPtr or_test();
  ExprPtr and_test();
  ExprPtr bool_chain(const char* op, ExprPtr (Parser::*next)());
  ExprPtr not_test();
  ExprPtr comparison();
  ExprPtr binary(const std::vector<const char*>& ops, ExprPtr (Parser::*next)());
  ExprPtr expr();
  ExprPtr xor_expr();
  ExprPtr and_expr();
  ExprPtr shift_expr();
  ExprPtr arith_expr();
  ExprPtr term();
  ExprPtr factor();
  ExprPtr power();
  ExprPtr atom_expr();
  void call_args(Expr& call);
  ExprPtr subscript_list();
  ExprPtr subscript();
  void comp_for(Expr& comp);
  ExprPtr atom();
  ExprPtr dict_or_set(Loc l);
  ExprPtr dict_rest(ExprPtr d);
  ExprPtr set_rest(ExprPtr s);
  // The token after the current one continues it (call, subscript, attribute, power).
  bool followed_by_trailer() const;

  // ---- literals and f-strings (parser_literals.cpp) ----
  Value number(const Token& k);
  // Adjacent string literals concatenate; any f-string makes the whole an FString.
  ExprPtr strings();
  void add_literal(Expr& f, const std::string& text, Loc l);
  // Split an f-string body into literal text and {expr!conv:spec} fields.
  void fstring_body(Expr& f, const Token& k);
  template <typename PosOf>
  ExprPtr replacement_field(const std::string& s, std::size_t& i, const Token& k, PosOf pos_of);
  // Parse the text of an f-string field as an expression, keeping file positions.
  ExprPtr parse_sub_expression(const std::string& text, Loc at);

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

}  // namespace mmcpp::config::detail
