#include "mmcpp/core/error.h"

namespace mmcpp {
namespace {

std::string render(const std::string& kind, const std::string& message,
                   const SourceLocation& where, const std::string& source_line) {
  std::string out;
  if (!where.file.empty()) {
    out += where.file;
    if (where.line > 0) {
      out += ":" + std::to_string(where.line);
      if (where.column > 0) out += ":" + std::to_string(where.column);
    }
    out += ": ";
  }
  out += kind + ": " + message;
  if (!source_line.empty()) {
    out += "\n    " + source_line + "\n    ";
    // Keep tabs so the caret lines up under the offending text.
    for (int i = 1; i < where.column && i <= static_cast<int>(source_line.size()); ++i)
      out += source_line[i - 1] == '\t' ? '\t' : ' ';
    out += "^";
  }
  return out;
}

}  // namespace

SourceError::SourceError(std::string kind, std::string message, SourceLocation where,
                         const std::string& source_line)
    : Error(kind, render(kind, message, where, source_line)),
      message_(std::move(message)),
      where_(std::move(where)) {}

}  // namespace mmcpp
