// The tokenizer and the parser of the config language: token streams, tree
// shapes, and the SyntaxError/IndentationError texts with their positions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/config/lexer.h"
#include "mmcpp/config/parser.h"
#include "mmcpp/core/error.h"

namespace mmcpp::config {
namespace {

std::vector<Token> lex(const std::string& text) {
  SourceText src("t.py", text);
  return tokenize(src);
}

// "TYPE:text" for each token, e.g. "N:x O:= #:1 NL END".
std::string kinds(const std::string& text) {
  std::string out;
  for (const Token& t : lex(text)) {
    if (!out.empty()) out += ' ';
    switch (t.type) {
      case Tok::Name:
        out += "N:" + t.text;
        break;
      case Tok::Number:
        out += "#:" + t.text;
        break;
      case Tok::String:
        out += "S:" + t.text;
        break;
      case Tok::Op:
        out += "O:" + t.text;
        break;
      case Tok::Newline:
        out += "NL";
        break;
      case Tok::Indent:
        out += "IN";
        break;
      case Tok::Dedent:
        out += "DE";
        break;
      case Tok::End:
        out += "END";
        break;
    }
  }
  return out;
}

Module parse(const std::string& text) {
  SourceText src("t.py", text);
  return parse_module(src);
}

// The expression of a one-line `x = <expr>` file.
struct Parsed {
  Module m;
  const Expr& expr() const { return *m.body.at(0)->value; }
};
Parsed parse_expr(const std::string& expr) { return Parsed{parse("x = " + expr + "\n")}; }

// The SourceError a parse raises, or a failure when it parses.
SourceError parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const SourceError& e) {
    return e;
  }
  ADD_FAILURE() << "parsed without error: " << text;
  return SourceError("none", "", {}, "");
}

#define EXPECT_PARSE_ERROR(text, error_kind, message, at_line, at_column) \
  do {                                                                    \
    SourceError e_ = parse_error(text);                                   \
    EXPECT_EQ(e_.kind(), error_kind);                                     \
    EXPECT_EQ(e_.bare_message(), message);                                \
    EXPECT_EQ(e_.where().line, at_line);                                  \
    EXPECT_EQ(e_.where().column, at_column);                              \
  } while (0)

// ---------------------------------------------------------------------------
// Lexer

TEST(ConfigLexer, TokensWithPositions) {
  auto toks = lex("x = 1\ny=foo\n");
  ASSERT_EQ(toks.size(), 9u);
  EXPECT_EQ(toks[0].type, Tok::Name);
  EXPECT_EQ(toks[0].text, "x");
  EXPECT_EQ(toks[0].line, 1);
  EXPECT_EQ(toks[0].column, 1);
  EXPECT_EQ(toks[1].text, "=");
  EXPECT_EQ(toks[1].column, 3);
  EXPECT_EQ(toks[2].type, Tok::Number);
  EXPECT_EQ(toks[2].column, 5);
  EXPECT_EQ(toks[3].type, Tok::Newline);
  EXPECT_EQ(toks[4].line, 2);
  EXPECT_EQ(toks[6].text, "foo");
  EXPECT_EQ(toks[6].column, 3);
  EXPECT_EQ(toks[8].type, Tok::End);
}

TEST(ConfigLexer, OperatorsLongestMatch) {
  EXPECT_EQ(kinds("a **= b // c ** d != e <= f >> g"),
            "N:a O:**= N:b O:// N:c O:** N:d O:!= N:e O:<= N:f O:>> N:g NL END");
  EXPECT_EQ(kinds("x := y"), "N:x O::= N:y NL END");
  EXPECT_EQ(kinds("f(*a, **k)"), "N:f O:( O:* N:a O:, O:** N:k O:) NL END");
}

TEST(ConfigLexer, IndentAndDedent) {
  EXPECT_EQ(kinds("if a:\n    b = 1\n    if c:\n        d\ne\n"),
            "N:if N:a O:: NL IN N:b O:= #:1 NL N:if N:c O:: NL IN N:d NL DE DE N:e NL END");
  // Dedents still pending at the end of the file.
  EXPECT_EQ(kinds("if a:\n  b"), "N:if N:a O:: NL IN N:b NL DE END");
}

