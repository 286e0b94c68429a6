#include "mmcpp/core/error.h"

#include <algorithm>

namespace mmcpp {
namespace {

std::string render(const std::string& kind, const std::string& message, const SourceLocation& where,
                   const std::string& source_line) {
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
    // Long lines are shown as a window around the column.
    constexpr int kWindow = 100;
    std::string line = source_line;
    int column = where.column;
    if (static_cast<int>(line.size()) > kWindow) {
      // A column past the end of the line (an error at a line break) shows the tail.
      int start =
          std::min(std::max(0, column - 1 - kWindow / 2), static_cast<int>(line.size()) - kWindow);
      std::string prefix = start > 0 ? "..." : "";
      std::string shown = line.substr(static_cast<std::size_t>(start), kWindow);
      std::string suffix = start + kWindow < static_cast<int>(line.size()) ? "..." : "";
      line = prefix + shown + suffix;
      column = column - start + static_cast<int>(prefix.size());
    }
    out += "\n    " + line + "\n    ";
    // Keep tabs so the caret lines up under the offending text.
    for (int i = 1; i < column && i <= static_cast<int>(line.size()); ++i)
      out += line[i - 1] == '\t' ? '\t' : ' ';
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
