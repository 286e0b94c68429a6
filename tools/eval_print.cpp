#include "tools/eval_print.h"

namespace mmcpp::tools {

std::string python_dict_repr(const evaluation::Metrics& metrics) {
  auto quote = [](const std::string& s) { return config::Value(s).repr(); };
  std::string one_line = "{";
  bool multiline_value = false;
  for (const auto& [k, v] : metrics) {
    std::string r = v.repr();
    multiline_value |= r.find('\n') != std::string::npos;
    one_line += (one_line.size() > 1 ? ", " : "") + quote(k) + ": " + r;
  }
  one_line += "}";
  if (one_line.size() <= 80 && !multiline_value) return one_line;
  std::string out = "{\n";
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    std::string r = metrics[i].second.repr();
    // Continuation lines of a tensor repr are indented under the item.
    std::string indented;
    for (char c : r) indented += c == '\n' ? std::string("\n    ") : std::string(1, c);
    out += "    " + quote(metrics[i].first) + ": " + indented +
           (i + 1 < metrics.size() ? ",\n" : "\n");
  }
  return out + "}";
}

}  // namespace mmcpp::tools
