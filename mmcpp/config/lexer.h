// Tokenizer for the Python subset that config files use.
//
// Produces Python's token stream (NAME, NUMBER, STRING, OP, NEWLINE, INDENT,
// DEDENT, END) with 1-based line/column positions, handling implicit line joining
// inside brackets, backslash continuations, comments and all string forms
// (prefixes r/u/b/f, single/triple quotes). String tokens carry their decoded text;
// f-strings carry their raw body for the parser to split.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/core/error.h"

namespace mmcpp::config {

// A source text with its name, for positions and error excerpts.
class SourceText {
 public:
  SourceText(std::string filename, std::string text);
  const std::string& filename() const { return filename_; }
  const std::string& text() const { return text_; }
  // The text of line `line` (1-based) without its newline.
  std::string line(int line) const;
  // Throw a SourceError of `kind` pointing at line/column.
  [[noreturn]] void fail(const std::string& kind, const std::string& message, int line,
                         int column) const;

 private:
  std::string filename_;
  std::string text_;
  std::vector<std::size_t> line_starts_;
};

enum class Tok { Name, Number, String, Op, Newline, Indent, Dedent, End };

struct Token {
  Tok type;
  std::string text;  // NAME/OP/NUMBER: as written; STRING: decoded value
  int line = 0;
  int column = 0;
  // STRING only.
  bool is_fstring = false;
  bool is_bytes = false;
  bool is_raw = false;
  // f-strings: the raw (undecoded) body and where it starts in the source.
  int body_line = 0;
  int body_column = 0;
};

// Tokenize a whole file. Throws SourceError("SyntaxError") on bad input.
std::vector<Token> tokenize(const SourceText& source);

// Decode the escapes of a (non-raw) Python string body. `fail` reports problems.
std::string decode_string_escapes(const std::string& body, const SourceText& source, int line,
                                  int column);

}  // namespace mmcpp::config
