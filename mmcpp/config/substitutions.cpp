#include "mmcpp/config/substitutions.h"

#include <cctype>
#include <cstdlib>

#include "mmcpp/core/error.h"

namespace mmcpp::config {
namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::size_t skip_spaces(const std::string& s, std::size_t i) {
  while (i < s.size() && space(s[i])) ++i;
  return i;
}

std::string basename_of(const std::string& p) {
  std::size_t s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

}  // namespace

std::string substitute_predefined_vars(const std::string& text, const std::string& filename) {
  if (text.find("{{") == std::string::npos) return text;
  std::string dir = filename.substr(
      0, filename.find_last_of('/') == std::string::npos ? 0 : filename.find_last_of('/'));
  std::string base = basename_of(filename);
  std::size_t dot = base.find_last_of('.');
  std::string no_ext = dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
  std::string ext = dot == std::string::npos || dot == 0 ? "" : base.substr(dot);
  const std::pair<const char*, std::string> vars[] = {{"fileDirname", dir},
                                                      {"fileBasename", base},
                                                      {"fileBasenameNoExtension", no_ext},
                                                      {"fileExtname", ext}};
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "{{") == 0) {
      std::size_t j = skip_spaces(text, i + 2);
      std::size_t k = j;
      while (k < text.size() && word_char(text[k])) ++k;
      std::string name = text.substr(j, k - j);
      std::size_t e = skip_spaces(text, k);
      if (text.compare(e, 2, "}}") == 0) {
        bool done = false;
        for (const auto& [n, v] : vars)
          if (name == n) {
            out += v;
            done = true;
          }
        if (done) {
          i = e + 2;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

std::string substitute_env_vars(const std::string& text, std::map<std::string, std::string>& used) {
  if (text.find("{{") == std::string::npos) return text;
  // Pattern: \{\{['"]?\s*\$(\w+)\s*\:\s*(\S*?)\s*['"]?\}\}
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "{{") == 0) {
      std::size_t j = i + 2;
      if (j < text.size() && (text[j] == '\'' || text[j] == '"')) ++j;
      j = skip_spaces(text, j);
      if (j < text.size() && text[j] == '$') {
        std::size_t k = j + 1;
        while (k < text.size() && word_char(text[k])) ++k;
        std::string name = text.substr(j + 1, k - j - 1);
        std::size_t c = skip_spaces(text, k);
        if (!name.empty() && c < text.size() && text[c] == ':') {
          std::size_t v = skip_spaces(text, c + 1);
          // Shortest run of non-space characters followed by \s*['"]?}}.
          std::size_t end = std::string::npos, close = 0;
          for (std::size_t p = v; p <= text.size(); ++p) {
            std::size_t q = skip_spaces(text, p);
            if (q < text.size() && (text[q] == '\'' || text[q] == '"')) ++q;
            if (text.compare(q, 2, "}}") == 0) {
              end = p;
              close = q + 2;
              break;
            }
            if (p >= text.size() || space(text[p])) break;
          }
          if (end != std::string::npos) {
            std::string value = text.substr(v, end - v);
            if (const char* env = std::getenv(name.c_str())) {
              value = env;
              used[name] = value;
            }
            if (value.empty())
              throw Error("KeyError", "`" + name +
                                          "` cannot be found in `os.environ`. Please set `" + name +
                                          "` in environment or give a default value.");
            out += value;
            i = close;
            continue;
          }
        }
      }
    }
    out += text[i++];
  }
  return out;
}

std::string pre_substitute_base_vars(const std::string& text,
                                     std::map<std::string, std::string>& placeholders) {
  if (text.find("{{") == std::string::npos) return text;
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "{{") == 0) {
      std::size_t j = skip_spaces(text, i + 2);
      if (text.compare(j, 7, "_base_.") == 0) {
        std::size_t k = j + 7;
        while (k < text.size() && (word_char(text[k]) || text[k] == '.')) ++k;
        std::string path = text.substr(j + 7, k - j - 7);
        std::size_t e = skip_spaces(text, k);
        if (!path.empty() && text.compare(e, 2, "}}") == 0) {
          // Unique and unlikely to occur in real data; MMEngine uses a random suffix.
          std::string key = "_" + path + "_mmcpp_base_var_" + std::to_string(placeholders.size());
          for (const auto& [ph, p] : placeholders)
            if (p == path) key = ph;
          placeholders[key] = path;
          out += "\"" + key + "\"";
          i = e + 2;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

Value substitute_base_vars(const Value& cfg, const std::map<std::string, std::string>& placeholders,
                           const Value& base) {
  if (placeholders.empty()) return cfg;
  NestingGuard guard;
  if (cfg.is_str()) {
    auto it = placeholders.find(cfg.as_str());
    if (it == placeholders.end()) return cfg;
    Value v = base;
    std::size_t b = 0;
    const std::string& path = it->second;
    while (true) {
      std::size_t e = path.find('.', b);
      std::string part = path.substr(b, e == std::string::npos ? std::string::npos : e - b);
      if (!v.is_dict())
        throw Error("TypeError", "{{_base_." + path + "}}: '" + v.type_name() +
                                     "' object is not subscriptable by '" + part + "'");
      const Value* next = v.as_dict().find(part);
      if (!next) throw Error("KeyError", "'" + part + "' (in {{_base_." + path + "}})");
      v = *next;
      if (e == std::string::npos) break;
      b = e + 1;
    }
    return v;
  }
  if (cfg.is_dict()) {
    Value out = Value::dict(cfg.is_config_dict());
    for (const auto& [k, v] : cfg.as_dict().entries())
      out.as_dict().set(k, substitute_base_vars(v, placeholders, base));
    return out;
  }
  if (cfg.is_sequence()) {
    Value::Items items;
    for (const auto& v : cfg.items()) items.push_back(substitute_base_vars(v, placeholders, base));
    return cfg.is_list() ? Value::list(std::move(items)) : Value::tuple(std::move(items));
  }
  return cfg;
}

}  // namespace mmcpp::config
