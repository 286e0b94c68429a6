// YAML reader giving what PyYAML's yaml.load gives (MMEngine loads .yaml/.yml
// configs with it): yaml-cpp tokenises and parses, and the values are built from
// its events with PyYAML's YAML 1.1 resolver and constructors, so `yes` is True,
// `1e5` is a str, `010` is 8, `<<` merges mappings and quoted scalars stay str.
//
// Differences from PyYAML: timestamps (`2020-01-01`) stay str (PyYAML makes
// datetime.date/datetime); an alias to a node that is still open (a recursive
// structure) is an error; ints beyond int64 become the nearest float; !!binary,
// !!omap, !!pairs and python/object tags are not supported; and yaml-cpp lets
// through a few documents PyYAML's scanner rejects (a tab inside a plain
// scalar, a quoted scalar left open at the end of the file).
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <sstream>
#include <string_view>
#include <vector>

#include "mmcpp/config/dump.h"
#include "mmcpp/core/error.h"

namespace mmcpp::config {
namespace {

constexpr std::string_view kYamlTag = "tag:yaml.org,2002:";

// ---------------------------------------------------------------------------
// PyYAML's implicit resolver (resolver.py): its regular expressions, written
// out by hand, tried in its order and only for the first characters it
// registers each one under.

enum class Implicit { Str, Null, Bool, Int, Float, Merge, Timestamp, ValueTag };

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool in(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }
bool all_in(std::string_view s, std::string_view set) {
  for (char c : s)
    if (!in(c, set)) return false;
  return true;
}
std::string_view without_sign(std::string_view s) {
  return !s.empty() && (s[0] == '-' || s[0] == '+') ? s.substr(1) : s;
}
constexpr std::string_view kDigitsUnderscore = "0123456789_";

// [0-9][0-9_]* (or [1-9][0-9_]* with nonzero_first)
bool digits_run(std::string_view s, bool nonzero_first = false) {
  return !s.empty() && is_digit(s[0]) && !(nonzero_first && s[0] == '0') &&
         all_in(s.substr(1), kDigitsUnderscore);
}

// head(:[0-5]?[0-9])+ -- the sexagesimal part of ints and floats.
bool sexagesimal(std::string_view s, bool nonzero_first) {
  std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || !digits_run(s.substr(0, colon), nonzero_first))
    return false;
  while (colon != std::string_view::npos) {
    std::size_t next = s.find(':', colon + 1);
    std::string_view part =
        s.substr(colon + 1, next == std::string_view::npos ? next : next - colon - 1);
    bool ok = (part.size() == 1 && is_digit(part[0])) ||
              (part.size() == 2 && part[0] >= '0' && part[0] <= '5' && is_digit(part[1]));
    if (!ok) return false;
    colon = next;
  }
  return true;
}

// (?:[eE][-+][0-9]+)? up to the end.
bool optional_exponent(std::string_view s) {
  if (s.empty()) return true;
  return s.size() >= 3 && in(s[0], "eE") && in(s[1], "-+") && all_in(s.substr(2), "0123456789");
}

bool matches_bool(std::string_view s) {
  for (std::string_view w : {"yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false",
                             "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"})
    if (s == w) return true;
  return false;
}

bool matches_float(std::string_view s) {
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return true;
  std::string_view u = without_sign(s);
  if (u == ".inf" || u == ".Inf" || u == ".INF") return true;
  if (s[0] == '.') {  // \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    std::size_t end = 1;
    while (end < s.size() && in(s[end], kDigitsUnderscore)) ++end;
    return end > 1 && is_digit(s[1]) && optional_exponent(s.substr(end));
  }
  std::size_t dot = u.find('.');
  if (dot == std::string_view::npos) return false;
  std::string_view head = u.substr(0, dot), tail = u.substr(dot + 1);
  // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
  if (head.find(':') != std::string_view::npos)
    return sexagesimal(head, false) && all_in(tail, kDigitsUnderscore);
  // [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?
  std::size_t end = 0;
  while (end < tail.size() && in(tail[end], kDigitsUnderscore)) ++end;
  return digits_run(head) && optional_exponent(tail.substr(end));
}

bool matches_int(std::string_view s) {
  std::string_view u = without_sign(s);
  if (u.size() > 2 && u.substr(0, 2) == "0b") return all_in(u.substr(2), "01_");
  if (u.size() > 2 && u.substr(0, 2) == "0x") return all_in(u.substr(2), "0123456789abcdefABCDEF_");
  if (u.size() > 1 && u[0] == '0') return all_in(u.substr(1), "01234567_");
  if (u == "0" || digits_run(u, true)) return true;
  return sexagesimal(u, true);
}

// [0-9]{4}-[0-9][0-9]-[0-9][0-9], or the date-time form with optional zone.
bool matches_timestamp(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&](std::size_t min, std::size_t max) {
    std::size_t n = 0;
    while (n < max && i < s.size() && is_digit(s[i])) ++i, ++n;
    return n >= min;
  };
  auto eat = [&](char c) { return i < s.size() && s[i] == c ? (++i, true) : false; };
  if (s.size() == 10 && digits(4, 4) && eat('-') && digits(2, 2) && eat('-') && digits(2, 2))
    return true;
  i = 0;
  if (!(digits(4, 4) && eat('-') && digits(1, 2) && eat('-') && digits(1, 2))) return false;
  if (!eat('T') && !eat('t')) {
    std::size_t start = i;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i == start) return false;
  }
  if (!(digits(1, 2) && eat(':') && digits(2, 2) && eat(':') && digits(2, 2))) return false;
  if (eat('.')) digits(0, s.size());
  if (i == s.size()) return true;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  if (eat('Z')) return i == s.size();
  if (!eat('-') && !eat('+')) return false;
  if (!digits(1, 2)) return false;
  if (eat(':') && !digits(2, 2)) return false;
  return i == s.size();
}

