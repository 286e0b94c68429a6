// Recursive-descent parser: tokens -> syntax tree, following Python's grammar for
// the expressions and statements configs use. Syntax errors carry file:line:col.
#pragma once

#include "mmcpp/config/ast.h"
#include "mmcpp/config/lexer.h"

namespace mmcpp::config {

// Parse a whole file. Throws SourceError("SyntaxError") with the position.
Module parse_module(const SourceText& source);

}  // namespace mmcpp::config
