#include "mmcpp/pretrain/utils/analyze.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <regex>
#include <sstream>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"

namespace mmcpp::pretrain {

bool LogRecord::has(const std::string& key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return true;
  return false;
}

double LogRecord::get(const std::string& key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return v;
  std::string keys;
  for (const auto& [k, v] : fields) keys += (keys.empty() ? "" : ", ") + k;
  throw Error("KeyError", "'" + key + "' (the record has " + keys + ")");
}

LogDict parse_json_log(const std::string& text, const std::string& name) {
  LogDict out;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::ordered_json j;
    try {
      // MMEngine writes NaN/Infinity as json.dumps does; nlohmann rejects them.
      std::string fixed = std::regex_replace(line, std::regex(R"(:\s*-?(NaN|Infinity))"), ": null");
      j = nlohmann::ordered_json::parse(fixed);
    } catch (const std::exception& e) {
      throw Error("JSONDecodeError", name + ":" + std::to_string(n) + ": " + e.what());
    }
    if (!j.is_object())
      throw Error("ValueError", name + ":" + std::to_string(n) + ": expected a JSON object");
    LogRecord r;
    for (const auto& [k, v] : j.items()) {
      if (v.is_number())
        r.fields.emplace_back(k, v.get<double>());
      else if (v.is_null())
        r.fields.emplace_back(k, NAN);
      // strings and lists (non-scalar metrics) are not plottable: skipped
    }
    // A hack of MMPretrain's: a line is training when it has "lr".
    (r.has("lr") ? out.train : out.val).push_back(std::move(r));
  }
  return out;
}

namespace {

double parse_number(const std::string& s, bool& ok) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  ok = end != s.c_str() && *end == '\0';
  return v;
}

}  // namespace

LogDict parse_text_log(const std::string& text, const std::string& name) {
  // "Epoch(train)  [1][ 100/1875]  ..." / "Epoch(val) [1][313/313]    ..." /
  // "Iter(train) [ 100/1000]  ..." / "Iter(val) [313/313]  ...".
  static const std::regex head(
      R"((Epoch|Iter)\((train|val)\)\s*(?:\[\s*(\d+)\])?\s*\[\s*(\d+)/(\d+)\])");
  static const std::regex item(R"(([A-Za-z_][\w/.@\-]*): (\S+))");
  LogDict out;
  std::istringstream in(text);
  std::string line;
  double last_train_iter = 0;
  (void)name;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, head)) continue;
    const bool by_epoch = m[1] == "Epoch";
    const bool train = m[2] == "train";
    const double cur = std::stod(m[4]), total = std::stod(m[5]);
    std::string rest = m.suffix();
    // Validation iterations are logged too (with an ETA); only the epoch
    // summary line holds the metrics.
    if (!train && rest.find("eta: ") != std::string::npos) continue;
    LogRecord r;
    for (auto it = std::sregex_iterator(rest.begin(), rest.end(), item);
         it != std::sregex_iterator(); ++it) {
      const std::string key = (*it)[1];
      if (key == "eta") continue;  // 0:01:02: not a logged scalar
      bool ok = false;
      double v = parse_number((*it)[2], ok);
      if (ok) r.fields.emplace_back(key, v);
    }
    if (train) {
      double iter = cur;
      if (by_epoch && m[3].matched) {
        const double epoch = std::stod(m[3]);
        iter = (epoch - 1) * total + cur;
        r.fields.emplace_back("epoch", epoch);
      }
      r.fields.emplace_back("iter", iter);
      r.fields.emplace_back("step", iter);
      last_train_iter = iter;
      out.train.push_back(std::move(r));
    } else {
      const double step = by_epoch && m[3].matched ? std::stod(m[3]) : last_train_iter;
      r.fields.emplace_back("step", step);
      out.val.push_back(std::move(r));
    }
  }
  return out;
}

LogDict load_log(const std::string& path) {
  Env& env = Env::system();
  if (!env.exists(path)) throw Error("FileNotFoundError", "No such file: '" + path + "'");
  std::string text = env.read_file(path);
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') return parse_json_log(text, path);
  return parse_text_log(text, path);
}

}  // namespace mmcpp::pretrain