Implicit resolve_plain(std::string_view s) {
  if (s.empty()) return Implicit::Null;
  char c = s[0];
  if (in(c, "yYnNtTfFoO") && matches_bool(s)) return Implicit::Bool;
  if (in(c, "-+0123456789.") && matches_float(s)) return Implicit::Float;
  if (in(c, "-+0123456789") && matches_int(s)) return Implicit::Int;
  if (s == "<<") return Implicit::Merge;
  if (s == "~" || s == "null" || s == "Null" || s == "NULL") return Implicit::Null;
  if (is_digit(c) && matches_timestamp(s)) return Implicit::Timestamp;
  if (s == "=") return Implicit::ValueTag;
  return Implicit::Str;
}

// ---------------------------------------------------------------------------
// PyYAML's constructors (SafeConstructor.construct_yaml_*). They return false
// where Python's int()/float()/dict lookup would raise.

std::string without_underscores(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '_') out += c;
  return out;
}

// int(text, base) for a sign-less digit string, exactly (Python ints have no limit).
bool parse_unsigned(std::string_view text, int base, BigInt& n) {
  return BigInt::parse(text, base, n);
}

bool construct_int(const std::string& raw, Value& out) {
  std::string v = without_underscores(raw);
  if (v.empty()) return false;
  bool neg = v[0] == '-';
  if (v[0] == '-' || v[0] == '+') v.erase(0, 1);
  if (v.empty()) return false;
  BigInt n;
  bool ok = true;
  std::string_view digits = v;
  if (v == "0") {
    // zero
  } else if (v.rfind("0b", 0) == 0) {
    ok = parse_unsigned(digits.substr(2), 2, n);
  } else if (v.rfind("0x", 0) == 0) {
    ok = parse_unsigned(digits.substr(2), 16, n);
  } else if (v[0] == '0') {
    ok = parse_unsigned(digits, 8, n);
  } else if (v.find(':') != std::string::npos) {
    // Sexagesimal: 1:30 is 90.
    std::size_t start = 0;
    while (ok) {
      std::size_t colon = v.find(':', start);
      BigInt part;
      ok = parse_unsigned(digits.substr(start, colon - start), 10, part);
      n = n * BigInt(60) + part;
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  } else {
    ok = parse_unsigned(digits, 10, n);
  }
  if (ok) out = Value(neg ? -n : n);
  return ok;
}

// Python float(text) after PyYAML's clean-up (no sign, lower case, no `_`).
bool python_float(const std::string& v, double& out) {
  if (v.empty() || v[0] == '+' || v[0] == '-') return false;
  auto res = std::from_chars(v.data(), v.data() + v.size(), out);
  if (res.ptr != v.data() + v.size()) return false;
  if (res.ec == std::errc::result_out_of_range)
    out = std::strtod(v.c_str(), nullptr);
  else if (res.ec != std::errc())
    return false;
  return true;
}

bool construct_float(const std::string& raw, Value& out) {
  std::string v = without_underscores(raw);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v.empty()) return false;
  double sign = v[0] == '-' ? -1.0 : 1.0;
  if (v[0] == '-' || v[0] == '+') v.erase(0, 1);
  double d = 0;
  if (v == ".inf") {
    d = sign * std::numeric_limits<double>::infinity();
  } else if (v == ".nan") {
    d = std::numeric_limits<double>::quiet_NaN();
  } else if (v.find(':') != std::string::npos) {
    std::size_t start = 0;
    while (true) {
      std::size_t colon = v.find(':', start);
      double part = 0;
      if (!python_float(v.substr(start, colon - start), part)) return false;
      d = d * 60 + part;
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    d *= sign;
  } else {
    if (!python_float(v, d)) return false;
    d *= sign;
  }
  out = Value(d);
  return true;
}

bool construct_bool(const std::string& raw, Value& out) {
  std::string v = raw;
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "yes" || v == "true" || v == "on")
    out = Value(true);
  else if (v == "no" || v == "false" || v == "off")
    out = Value(false);
  else
    return false;
  return true;
}

