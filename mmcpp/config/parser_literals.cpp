// Parser: number and string literals, implicit concatenation, and f-strings
// split into literal text and {expr!conv:spec} fields.
#include "mmcpp/config/parser_internal.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>

namespace mmcpp::config::detail {

Value Parser::number(const Token& k) {
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
  if (digits.empty()) src_.fail("SyntaxError", "invalid number '" + k.text + "'", k.line, k.column);
  // Python ints have no size limit (MMagic's seeds exceed 64 bits).
  BigInt v;
  bool ok = false;
  try {
    ok = BigInt::parse(digits, base, v);
  } catch (const Error& e) {
    src_.fail(e.kind(), std::string(e.what()) + ": '" + k.text + "'", k.line, k.column);
  }
  if (!ok) src_.fail("SyntaxError", "invalid digit in number '" + k.text + "'", k.line, k.column);
  return Value(v);
}

// Adjacent string literals concatenate; any f-string makes the whole an FString.
ExprPtr Parser::strings() {
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

void Parser::add_literal(Expr& f, const std::string& text, Loc l) {
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
void Parser::fstring_body(Expr& f, const Token& k) {
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
ExprPtr Parser::replacement_field(const std::string& s, std::size_t& i, const Token& k,
                                  PosOf pos_of) {
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
  if (i >= s.size()) src_.fail("SyntaxError", "f-string: expecting '}'", start.line, start.column);
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
      src_.fail("SyntaxError", "f-string: invalid conversion character", start.line, start.column);
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
ExprPtr Parser::parse_sub_expression(const std::string& text, Loc at) {
  std::string padded(static_cast<std::size_t>(std::max(0, at.line - 1)), '\n');
  padded += std::string(static_cast<std::size_t>(std::max(0, at.column - 2)), ' ');
  padded += "(" + text + ")";
  SourceText sub(src_.filename(), padded);
  Parser p(sub, tokenize(sub));
  return p.lone_expression();
}

}  // namespace mmcpp::config::detail
