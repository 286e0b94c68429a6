#include "mmcpp/config/lexer.h"

#include "mmcpp/core/utf8.h"

#include <cctype>
#include <cstring>

namespace mmcpp::config {

SourceText::SourceText(std::string filename, std::string text)
    : filename_(std::move(filename)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
}

std::string SourceText::line(int line) const {
  if (line < 1 || line > static_cast<int>(line_starts_.size())) return "";
  std::size_t b = line_starts_[line - 1];
  std::size_t e = text_.find('\n', b);
  std::string s = text_.substr(b, e == std::string::npos ? std::string::npos : e - b);
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

void SourceText::fail(const std::string& kind, const std::string& message, int line,
                      int column) const {
  throw SourceError(kind, message, SourceLocation{filename_, line, column}, this->line(line));
}

namespace {

bool is_ident_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool is_ident_char(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

class Lexer {
 public:
  explicit Lexer(const SourceText& src) : src_(src), s_(src.text()) {}

  std::vector<Token> run() {
    indents_.push_back(0);
    bool at_line_start = true;
    while (true) {
      if (at_line_start && depth_ == 0) {
        if (!handle_indentation()) break;  // end of input
        at_line_start = false;
      }
      skip_spaces();
      if (pos_ >= s_.size()) break;
      char c = s_[pos_];
      if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
        continue;
      }
      if (c == '\\') {
        std::size_t n = pos_ + 1;
        if (n < s_.size() && s_[n] == '\r') ++n;
        if (n < s_.size() && s_[n] == '\n') {
          pos_ = n + 1;
          new_line();
          continue;
        }
        fail("unexpected character after line continuation character");
      }
      if (c == '\n' || c == '\r') {
        if (c == '\r' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') ++pos_;
        if (depth_ == 0 && !tokens_.empty() && tokens_.back().type != Tok::Newline)
          push(Tok::Newline, "", line_, col());
        ++pos_;
        new_line();
        at_line_start = depth_ == 0;
        continue;
      }
      lex_token();
    }
    if (depth_ > 0)
      src_.fail("SyntaxError", "unexpected EOF: unclosed bracket", open_line_, open_col_);
    if (!tokens_.empty() && tokens_.back().type != Tok::Newline)
      push(Tok::Newline, "", line_, col());
    while (indents_.size() > 1) {
      indents_.pop_back();
      push(Tok::Dedent, "", line_, 1);
    }
    push(Tok::End, "", line_, col());
    return std::move(tokens_);
  }

 private:
  int col() const { return static_cast<int>(pos_ - line_start_) + 1; }
  void new_line() {
    ++line_;
    line_start_ = pos_;
  }
  [[noreturn]] void fail(const std::string& msg) { src_.fail("SyntaxError", msg, line_, col()); }
  void push(Tok t, std::string text, int line, int column) {
    Token tok;
    tok.type = t;
    tok.text = std::move(text);
    tok.line = line;
    tok.column = column;
    tokens_.push_back(std::move(tok));
  }
  void skip_spaces() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\f')) ++pos_;
  }

  // At the start of a logical line: measure indentation, skip blank/comment lines,
  // emit INDENT/DEDENT. Returns false at end of input.
  bool handle_indentation() {
    while (true) {
      int width = 0;
      while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\f')) {
        width = s_[pos_] == '\t' ? (width / 8 + 1) * 8 : s_[pos_] == '\f' ? 0 : width + 1;
        ++pos_;
      }
      if (pos_ >= s_.size()) return false;
      char c = s_[pos_];
      if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      }
      if (pos_ >= s_.size()) return false;
      c = s_[pos_];
      if (c == '\n' || c == '\r') {
        if (c == '\r' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') ++pos_;
        ++pos_;
        new_line();
        continue;
      }
      if (c == '\\') return true;  // continuation on an otherwise empty line
      if (width > indents_.back()) {
        indents_.push_back(width);
        push(Tok::Indent, "", line_, col());
      } else {
        while (width < indents_.back()) {
          indents_.pop_back();
          push(Tok::Dedent, "", line_, col());
        }
        if (width != indents_.back())
          src_.fail("IndentationError", "unindent does not match any outer indentation level",
                    line_, col());
      }
      return true;
    }
  }

  void lex_token() {
    int start_col = col();
    unsigned char c = s_[pos_];
    // String with optional prefix.
    if (is_ident_start(c)) {
      std::size_t p = pos_;
      while (p < s_.size() && p - pos_ < 3 && std::strchr("rRuUbBfF", s_[p])) ++p;
      if (p < s_.size() && (s_[p] == '\'' || s_[p] == '"') && p > pos_) {
        std::string prefix = s_.substr(pos_, p - pos_);
        if (valid_prefix(prefix)) {
          pos_ = p;
          lex_string(prefix, start_col);
          return;
        }
      }
      std::size_t b = pos_;
      while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
      push(Tok::Name, s_.substr(b, pos_ - b), line_, start_col);
      return;
    }
    if (c == '\'' || c == '"') {
      lex_string("", start_col);
      return;
    }
    if (std::isdigit(c) || (c == '.' && pos_ + 1 < s_.size() && std::isdigit(s_[pos_ + 1]))) {
      lex_number(start_col);
      return;
    }
    static const char* ops3[] = {"**=", "//=", ">>=", "<<=", "...", nullptr};
    static const char* ops2[] = {"**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=",   "%=",
                                 "&=", "|=", "^=", ":=", "<<", ">>", "->", "@=", "<>", nullptr};
    for (const char** op = ops3; *op; ++op)
      if (s_.compare(pos_, 3, *op) == 0) {
        pos_ += 3;
        push(Tok::Op, *op, line_, start_col);
        return;
      }
    for (const char** op = ops2; *op; ++op)
      if (s_.compare(pos_, 2, *op) == 0) {
        if (std::string(*op) == "<>") break;
        pos_ += 2;
        push(Tok::Op, *op, line_, start_col);
        return;
      }
    if (std::strchr("+-*/%@&|^~<>()[]{},:.;=!", c)) {
      if (c == '(' || c == '[' || c == '{') {
        if (depth_ == 0) {
          open_line_ = line_;
          open_col_ = start_col;
        }
        ++depth_;
      } else if (c == ')' || c == ']' || c == '}') {
        if (depth_ == 0) fail(std::string("unmatched '") + static_cast<char>(c) + "'");
        --depth_;
      } else if (c == '!') {
        fail("invalid syntax: '!'");
      }
      ++pos_;
      push(Tok::Op, std::string(1, static_cast<char>(c)), line_, start_col);
      return;
    }
    if (c == '$' || c == '?' || c == '`')
      fail(std::string("invalid character '") + static_cast<char>(c) + "'");
    fail("invalid character in source");
  }

  static bool valid_prefix(const std::string& p) {
    std::string l;
    for (char ch : p) l += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    static const char* ok[] = {"r", "u", "b", "f", "br", "rb", "fr", "rf", nullptr};
    for (const char** o = ok; *o; ++o)
      if (l == *o) return true;
    return false;
  }

  void lex_number(int start_col) {
    std::size_t b = pos_;
    auto digits = [&](auto pred) {
      while (pos_ < s_.size() && (pred(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
        ++pos_;
    };
    bool is_float = false;
    if (s_[pos_] == '0' && pos_ + 1 < s_.size() && std::strchr("xXoObB", s_[pos_ + 1])) {
      pos_ += 2;
      digits([](unsigned char ch) { return std::isxdigit(ch) != 0; });
    } else {
      digits([](unsigned char ch) { return std::isdigit(ch) != 0; });
      if (pos_ < s_.size() && s_[pos_] == '.') {
        is_float = true;
        ++pos_;
        digits([](unsigned char ch) { return std::isdigit(ch) != 0; });
      }
      if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
        std::size_t save = pos_;
        ++pos_;
        if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
        if (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
          is_float = true;
          digits([](unsigned char ch) { return std::isdigit(ch) != 0; });
        } else {
          pos_ = save;
        }
      }
    }
    if (pos_ < s_.size() && (s_[pos_] == 'j' || s_[pos_] == 'J'))
      src_.fail("SyntaxError", "complex numbers are not supported in configs", line_, start_col);
    if (pos_ < s_.size() && is_ident_char(s_[pos_])) fail("invalid decimal literal");
    (void)is_float;
    push(Tok::Number, s_.substr(b, pos_ - b), line_, start_col);
  }

  void lex_string(const std::string& prefix, int start_col) {
    bool raw = false, fstr = false, bytes = false;
    for (char ch : prefix) {
      char l = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      raw |= l == 'r';
      fstr |= l == 'f';
      bytes |= l == 'b';
    }
    char q = s_[pos_];
    bool triple = s_.compare(pos_, 3, std::string(3, q)) == 0;
    int start_line = line_;
    pos_ += triple ? 3 : 1;
    int body_line = line_, body_col = col();
    std::string body;
    while (true) {
      if (pos_ >= s_.size())
        src_.fail(
            "SyntaxError",
            triple ? "unterminated triple-quoted string literal" : "unterminated string literal",
            start_line, start_col);
      char ch = s_[pos_];
      if (ch == '\\' && pos_ + 1 < s_.size()) {
        body += ch;
        body += s_[pos_ + 1];
        if (s_[pos_ + 1] == '\n') {
          pos_ += 2;
          new_line();
        } else {
          pos_ += 2;
        }
        continue;
      }
      if (ch == q) {
        if (!triple) {
          ++pos_;
          break;
        }
        if (s_.compare(pos_, 3, std::string(3, q)) == 0) {
          pos_ += 3;
          break;
        }
      }
      if (ch == '\n') {
        if (!triple) src_.fail("SyntaxError", "unterminated string literal", start_line, start_col);
        body += ch;
        ++pos_;
        new_line();
        continue;
      }
      body += ch;
      ++pos_;
    }
    Token tok;
    tok.type = Tok::String;
    tok.line = start_line;
    tok.column = start_col;
    tok.is_fstring = fstr;
    tok.is_bytes = bytes;
    tok.is_raw = raw;
    tok.body_line = body_line;
    tok.body_column = body_col;
    if (fstr || raw)
      tok.text = body;  // f-strings are split by the parser; raw strings are verbatim
    else
      tok.text = decode_string_escapes(body, src_, start_line, start_col);
    tokens_.push_back(std::move(tok));
  }

  const SourceText& src_;
  const std::string& s_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  int line_ = 1;
  int depth_ = 0;
  int open_line_ = 0, open_col_ = 0;
  std::vector<int> indents_;
  std::vector<Token> tokens_;
};

}  // namespace

std::string decode_string_escapes(const std::string& body, const SourceText& source, int line,
                                  int column) {
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out += c;
      continue;
    }
    char e = body[++i];
    if (char simple = utf8::python_simple_escape(e)) {
      out += simple;
      continue;
    }
    switch (e) {
      case '\n':
        break;  // line continuation inside a string
      case 'x':
      case 'u':
      case 'U': {
        std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        unsigned long cp = 0;
        for (std::size_t k = 1; k <= n; ++k) {
          char h = i + k < body.size() ? body[i + k] : 'g';
          if (!std::isxdigit(static_cast<unsigned char>(h)))
            source.fail("SyntaxError", std::string("truncated \\") + e + " escape", line, column);
          cp = cp * 16 + (std::isdigit(static_cast<unsigned char>(h))
                              ? h - '0'
                              : std::tolower(static_cast<unsigned char>(h)) - 'a' + 10);
        }
        if (cp > 0x10FFFF)
          source.fail("SyntaxError", "illegal Unicode character in escape", line, column);
        i += n;
        utf8::append(out, static_cast<std::uint32_t>(cp));
        break;
      }
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        unsigned long cp = e - '0';
        for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7';
             ++k)
          cp = cp * 8 + (body[++i] - '0');
        utf8::append(out, static_cast<std::uint32_t>(cp));
        break;
      }
      case 'N':
        if (i + 1 < body.size() && body[i + 1] == '{')
          source.fail("SyntaxError",
                      "\\N{...} escapes (named Unicode characters) are not supported in mmcpp "
                      "configs; write the character itself or use \\u/\\U",
                      line, column);
        out += "\\N";
        break;
      default:
        out += '\\';  // unknown escapes stay as written, as in Python
        out += e;
    }
  }
  return out;
}

std::vector<Token> tokenize(const SourceText& source) { return Lexer(source).run(); }

}  // namespace mmcpp::config