// ---------------------------------------------------------------------------
// Building Values from yaml-cpp's events.

class Builder : public YAML::EventHandler {
 public:
  Builder(const std::string& text, const std::string& file) : text_(text), file_(file) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') line_starts_.push_back(i + 1);
  }

  [[noreturn]] void fail(const std::string& kind, const std::string& msg,
                         const YAML::Mark& mark) const {
    int line = mark.line >= 0 ? mark.line + 1 : 0;
    int col = mark.column >= 0 ? mark.column + 1 : 0;
    throw SourceError(kind, msg, {file_, line, col}, source_line(line));
  }

  std::string source_line(int line) const {
    if (line <= 0 || static_cast<std::size_t>(line) > line_starts_.size()) return "";
    std::size_t start = line_starts_[line - 1];
    std::size_t end = text_.find('\n', start);
    std::string s = text_.substr(start, end == std::string::npos ? end : end - start);
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
  }

  bool done() const { return done_; }
  const Value& result() const { return result_; }
  const YAML::Mark& document_mark() const { return doc_mark_; }

  void OnDocumentStart(const YAML::Mark& mark) override { doc_mark_ = mark; }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    add(Value(), mark, anchor, false);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end())
      fail("ComposerError", "found an alias to a node that contains it (recursive alias)", mark);
    // The same object, as PyYAML shares aliased nodes.
    add(it->second, mark, 0, false);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    bool as_key = expecting_key();
    if (tag == "?" && as_key && stack_.back().is_block) check_simple_key(mark, value);
    if (tag == "?" && as_key && value == "<<") {
      add(Value(value), mark, anchor, true);
      return;
    }
    add(construct_scalar(mark, tag, value, as_key), mark, anchor, false);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    std::string name = tag_name(tag);
    bool tuple = name == "python/tuple";
    if (!tuple && !name.empty() && name != "seq" && name != "python/list") undefined_tag(tag, mark);
    Frame f;
    f.items = tuple ? Value::tuple() : Value::list();
    f.mark = mark;
    f.anchor = anchor;
    stack_.push_back(std::move(f));
  }

  void OnSequenceEnd() override { finish(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    std::string name = tag_name(tag);
    if (!name.empty() && name != "map" && name != "set" && name != "python/dict")
      undefined_tag(tag, mark);
    Frame f;
    f.is_map = true;
    f.is_set = name == "set";
    f.is_block = style != YAML::EmitterStyle::Flow;
    f.mark = mark;
    f.anchor = anchor;
    stack_.push_back(std::move(f));
  }

  void OnMapEnd() override { finish(); }

 private:
  struct Frame {
    bool is_map = false;
    bool is_set = false;
    bool is_block = false;
    Value items;  // sequences
    // Mappings: merged entries come first, then the mapping's own (flatten_mapping).
    std::vector<Dict::Entry> merged, own;
    bool have_key = false, key_is_merge = false;
    Value key;
    YAML::Mark mark;
    YAML::anchor_t anchor = 0;
  };

  // yaml-cpp reads a block-mapping line without `: ` (`a: 1\nb\n`) as a key with
  // a null value; PyYAML rejects it, and so do we. Plain keys are single-line,
  // so the key must stand at its mark and be followed by ':' on that line,
  // unless it is an explicit `? key`. Anything unusual (tags, anchors) passes.
  void check_simple_key(const YAML::Mark& mark, const std::string& key) const {
    if (mark.line < 0 || mark.column < 0) return;
    std::string line = source_line(mark.line + 1);
    auto col = static_cast<std::size_t>(mark.column);
    if (key.empty() || line.compare(col, key.size(), key) != 0) return;
    std::size_t after = col + key.size();
    while (after < line.size() && (line[after] == ' ' || line[after] == '\t')) ++after;
    if (after < line.size() && line[after] == ':') return;
    std::size_t before = col;
    while (before > 0 && (line[before - 1] == ' ' || line[before - 1] == '\t')) --before;
    if (before > 0 && line[before - 1] == '?') return;
    fail("ScannerError", "while scanning a simple key: could not find expected ':'", mark);
  }

  bool expecting_key() const {
    return !stack_.empty() && stack_.back().is_map && !stack_.back().have_key;
  }

  // "" for no tag ("?" plain, "!" quoted or non-specific); yaml-cpp writes `!!x`
  // as "tag:yaml.org,2002:x", which we shorten to "x".
  static std::string tag_name(const std::string& tag) {
    if (tag == "?" || tag == "!" || tag.empty()) return "";
    if (tag.compare(0, kYamlTag.size(), kYamlTag) == 0) return tag.substr(kYamlTag.size());
    return tag;
  }

  [[noreturn]] void undefined_tag(const std::string& tag, const YAML::Mark& mark) const {
    fail("ConstructorError", "could not determine a constructor for the tag '" + tag + "'", mark);
  }

  Value construct_scalar(const YAML::Mark& mark, const std::string& tag, const std::string& value,
                         bool as_key) const {
    Value out;
    std::string name;
    if (tag == "?") {
      switch (resolve_plain(value)) {
        case Implicit::Null:
          return Value();
        case Implicit::Bool:
          name = "bool";
          break;
        case Implicit::Int:
          name = "int";
          break;
        case Implicit::Float:
          name = "float";
          break;
        case Implicit::Timestamp:
          return Value(value);  // PyYAML: datetime.date
        case Implicit::Merge:
          undefined_tag(std::string(kYamlTag) + "merge", mark);
        case Implicit::ValueTag:
          // flatten_mapping turns a `=` key into a str; as a value it has no constructor.
          if (as_key) return Value(value);
          undefined_tag(std::string(kYamlTag) + "value", mark);
        case Implicit::Str:
          return Value(value);
      }
    } else {
      name = tag == "!" ? "str" : tag_name(tag);
      if (name.rfind("python/", 0) == 0) name = name.substr(7);
      if (name == "unicode") name = "str";
      if (name == "none") name = "null";
    }
    if (name == "str" || name == "timestamp") return Value(value);
    if (name == "null") return Value();
    if (name == "bool") {
      if (!construct_bool(value, out)) fail("KeyError", "'" + value + "' is not a YAML bool", mark);
    } else if (name == "int") {
      if (!construct_int(value, out))
        fail("ValueError", "invalid literal for int() with base 10: '" + value + "'", mark);
    } else if (name == "float") {
      if (!construct_float(value, out))
        fail("ValueError", "could not convert string to float: '" + value + "'", mark);
    } else {
      undefined_tag(tag, mark);
    }
    return out;
  }

  void finish() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    Value v;
    if (!f.is_map) {
      v = std::move(f.items);
    } else if (f.is_set) {
      Value::Items keys;
      for (auto& e : f.merged) keys.push_back(e.first);
      for (auto& e : f.own) keys.push_back(e.first);
      v = Value::set(std::move(keys));
    } else {
      v = Value::dict(false);
      Dict& d = v.as_dict();
      // Later keys win but keep the first one's place, as dict assignment does.
      for (auto& e : f.merged) d.set(e.first, e.second);
      for (auto& e : f.own) d.set(std::move(e.first), std::move(e.second));
    }
    add(std::move(v), f.mark, f.anchor, false);
  }

  void add(Value v, const YAML::Mark& mark, YAML::anchor_t anchor, bool merge_key) {
    if (anchor) anchors_[anchor] = v;
    if (stack_.empty()) {
      result_ = std::move(v);
      done_ = true;
      return;
    }
    Frame& f = stack_.back();
    if (!f.is_map) {
      f.items.items().push_back(std::move(v));
      return;
    }
    if (!f.have_key) {
      if (!v.hashable())
        fail("ConstructorError", "while constructing a mapping: found unhashable key", mark);
      f.key = std::move(v);
      f.key_is_merge = merge_key;
      f.have_key = true;
      return;
    }
    f.have_key = false;
    if (!f.key_is_merge) {
      f.own.emplace_back(std::move(f.key), std::move(v));
      return;
    }
    // `<<: *base` or `<<: [*a, *b]`; with a list the earlier mappings win.
    if (v.is_dict()) {
      for (const auto& e : v.as_dict().entries()) f.merged.push_back(e);
    } else if (v.is_list()) {
      for (auto it = v.items().rbegin(); it != v.items().rend(); ++it) {
        if (!it->is_dict())
          fail("ConstructorError",
               "while constructing a mapping: expected a mapping for merging, but found " +
                   it->type_name(),
               mark);
        for (const auto& e : it->as_dict().entries()) f.merged.push_back(e);
      }
    } else {
      fail("ConstructorError",
           "while constructing a mapping: expected a mapping or list of mappings for merging, "
           "but found " +
               v.type_name(),
           mark);
    }
  }

  const std::string& text_;
  const std::string& file_;
  std::vector<std::size_t> line_starts_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Value> anchors_;
  Value result_;
  bool done_ = false;
  YAML::Mark doc_mark_;
};

