// Syntax tree of the Python subset accepted in config files.
//
// One node struct per family, tagged by an enum; children are owned. Statements
// the evaluator refuses (def, class, while, try, ...) are still parsed, so that a
// config that never runs them (an `if __name__ == '__main__':` block) loads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"

namespace mmcpp::config {

struct Loc {
  int line = 0;
  int column = 0;
};

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class ExprKind {
  Constant,   // value
  FString,    // parts: Constant (literal text) or FormattedValue
  Formatted,  // a: the expression; conversion; b: format spec (FString) or null
  Name,       // name
  Attribute,  // a.name
  Subscript,  // a[b]
  Slice,      // a:b:c (any may be null)
  Call,       // a(args)
  BinOp,      // a op b
  UnaryOp,    // op a
  BoolOp,     // items joined by op ("and"/"or")
  Compare,    // a ops[i] items[i] ...
  IfExp,      // b if a else c
  List,
  Tuple,
  Set,
  Dict,      // keys[i] (null for **items[i]) : items[i]
  Starred,   // *a
  ListComp,  // a for ... (generators)
  SetComp,
  GenExp,
  DictComp,   // a: b for ...
  Lambda,     // refused at evaluation
  NamedExpr,  // refused at evaluation
};

struct CallArg {
  enum Kind { Positional, Star, Keyword, DoubleStar } kind = Positional;
  std::string name;  // Keyword only
  ExprPtr value;
};

struct Comprehension {
  ExprPtr target;
  ExprPtr iter;
  std::vector<ExprPtr> ifs;
};

struct Expr {
  ExprKind kind;
  Loc loc;
  Value value;          // Constant
  std::string name;     // Name, Attribute (attr), BinOp/UnaryOp/BoolOp (op)
  char conversion = 0;  // Formatted: 'r', 's', 'a' or 0
  ExprPtr a, b, c;
  std::vector<ExprPtr> items;    // sequences, Dict values, BoolOp operands, Compare rhs
  std::vector<ExprPtr> keys;     // Dict keys
  std::vector<std::string> ops;  // Compare operators
  std::vector<CallArg> args;     // Call
  std::vector<Comprehension> generators;

  Expr(ExprKind k, Loc l) : kind(k), loc(l) {}
};

enum class StmtKind {
  Expr,        // value
  Assign,      // targets = value
  AugAssign,   // target op= value
  AnnAssign,   // target: annotation [= value]
  For,         // for target in iter: body else: orelse
  If,          // if test: body else: orelse
  With,        // with items: body
  Import,      // import a.b [as c], ...
  ImportFrom,  // from [.]module import names
  Pass,
  Break,
  Continue,
  Delete,       // del targets
  Assert,       // assert test, msg
  Unsupported,  // def, class, while, try, return, raise, global, ...: name says which
};

struct ImportName {
  std::string name;
  std::string asname;  // empty when absent
  Loc loc;
};

struct Stmt {
  StmtKind kind;
  Loc loc;
  std::vector<ExprPtr> targets;  // Assign targets, Delete targets, With context exprs
  ExprPtr target;                // AugAssign, AnnAssign, For
  ExprPtr value;                 // Expr, Assign, AugAssign, AnnAssign(optional), For iter,
                                 // If test, Assert test
  ExprPtr extra;                 // AnnAssign annotation, Assert message
  std::string op;                // AugAssign operator ("+", "*", ...); Unsupported: keyword
  Body body, orelse;
  std::vector<ImportName> names;  // Import / ImportFrom
  std::string module;             // ImportFrom (without the leading dots)
  int level = 0;                  // ImportFrom: number of leading dots

  Stmt(StmtKind k, Loc l) : kind(k), loc(l) {}
};

struct Module {
  Body body;
};

}  // namespace mmcpp::config