TEST(ConfigLexer, BlankLinesAndCommentsMakeNoTokens) {
  EXPECT_EQ(kinds("# header\n\nx = 1  # trailing\n   \n# more\n"), "N:x O:= #:1 NL END");
  EXPECT_EQ(kinds(""), "END");
  EXPECT_EQ(kinds("# only a comment"), "END");
}

TEST(ConfigLexer, ImplicitLineJoiningInsideBrackets) {
  EXPECT_EQ(kinds("x = [1,\n  2,\n# c\n      3]\ny = 2\n"),
            "N:x O:= O:[ #:1 O:, #:2 O:, #:3 O:] NL N:y O:= #:2 NL END");
  EXPECT_EQ(kinds("d = dict(\n    a=1,\n)\n"), "N:d O:= N:dict O:( N:a O:= #:1 O:, O:) NL END");
}

TEST(ConfigLexer, BackslashContinuation) {
  EXPECT_EQ(kinds("x = 1 + \\\n    2\n"), "N:x O:= #:1 O:+ #:2 NL END");
}

TEST(ConfigLexer, CrLfLineEndings) {
  EXPECT_EQ(kinds("x = 1\r\nif x:\r\n    y = 2\r\n"),
            "N:x O:= #:1 NL N:if N:x O:: NL IN N:y O:= #:2 NL DE END");
}

TEST(ConfigLexer, NumbersKeepTheirSpelling) {
  EXPECT_EQ(kinds("1_000 0x_FF 0o17 0b10 1.5 .5 5. 1e-3 2E+2 0e5"),
            "#:1_000 #:0x_FF #:0o17 #:0b10 #:1.5 #:.5 #:5. #:1e-3 #:2E+2 #:0e5 NL END");
}

