// Helpers shared by the interpreter tests: run a snippet as a classic `.py`
// config and look at its variables or at the error it raises.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"

namespace mmcpp::config::test {

// The loaded config (Config::fromstring, so the file is "<string>.py").
inline Value load(const std::string& code) { return Config::fromstring(code, ".py").to_dict(); }

// repr() of variable `key` after running `code`.
inline std::string var(const std::string& code, const std::string& key = "x") {
  Value cfg = load(code);
  const Value* v = cfg.as_dict().find(key);
  if (!v) return "<no variable '" + key + "'>";
  return v->repr();
}

// repr() of the expression `expr` (evaluated as `x = <expr>`).
inline std::string ev(const std::string& expr) { return var("x = " + expr + "\n"); }

// The error running `code` raises; kind "none" when it loads.
struct Raised {
  std::string kind = "none";
  std::string message;  // bare message (SourceError) or what()
  std::string what;
  int line = 0;
  int column = 0;
};

inline Raised raised(const std::string& code) {
  Raised r;
  try {
    load(code);
  } catch (const SourceError& e) {
    r.kind = e.kind();
    r.message = e.bare_message();
    r.what = e.what();
    r.line = e.where().line;
    r.column = e.where().column;
  } catch (const Error& e) {
    r.kind = e.kind();
    r.message = e.what();
    r.what = e.what();
  }
  return r;
}

// Checks kind, exact message and position of the error `code` raises.
#define EXPECT_RAISES(code, error_kind, error_message, at_line, at_column)  \
  do {                                                                      \
    ::mmcpp::config::test::Raised r_ = ::mmcpp::config::test::raised(code); \
    EXPECT_EQ(r_.kind, error_kind) << r_.what;                              \
    EXPECT_EQ(r_.message, error_message) << r_.what;                        \
    EXPECT_EQ(r_.line, at_line) << r_.what;                                 \
    EXPECT_EQ(r_.column, at_column) << r_.what;                             \
  } while (0)

// Checks kind and that the message contains `part`.
#define EXPECT_RAISES_LIKE(code, error_kind, part)                          \
  do {                                                                      \
    ::mmcpp::config::test::Raised r_ = ::mmcpp::config::test::raised(code); \
    EXPECT_EQ(r_.kind, error_kind) << r_.what;                              \
    EXPECT_NE(r_.message.find(part), std::string::npos) << r_.what;         \
  } while (0)

}  // namespace mmcpp::config::test