// PyYAML's class for what yaml-cpp reports: structure errors come from the
// parser, undefined aliases from the composer, the rest from the scanner.
std::string error_kind(const std::string& msg) {
  namespace M = YAML::ErrorMsg;
  static const char* const kParser[] = {
      M::END_OF_MAP,         M::END_OF_MAP_FLOW,        M::END_OF_SEQ,
      M::END_OF_SEQ_FLOW,    M::MULTIPLE_TAGS,          M::MULTIPLE_ANCHORS,
      M::MULTIPLE_ALIASES,   M::ALIAS_CONTENT,          M::YAML_DIRECTIVE_ARGS,
      M::YAML_VERSION,       M::YAML_MAJOR_VERSION,     M::REPEATED_YAML_DIRECTIVE,
      M::TAG_DIRECTIVE_ARGS, M::REPEATED_TAG_DIRECTIVE, M::UNEXPECTED_END_SEQ,
      M::UNEXPECTED_END_MAP};
  if (msg.rfind(M::UNKNOWN_ANCHOR, 0) == 0) return "ComposerError";
  for (const char* p : kParser)
    if (msg.rfind(p, 0) == 0) return "ParserError";
  return "ScannerError";
}

// PyYAML's wording for the errors met most often.
std::string error_message(const std::string& msg) {
  namespace M = YAML::ErrorMsg;
  if (msg == M::MAP_VALUE) return "mapping values are not allowed here";
  if (msg == M::MAP_KEY) return "mapping keys are not allowed here";
  if (msg == M::BLOCK_ENTRY) return "sequence entries are not allowed here";
  if (msg == M::UNKNOWN_ANCHOR) return "found undefined alias";
  return msg;
}

}  // namespace

Value parse_yaml(const std::string& text, const std::string& filename) {
  Builder builder(text, filename);
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    if (!parser.HandleNextDocument(builder)) return Value();  // empty stream: None
    Builder second(text, filename);
    if (parser.HandleNextDocument(second))
      builder.fail("ComposerError",
                   "expected a single document in the stream, but found another document",
                   second.document_mark());
  } catch (const YAML::Exception& e) {
    builder.fail(error_kind(e.msg), error_message(e.msg), e.mark);
  }
  return builder.done() ? builder.result() : Value();
}

}  // namespace mmcpp::config
