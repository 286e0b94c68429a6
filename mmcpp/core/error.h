// Typed exceptions shared by every mmcpp component.
//
// Every error carries a Python-style kind ("KeyError", "TypeError", ...) so that
// behaviour can be compared with MMEngine's, which raises the same kinds, and a
// message that already names the file/key/value it is about.
#pragma once

#include <stdexcept>
#include <string>

namespace mmcpp {

class Error : public std::runtime_error {
 public:
  Error(std::string kind, const std::string& message)
      : std::runtime_error(message), kind_(std::move(kind)) {}
  // The Python exception type MMEngine raises in the same situation.
  const std::string& kind() const { return kind_; }

 private:
  std::string kind_;
};

// A position in a source file, 1-based; line 0 means "unknown".
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// An error tied to a place in a config (or other text) file. what() holds the
// full rendering: "file:line:col: Kind: message", the source line and a caret.
class SourceError : public Error {
 public:
  SourceError(std::string kind, std::string message, SourceLocation where,
              const std::string& source_line);
  const SourceLocation& where() const { return where_; }
  // The message alone, without location or source excerpt.
  const std::string& bare_message() const { return message_; }

 private:
  std::string message_;
  SourceLocation where_;
};

}  // namespace mmcpp
