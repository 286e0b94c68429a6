#include "tools/metrics_table.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace mmcpp::tools {

std::string metrics_table(const std::vector<std::pair<std::string, double>>& metrics) {
  std::vector<std::string> rows, cols;
  std::map<std::pair<std::string, std::string>, double> cells;
  for (const auto& [name, value] : metrics) {
    std::size_t slash = name.rfind('/');
    std::string row = slash == std::string::npos ? "-" : name.substr(0, slash);
    std::string col = slash == std::string::npos ? name : name.substr(slash + 1);
    if (std::find(rows.begin(), rows.end(), row) == rows.end()) rows.push_back(row);
    if (std::find(cols.begin(), cols.end(), col) == cols.end()) cols.push_back(col);
    cells[{row, col}] = value;
  }
  std::size_t w0 = 7;  // "dataset"
  for (const auto& r : rows) w0 = std::max(w0, r.size());
  std::vector<std::size_t> widths;
  for (const auto& c : cols) widths.push_back(std::max<std::size_t>(c.size(), 10));
  auto pad = [](std::string s, std::size_t w, bool right) {
    if (s.size() < w)
      s = right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
    return s;
  };
  std::string out = "| " + pad("dataset", w0, false) + " |";
  for (std::size_t j = 0; j < cols.size(); ++j) out += " " + pad(cols[j], widths[j], true) + " |";
  out += "\n|" + std::string(w0 + 2, '-') + "|";
  for (std::size_t j = 0; j < cols.size(); ++j) out += std::string(widths[j] + 1, '-') + ":|";
  out += "\n";
  for (const auto& r : rows) {
    out += "| " + pad(r, w0, false) + " |";
    for (std::size_t j = 0; j < cols.size(); ++j) {
      auto it = cells.find({r, cols[j]});
      std::string v;
      if (it != cells.end()) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.4f", it->second);
        v = buf;
      }
      out += " " + pad(v, widths[j], true) + " |";
    }
    out += "\n";
  }
  return out;
}

}  // namespace mmcpp::tools