TEST(ConfigLexer, StringsAreDecoded) {
  EXPECT_EQ(lex("'a\\tb\\n'")[0].text, "a\tb\n");
  EXPECT_EQ(lex("\"q\\\"\\'\"")[0].text, "q\"'");
  EXPECT_EQ(lex("'\\x41\\101\\u00e9\\U0001F600'")[0].text, "AA\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(lex("'\\q\\d'")[0].text, "\\q\\d");  // unknown escapes stay
  EXPECT_EQ(lex("'a\\\nb'")[0].text, "ab");      // escaped newline joins
  EXPECT_EQ(lex("'''one\ntwo'''")[0].text, "one\ntwo");
  EXPECT_EQ(lex("\"\"\"it's \"quoted\" \"\"\"")[0].text, "it's \"quoted\" ");
  EXPECT_EQ(lex("''")[0].text, "");
}

TEST(ConfigLexer, StringPrefixes) {
  auto raw = lex("r'\\n' R\"\\d\" u'x' U'y' rb'z' f'{a}' Rf'{b}\\n' fR'c'");
  ASSERT_GE(raw.size(), 8u);
  EXPECT_EQ(raw[0].text, "\\n");
  EXPECT_TRUE(raw[0].is_raw);
  EXPECT_EQ(raw[1].text, "\\d");
  EXPECT_EQ(raw[2].text, "x");
  EXPECT_FALSE(raw[2].is_raw);
  EXPECT_EQ(raw[3].text, "y");
  EXPECT_TRUE(raw[4].is_bytes);
  EXPECT_TRUE(raw[5].is_fstring);
  EXPECT_EQ(raw[5].text, "{a}");  // f-string bodies stay raw for the parser
  EXPECT_TRUE(raw[6].is_fstring);
  EXPECT_TRUE(raw[6].is_raw);
  EXPECT_EQ(raw[6].text, "{b}\\n");
  EXPECT_TRUE(raw[7].is_fstring);
  // Names that merely start with prefix letters are names.
  EXPECT_EQ(kinds("rb bar fr u"), "N:rb N:bar N:fr N:u NL END");
}

TEST(ConfigLexer, FStringBodyPosition) {
  auto toks = lex("x = f'ab{c}'\n");
  EXPECT_EQ(toks[2].line, 1);
  EXPECT_EQ(toks[2].column, 5);
  EXPECT_EQ(toks[2].body_line, 1);
  EXPECT_EQ(toks[2].body_column, 7);
}

TEST(ConfigLexer, Errors) {
  EXPECT_PARSE_ERROR("x = 'abc\n", "SyntaxError", "unterminated string literal", 1, 5);
  EXPECT_PARSE_ERROR("x = 1\ny = '''abc\n", "SyntaxError",
                     "unterminated triple-quoted string literal", 2, 5);
  EXPECT_PARSE_ERROR("x = [1,\n 2\n", "SyntaxError", "unexpected EOF: unclosed bracket", 1, 5);
  EXPECT_PARSE_ERROR("x = 1)\n", "SyntaxError", "unmatched ')'", 1, 6);
  EXPECT_PARSE_ERROR("x = $y\n", "SyntaxError", "invalid character '$'", 1, 5);
  EXPECT_PARSE_ERROR("x = a ! b\n", "SyntaxError", "invalid syntax: '!'", 1, 7);
  EXPECT_PARSE_ERROR("x = 1 \\ 2\n", "SyntaxError",
                     "unexpected character after line continuation character", 1, 7);
  EXPECT_PARSE_ERROR("x = 3j\n", "SyntaxError", "complex numbers are not supported in configs", 1,
                     5);
  EXPECT_PARSE_ERROR("x = 12abc\n", "SyntaxError", "invalid decimal literal", 1, 7);
  EXPECT_PARSE_ERROR("if a:\n    b\n  c\n", "IndentationError",
                     "unindent does not match any outer indentation level", 3, 3);
  EXPECT_PARSE_ERROR("x = '\\x4'\n", "SyntaxError", "truncated \\x escape", 1, 5);
  const std::string named =
      "\\N{...} escapes (named Unicode characters) are not supported in mmcpp configs; write the "
      "character itself or use \\u/\\U";
  EXPECT_PARSE_ERROR("x = 'a\\N{BULLET}'\n", "SyntaxError", named, 1, 5);
  EXPECT_PARSE_ERROR("x = f'{1}\\N{BULLET}'\n", "SyntaxError", named, 1, 5);
  EXPECT_EQ(lex("r'\\N{X}'")[0].text, "\\N{X}");
}

// ---------------------------------------------------------------------------
// Parser: expressions

TEST(ConfigParser, NumberLiterals) {
  auto value = [](const std::string& text) { return parse_expr(text).expr().value; };
  EXPECT_EQ(value("1_000_000").as_int(), 1000000);
  EXPECT_EQ(value("0xff").as_int(), 255);
  EXPECT_EQ(value("0XFF").as_int(), 255);
  EXPECT_EQ(value("0x_ff").as_int(), 255);
  EXPECT_EQ(value("0o17").as_int(), 15);
  EXPECT_EQ(value("0b1010").as_int(), 10);
  EXPECT_EQ(value("0").as_int(), 0);
  EXPECT_EQ(value("0_0").as_int(), 0);
  EXPECT_EQ(value("9223372036854775807").as_int(), 9223372036854775807LL);
  EXPECT_EQ(value("-9223372036854775808").as_int(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(value("-0x8000000000000000").as_int(), std::numeric_limits<std::int64_t>::min());
  EXPECT_TRUE(value("1.0").is_float());
  EXPECT_DOUBLE_EQ(value("1e3").as_float(), 1000.0);
  EXPECT_DOUBLE_EQ(value("1.5e-3").as_float(), 0.0015);
  EXPECT_DOUBLE_EQ(value("2E+2").as_float(), 200.0);
  EXPECT_DOUBLE_EQ(value(".5").as_float(), 0.5);
  EXPECT_DOUBLE_EQ(value("5.").as_float(), 5.0);
  EXPECT_DOUBLE_EQ(value("00.5").as_float(), 0.5);
  EXPECT_DOUBLE_EQ(value("1_0.0_1").as_float(), 10.01);
  // A zero with an exponent is a float, not a prefixed integer.
  EXPECT_TRUE(value("0e5").is_float());
  EXPECT_DOUBLE_EQ(value("0E0").as_float(), 0.0);
  EXPECT_TRUE(std::isinf(value("1e400").as_float()));
}

TEST(ConfigParser, NumberLiteralErrors) {
  EXPECT_PARSE_ERROR("x = 012\n", "SyntaxError",
                     "leading zeros in decimal integer literals are not permitted; use an 0o "
                     "prefix for octal integers",
                     1, 5);
  EXPECT_PARSE_ERROR("x = 1__0\n", "SyntaxError", "invalid decimal literal '1__0'", 1, 5);
  EXPECT_PARSE_ERROR("x = 10_\n", "SyntaxError", "invalid decimal literal '10_'", 1, 5);
  EXPECT_PARSE_ERROR("x = 0b102\n", "SyntaxError", "invalid digit in number '0b102'", 1, 5);
  EXPECT_PARSE_ERROR("x = 0x\n", "SyntaxError", "invalid number '0x'", 1, 5);
}

TEST(ConfigParser, NegativeLiteralsAreFolded) {
  Parsed p = parse_expr("-5");
  EXPECT_EQ(p.expr().kind, ExprKind::Constant);
  EXPECT_EQ(p.expr().value.as_int(), -5);
  Parsed q = parse_expr("-2.5");
  EXPECT_DOUBLE_EQ(q.expr().value.as_float(), -2.5);
  // But not through a power: -2 ** 2 is -(2 ** 2).
  Parsed r = parse_expr("-2 ** 2");
  ASSERT_EQ(r.expr().kind, ExprKind::UnaryOp);
  EXPECT_EQ(r.expr().name, "-");
  EXPECT_EQ(r.expr().a->kind, ExprKind::BinOp);
  EXPECT_EQ(r.expr().a->name, "**");
}

TEST(ConfigParser, OperatorPrecedenceAndAssociativity) {
  Parsed p = parse_expr("1 + 2 * 3 - 4");
  // ((1 + (2 * 3)) - 4)
  ASSERT_EQ(p.expr().kind, ExprKind::BinOp);
  EXPECT_EQ(p.expr().name, "-");
  EXPECT_EQ(p.expr().a->name, "+");
  EXPECT_EQ(p.expr().a->b->name, "*");
  // ** is right-associative and binds its right operand's unary minus.
  Parsed q = parse_expr("2 ** 3 ** -1");
  EXPECT_EQ(q.expr().name, "**");
  EXPECT_EQ(q.expr().b->name, "**");
  EXPECT_EQ(q.expr().b->b->value.as_int(), -1);
  Parsed r = parse_expr("a | b ^ c & d << 1");
  EXPECT_EQ(r.expr().name, "|");
  EXPECT_EQ(r.expr().b->name, "^");
  EXPECT_EQ(r.expr().b->b->name, "&");
  EXPECT_EQ(r.expr().b->b->b->name, "<<");
}

TEST(ConfigParser, ComparisonsChainAndBoolOps) {
  Parsed p = parse_expr("a < b <= c not in d is not e in f is g");
  ASSERT_EQ(p.expr().kind, ExprKind::Compare);
  EXPECT_EQ(p.expr().ops, (std::vector<std::string>{"<", "<=", "not in", "is not", "in", "is"}));
  EXPECT_EQ(p.expr().items.size(), 6u);
  Parsed q = parse_expr("a or b and not c or d");
  ASSERT_EQ(q.expr().kind, ExprKind::BoolOp);
  EXPECT_EQ(q.expr().name, "or");
  ASSERT_EQ(q.expr().items.size(), 3u);
  EXPECT_EQ(q.expr().items[1]->name, "and");
  EXPECT_EQ(q.expr().items[1]->items[1]->name, "not");
}

TEST(ConfigParser, ConditionalExpression) {
  Parsed p = parse_expr("1 if a else 2 if b else 3");
  ASSERT_EQ(p.expr().kind, ExprKind::IfExp);
  EXPECT_EQ(p.expr().a->name, "a");          // test
  EXPECT_EQ(p.expr().b->value.as_int(), 1);  // body
  EXPECT_EQ(p.expr().c->kind, ExprKind::IfExp);
}

TEST(ConfigParser, Containers) {
  EXPECT_EQ(parse_expr("()").expr().kind, ExprKind::Tuple);
  EXPECT_EQ(parse_expr("(1)").expr().kind, ExprKind::Constant);
  EXPECT_EQ(parse_expr("(1,)").expr().items.size(), 1u);
  EXPECT_EQ(parse_expr("1, 2,").expr().kind, ExprKind::Tuple);
  EXPECT_EQ(parse_expr("[1, *a, 2,]").expr().items[1]->kind, ExprKind::Starred);
  EXPECT_EQ(parse_expr("{}").expr().kind, ExprKind::Dict);
  EXPECT_EQ(parse_expr("{1, 2}").expr().kind, ExprKind::Set);
  EXPECT_EQ(parse_expr("{*a}").expr().kind, ExprKind::Set);
  Parsed d = parse_expr("{'a': 1, **b, 'c': 2}");
  ASSERT_EQ(d.expr().kind, ExprKind::Dict);
  ASSERT_EQ(d.expr().keys.size(), 3u);
  EXPECT_EQ(d.expr().keys[1], nullptr);  // ** entry
  EXPECT_EQ(d.expr().items[1]->name, "b");
  EXPECT_EQ(parse_expr("{**a}").expr().keys.size(), 1u);
}

TEST(ConfigParser, Comprehensions) {
  EXPECT_EQ(parse_expr("[x for x in y if x if not x]").expr().generators[0].ifs.size(), 2u);
  EXPECT_EQ(parse_expr("{x for x in y}").expr().kind, ExprKind::SetComp);
  EXPECT_EQ(parse_expr("{k: v for k, v in y}").expr().kind, ExprKind::DictComp);
  EXPECT_EQ(parse_expr("(x for x in y)").expr().kind, ExprKind::GenExp);
  Parsed p = parse_expr("[(a, b) for a in x for b in y]");
  EXPECT_EQ(p.expr().generators.size(), 2u);
  Parsed g = parse_expr("sum(x for x in y)");
  ASSERT_EQ(g.expr().kind, ExprKind::Call);
  EXPECT_EQ(g.expr().args[0].value->kind, ExprKind::GenExp);
}

TEST(ConfigParser, CallArguments) {
  Parsed p = parse_expr("f(1, *a, k=2, **d)");
  const Expr& c = p.expr();
  ASSERT_EQ(c.kind, ExprKind::Call);
  ASSERT_EQ(c.args.size(), 4u);
  EXPECT_EQ(c.args[0].kind, CallArg::Positional);
  EXPECT_EQ(c.args[1].kind, CallArg::Star);
  EXPECT_EQ(c.args[2].kind, CallArg::Keyword);
  EXPECT_EQ(c.args[2].name, "k");
  EXPECT_EQ(c.args[3].kind, CallArg::DoubleStar);
  EXPECT_EQ(parse_expr("f()").expr().args.size(), 0u);
  EXPECT_EQ(parse_expr("f(a,)").expr().args.size(), 1u);
  EXPECT_PARSE_ERROR("x = f(a=1, 2)\n", "SyntaxError",
                     "positional argument follows keyword argument", 1, 12);
  EXPECT_PARSE_ERROR("x = f(**a, 2)\n", "SyntaxError",
                     "positional argument follows keyword argument unpacking", 1, 12);
}

TEST(ConfigParser, SubscriptsSlicesAndAttributes) {
  Parsed p = parse_expr("a.b[1][::-1][1:2, 3]");
  const Expr& outer = p.expr();
  ASSERT_EQ(outer.kind, ExprKind::Subscript);
  EXPECT_EQ(outer.b->kind, ExprKind::Tuple);
  EXPECT_EQ(outer.b->items[0]->kind, ExprKind::Slice);
  const Expr& rev = *outer.a;
  ASSERT_EQ(rev.b->kind, ExprKind::Slice);
  EXPECT_EQ(rev.b->a, nullptr);
  EXPECT_EQ(rev.b->b, nullptr);
  EXPECT_EQ(rev.b->c->value.as_int(), -1);
  EXPECT_EQ(rev.a->a->kind, ExprKind::Attribute);
  EXPECT_EQ(rev.a->a->name, "b");
  Parsed s = parse_expr("a[:]");
  EXPECT_EQ(s.expr().b->kind, ExprKind::Slice);
}

TEST(ConfigParser, ImplicitStringConcatenation) {
  Parsed p = parse_expr("'a' \"b\" '''c'''");
  EXPECT_EQ(p.expr().value.as_str(), "abc");
  // Inside brackets the parts may be on separate lines.
  Parsed q = parse_expr("('a'\n     \"b\" r'\\n')");
  EXPECT_EQ(q.expr().kind, ExprKind::Constant);
  EXPECT_EQ(q.expr().value.as_str(), "ab\\n");
  EXPECT_PARSE_ERROR("x = b'a' 'b'\n", "SyntaxError", "cannot mix bytes and nonbytes literals", 1,
                     5);
  EXPECT_PARSE_ERROR("x = b'a'\n", "SyntaxError", "bytes literals are not supported in configs", 1,
                     5);
}

TEST(ConfigParser, FStringParts) {
  Parsed p = parse_expr("f'a{b!r:>{w}}c' 'd'");
  const Expr& f = p.expr();
  ASSERT_EQ(f.kind, ExprKind::FString);
  ASSERT_EQ(f.items.size(), 3u);
  EXPECT_EQ(f.items[0]->value.as_str(), "a");
  const Expr& field = *f.items[1];
  ASSERT_EQ(field.kind, ExprKind::Formatted);
  EXPECT_EQ(field.conversion, 'r');
  EXPECT_EQ(field.a->name, "b");
  ASSERT_TRUE(field.b);  // spec: '>' then {w}
  EXPECT_EQ(field.b->items.size(), 2u);
  EXPECT_EQ(f.items[2]->value.as_str(), "cd");  // literal parts merge
  Parsed q = parse_expr("f'{{x}}'");
  EXPECT_EQ(q.expr().items[0]->value.as_str(), "{x}");
  Parsed r = parse_expr("f'{ {\"k\": 1}[\"k\"] }'");
  EXPECT_EQ(r.expr().items[0]->a->kind, ExprKind::Subscript);
}

TEST(ConfigParser, FStringErrors) {
  EXPECT_PARSE_ERROR("x = f'a}'\n", "SyntaxError", "f-string: single '}' is not allowed", 1, 8);
  EXPECT_PARSE_ERROR("x = f'{}'\n", "SyntaxError", "f-string: empty expression not allowed", 1, 7);
  EXPECT_PARSE_ERROR("x = f'{a'\n", "SyntaxError", "f-string: expecting '}'", 1, 7);
  EXPECT_PARSE_ERROR("x = f'{a!x}'\n", "SyntaxError", "f-string: invalid conversion character", 1,
                     7);
}

TEST(ConfigParser, LambdaAndWalrusParseButAreMarked) {
  EXPECT_EQ(parse_expr("lambda a, b=1: a").expr().kind, ExprKind::Lambda);
  Module m = parse("if (n := 3):\n    pass\n");
  EXPECT_EQ(m.body[0]->value->kind, ExprKind::NamedExpr);
}

// ---------------------------------------------------------------------------
// Parser: statements

TEST(ConfigParser, AssignmentForms) {
  Module m = parse("a = b = 1\nx += 2\ny: int = 3\nz: float\np, *q = r\nd['k'].e = 1\n");
  ASSERT_EQ(m.body.size(), 6u);
  EXPECT_EQ(m.body[0]->kind, StmtKind::Assign);
  EXPECT_EQ(m.body[0]->targets.size(), 2u);
  EXPECT_EQ(m.body[1]->kind, StmtKind::AugAssign);
  EXPECT_EQ(m.body[1]->op, "+");
  EXPECT_EQ(m.body[2]->kind, StmtKind::AnnAssign);
  EXPECT_TRUE(m.body[2]->value);
  EXPECT_EQ(m.body[3]->kind, StmtKind::AnnAssign);
  EXPECT_FALSE(m.body[3]->value);
  EXPECT_EQ(m.body[4]->targets[0]->kind, ExprKind::Tuple);
  EXPECT_EQ(m.body[4]->targets[0]->items[1]->kind, ExprKind::Starred);
  EXPECT_EQ(m.body[5]->targets[0]->kind, ExprKind::Attribute);
  Module aug = parse("a //= 2\nb **= 2\nc %= 2\nd |= e\n");
  EXPECT_EQ(aug.body[0]->op, "//");
  EXPECT_EQ(aug.body[1]->op, "**");
  EXPECT_EQ(aug.body[2]->op, "%");
  EXPECT_EQ(aug.body[3]->op, "|");
}

TEST(ConfigParser, AssignmentTargetErrors) {
  EXPECT_PARSE_ERROR("f() = 1\n", "SyntaxError", "cannot assign to expression", 1, 2);
  EXPECT_PARSE_ERROR("1 = x\n", "SyntaxError", "cannot assign to expression", 1, 1);
  EXPECT_PARSE_ERROR("a, b += 1\n", "SyntaxError", "illegal expression for augmented assignment", 1,
                     1);
  EXPECT_PARSE_ERROR("x = \n", "SyntaxError", "invalid syntax (at end of line)", 1, 5);
  EXPECT_PARSE_ERROR("x = 1 2\n", "SyntaxError", "invalid syntax (near '2')", 1, 7);
}

TEST(ConfigParser, CompoundStatements) {
  Module m = parse(
      "if a:\n    x = 1\nelif b:\n    x = 2\nelse:\n    x = 3\n"
      "for i, j in y:\n    continue\nelse:\n    pass\n"
      "for k in z: break\n");
  ASSERT_EQ(m.body.size(), 3u);
  const Stmt& s = *m.body[0];
  EXPECT_EQ(s.kind, StmtKind::If);
  ASSERT_EQ(s.orelse.size(), 1u);
  EXPECT_EQ(s.orelse[0]->kind, StmtKind::If);  // elif nests
  EXPECT_EQ(s.orelse[0]->orelse.size(), 1u);
  EXPECT_EQ(m.body[1]->kind, StmtKind::For);
  EXPECT_EQ(m.body[1]->target->kind, ExprKind::Tuple);
  EXPECT_EQ(m.body[1]->body[0]->kind, StmtKind::Continue);
  EXPECT_EQ(m.body[1]->orelse[0]->kind, StmtKind::Pass);
  EXPECT_EQ(m.body[2]->body[0]->kind, StmtKind::Break);
}

TEST(ConfigParser, SimpleStatements) {
  Module m = parse("a = 1; b = 2;\ndel a, b['k']\nassert a, 'msg'\n'''doc'''\n");
  ASSERT_EQ(m.body.size(), 5u);
  EXPECT_EQ(m.body[2]->kind, StmtKind::Delete);
  EXPECT_EQ(m.body[2]->targets.size(), 2u);
  EXPECT_EQ(m.body[3]->kind, StmtKind::Assert);
  EXPECT_TRUE(m.body[3]->extra);
  EXPECT_EQ(m.body[4]->kind, StmtKind::Expr);
}

TEST(ConfigParser, Imports) {
  Module m = parse(
      "import os.path as osp, copy\nfrom ..a.b import (c as d,\n    e,)\nfrom . import x\n"
      "from .base import *\n");
  const Stmt& i = *m.body[0];
  ASSERT_EQ(i.kind, StmtKind::Import);
  ASSERT_EQ(i.names.size(), 2u);
  EXPECT_EQ(i.names[0].name, "os.path");
  EXPECT_EQ(i.names[0].asname, "osp");
  EXPECT_EQ(i.names[1].asname, "");
  const Stmt& f = *m.body[1];
  ASSERT_EQ(f.kind, StmtKind::ImportFrom);
  EXPECT_EQ(f.level, 2);
  EXPECT_EQ(f.module, "a.b");
  ASSERT_EQ(f.names.size(), 2u);
  EXPECT_EQ(f.names[0].asname, "d");
  EXPECT_EQ(m.body[2]->level, 1);
  EXPECT_EQ(m.body[2]->module, "");
  EXPECT_EQ(m.body[3]->names[0].name, "*");
  EXPECT_PARSE_ERROR("from import x\n", "SyntaxError", "invalid syntax (near 'import')", 1, 6);
}

TEST(ConfigParser, WithStatement) {
  Module m = parse("with read_base():\n    from .a import *\n");
  ASSERT_EQ(m.body[0]->kind, StmtKind::With);
  EXPECT_EQ(m.body[0]->targets[0]->kind, ExprKind::Call);
  EXPECT_EQ(m.body[0]->body[0]->kind, StmtKind::ImportFrom);
}

TEST(ConfigParser, UnsupportedStatementsParseAsUnsupported) {
  Module m = parse(
      "def f(a, b=1) -> int:\n    return a\n"
      "class A(B):\n    x = 1\n"
      "while x:\n    pass\n"
      "try:\n    pass\nexcept E as e:\n    pass\nfinally:\n    pass\n"
      "@decorator\ndef g(): pass\n"
      "raise X\nglobal y\n");
  std::vector<std::string> ops;
  for (const auto& s : m.body) {
    EXPECT_EQ(s->kind, StmtKind::Unsupported);
    ops.push_back(s->op);
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"def", "class", "while", "try", "@", "def", "raise",
                                           "global"}));
}

TEST(ConfigParser, IndentationErrors) {
  EXPECT_PARSE_ERROR("  x = 1\n", "IndentationError", "unexpected indent (unexpected indent)", 1,
                     3);
  EXPECT_PARSE_ERROR("if a:\nx = 1\n", "IndentationError", "expected an indented block (near 'x')",
                     2, 1);
}

TEST(ConfigParser, DeepNestingIsASyntaxError) {
  std::string deep = "x = " + std::string(300, '[') + std::string(300, ']') + "\n";
  SourceError e = parse_error(deep);
  EXPECT_EQ(e.kind(), "SyntaxError");
  EXPECT_NE(e.bare_message().find("too many nested parentheses"), std::string::npos);
}

TEST(ConfigParser, ErrorTextShowsFileLineColumnAndCaret) {
  SourceText src("configs/my_cfg.py", "a = 1\nb = (2 +\n     )\n");
  try {
    parse_module(src);
    FAIL() << "expected a SyntaxError";
  } catch (const SourceError& e) {
    EXPECT_EQ(std::string(e.what()),
              "configs/my_cfg.py:3:6: SyntaxError: invalid syntax (near ')')\n"
              "         )\n"
              "         ^");
    EXPECT_EQ(e.where().file, "configs/my_cfg.py");
  }
}

}  // namespace
}  // namespace mmcpp::config

namespace mmcpp {
namespace {

// Found by the config fuzzer: an error whose column lies past the end of a long
// source line (a string broken by a carriage return) must still render.
TEST(SourceErrorRendering, ColumnPastTheEndOfALongLine) {
  const std::string line(150, 'x');
  SourceError e("SyntaxError", "unterminated string", SourceLocation{"f.py", 3, 260}, line);
  const std::string text = e.what();
  EXPECT_NE(text.find("f.py:3:260: SyntaxError: unterminated string"), std::string::npos);
  EXPECT_NE(text.find("..." + std::string(100, 'x')), std::string::npos);
  EXPECT_EQ(text.back(), '^');
}

TEST(SourceErrorRendering, UnterminatedStringBeforeACarriageReturnInALongLine) {
  const std::string src = "a = '" + std::string(180, 'y') + "\rb = 1\n";
  try {
    config::Config::fromstring(src, ".py");
    FAIL() << "an unterminated string must fail";
  } catch (const SourceError& e) {
    EXPECT_EQ(e.kind(), "SyntaxError");
  }
}

}  // namespace
}  // namespace mmcpp
