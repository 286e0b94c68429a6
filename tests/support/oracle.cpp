#include "tests/support/oracle.h"

#include <sys/stat.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "mmcpp/core/error.h"

namespace mmcpp::testing {

using config::Value;

namespace {

bool is_directory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::string oracle_dir() {
  const char* env = std::getenv("MMCPP_ORACLE_DIR");
  const bool from_env = env && *env;
  std::string dir = from_env ? env : MMCPP_ORACLE_DIR;
  if (!is_directory(dir))
    throw Error("FileNotFoundError",
                "the oracle folder " + dir +
                    (from_env ? " (from $MMCPP_ORACLE_DIR)" : " (the build's default)") +
                    " is absent: oracle tests need the reference outputs of the Python code; "
                    "set MMCPP_ORACLE_DIR to the oracle folder (e.g. the shared oracle beside "
                    "the checkout)");
  return dir;
}

std::string oracle_dir(const std::string& sub) {
  std::string dir = oracle_dir() + "/" + sub;
  if (!is_directory(dir))
    throw Error("FileNotFoundError", "the oracle folder has no " + sub + "/ (" + dir + ")");
  return dir;
}

std::vector<std::string> json_files(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

nlohmann::ordered_json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("FileNotFoundError", "cannot open " + path);
  return nlohmann::ordered_json::parse(in);
}

Value decode_oracle_value(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return Value();
    case nlohmann::json::value_t::boolean:
      return Value(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return Value(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_float:
      return Value(j.get<double>());
    case nlohmann::json::value_t::string:
      return Value(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      Value::Items items;
      for (const auto& x : j) items.push_back(decode_oracle_value(x));
      return Value::list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      if (j.size() == 1 && j.contains("__tuple__")) {
        Value::Items items;
        for (const auto& x : j["__tuple__"]) items.push_back(decode_oracle_value(x));
        return Value::tuple(std::move(items));
      }
      if (j.size() == 1 && j.contains("__float__")) {
        std::string s = j["__float__"].get<std::string>();
        if (s == "nan") return Value(std::nan(""));
        return Value(s == "inf" ? INFINITY : -INFINITY);
      }
      Value d = Value::dict(false);
      for (auto it = j.begin(); it != j.end(); ++it)
        d.as_dict().set(Value(it.key()), decode_oracle_value(it.value()));
      return d;
    }
    default:
      return Value("<unsupported json>");
  }
}

std::string strict_diff(const Value& e, const Value& a, const std::string& path) {
  std::string where = path.empty() ? "<root>" : path;
  if (e.kind() != a.kind() && !(e.is_dict() && a.is_dict()))
    return where + ": expected " + e.type_name() + " " + e.repr() + ", got " + a.type_name() + " " +
           a.repr();
  switch (e.kind()) {
    case config::Kind::Float: {
      double x = e.as_float(), y = a.as_float();
      if ((std::isnan(x) && std::isnan(y)) || x == y) return "";
      return where + ": expected " + e.repr() + ", got " + a.repr();
    }
    case config::Kind::List:
    case config::Kind::Tuple:
    case config::Kind::Set: {
      if (e.items().size() != a.items().size())
        return where + ": expected " + std::to_string(e.items().size()) + " items, got " +
               std::to_string(a.items().size()) + ": " + a.repr();
      for (std::size_t i = 0; i < e.items().size(); ++i) {
        std::string d =
            strict_diff(e.items()[i], a.items()[i], path + "[" + std::to_string(i) + "]");
        if (!d.empty()) return d;
      }
      return "";
    }
    case config::Kind::Dict: {
      const auto& ee = e.as_dict().entries();
      const auto& ae = a.as_dict().entries();
      for (std::size_t i = 0; i < ee.size() || i < ae.size(); ++i) {
        if (i >= ee.size()) return where + ": unexpected key " + ae[i].first.repr();
        if (i >= ae.size()) return where + ": missing key " + ee[i].first.repr();
        if (!ee[i].first.equals(ae[i].first)) {
          bool present = a.as_dict().contains(ee[i].first);
          return where + ": key #" + std::to_string(i) + " expected " + ee[i].first.repr() +
                 ", got " + ae[i].first.repr() + (present ? " (order differs)" : " (key missing)");
        }
        std::string d = strict_diff(ee[i].second, ae[i].second,
                                    (path.empty() ? "" : path + ".") + ee[i].first.str());
        if (!d.empty()) return d;
      }
      return "";
    }
    default:
      if (!e.equals(a)) return where + ": expected " + e.repr() + ", got " + a.repr();
      return "";
  }
}

}  // namespace mmcpp::testing
