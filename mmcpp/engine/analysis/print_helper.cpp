// mmengine/analysis/print_helper.py: complexity_stats_table and its helpers.
#include "mmcpp/engine/analysis/print_helper.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mmcpp::engine::analysis {
namespace {

// An insertion-ordered dict of module name -> {statistic: value}.
template <class V>
class Stats {
 public:
  using Row = std::map<std::string, V>;
  Row& operator[](const std::string& name) {
    auto it = index_.find(name);
    if (it != index_.end()) return rows_[it->second].second;
    index_.emplace(name, rows_.size());
    rows_.emplace_back(name, Row{});
    return rows_.back().second;
  }
  bool contains(const std::string& name) const { return index_.count(name) > 0; }
  const std::vector<std::pair<std::string, Row>>& rows() const { return rows_; }
  std::vector<std::pair<std::string, Row>>& rows() { return rows_; }

 private:
  std::vector<std::pair<std::string, Row>> rows_;
  std::unordered_map<std::string, std::size_t> index_;
};

std::size_t dots(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '.'));
}
bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
bool is_child(const std::string& mod, const std::string& prefix) {
  return !mod.empty() && dots(mod) == dots(prefix) && starts_with(mod, prefix);
}

// _remove_zero_statistics(require_trivial_children=True), force_keep = {''}.
Stats<std::int64_t> remove_zero_statistics(const Stats<std::int64_t>& in) {
  Stats<std::int64_t> out;
  std::function<void(const std::string&)> keep = [&](const std::string& name) {
    std::string prefix = name + (name.empty() ? "" : ".");
    bool trivial_children = true;
    for (const auto& [mod, row] : in.rows()) {
      if (is_child(mod, prefix)) {
        keep(mod);
        trivial_children = trivial_children && !out.contains(mod);
      }
    }
    const auto* row = [&]() -> const Stats<std::int64_t>::Row* {
      for (const auto& r : in.rows())
        if (r.first == name) return &r.second;
      return nullptr;
    }();
    bool nonzero = false;
    if (row)
      for (const auto& [k, v] : *row) nonzero = nonzero || v != 0;
    if (nonzero || name.empty() || !trivial_children)
      out[name] = row ? *row : Stats<std::int64_t>::Row{};
  };
  keep("");
  return out;
}

std::string tuple_str(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

using StrStats = Stats<std::string>;

std::optional<std::string> single_child(const std::string& name, const StrStats& stats) {
  std::string prefix = name + (name.empty() ? "" : ".");
  std::optional<std::string> child;
  for (const auto& [mod, row] : stats.rows()) {
    if (is_child(mod, prefix)) {
      if (child) return std::nullopt;
      child = mod;
    }
  }
  return child;
}

std::optional<StrStats::Row> try_combine(const StrStats::Row& a, const StrStats::Row& b) {
  if (a.size() != b.size()) return std::nullopt;
  StrStats::Row ret;
  for (const auto& [k, v1] : a) {
    auto it = b.find(k);
    if (it == b.end()) return std::nullopt;
    const std::string& v2 = it->second;
    if (v1 != v2 && !v1.empty() && !v2.empty()) return std::nullopt;
    ret[k] = v1.empty() ? v2 : v1;
  }
  return ret;
}

std::pair<std::string, StrStats::Row> fastforward(const std::string& name, StrStats& stats) {
  std::optional<std::string> child = single_child(name, stats);
  if (!child) return {name, stats[name]};
  std::optional<StrStats::Row> combined = try_combine(stats[name], stats[*child]);
  if (!combined) return {name, stats[name]};
  stats[*child] = *combined;
  return fastforward(*child, stats);
}

std::string ascii2_table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> w(headers.size());
  for (std::size_t c = 0; c < headers.size(); ++c) w[c] = headers[c].size();
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) w[c] = std::max(w[c], r[c].size());
  auto rule = [&] {
    std::string s = "+";
    for (std::size_t c = 0; c < w.size(); ++c) s += std::string(w[c] + 2, '-') + "+";
    return s + "\n";
  };
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s = "|";
    for (std::size_t c = 0; c < w.size(); ++c) {
      std::string cell = c < cells.size() ? cells[c] : "";
      s += " " + cell + std::string(w[c] - cell.size(), ' ') + " |";
    }
    return s + "\n";
  };
  std::string out = rule() + line(headers) + rule();
  for (const auto& r : rows) out += line(r);
  return out + rule();
}

}  // namespace

std::string format_size(std::int64_t x, int sig_figs, bool hide_zero) {
  if (hide_zero && x == 0) return "";
  auto fmt = [&](double v) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.*f", sig_figs, v);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
      while (!s.empty() && s.back() == '0') s.pop_back();
      if (!s.empty() && s.back() == '.') s.pop_back();
    }
    return s;
  };
  double a = std::abs(static_cast<double>(x));
  double v = static_cast<double>(x);
  if (a > 1e14) return fmt(v / 1e15) + "P";
  if (a > 1e11) return fmt(v / 1e12) + "T";
  if (a > 1e8) return fmt(v / 1e9) + "G";
  if (a > 1e5) return fmt(v / 1e6) + "M";
  if (a > 1e2) return fmt(v / 1e3) + "K";
  return std::to_string(x);
}

std::string complexity_stats_table(const torch::nn::Module& model, const ComplexityStats& stats,
                                   int max_depth, bool activations, bool show_param_shapes) {
  const std::string params_header =
      std::string("#parameters") + (show_param_shapes ? " or shape" : "");
  const std::string flops_header = "#flops", acts_header = "#activations";

  // _group_by_module: parameters first (parameter_count order), then modules.
  Stats<std::int64_t> raw;
  for (const auto& [name, n] : parameter_count(model)) raw[name][params_header] = n;
  for (const auto& m : stats.modules) raw[m][flops_header] = stats.flops.at(m);
  if (activations)
    for (const auto& m : stats.modules) raw[m][acts_header] = stats.activations.at(m);

  Stats<std::int64_t> kept = remove_zero_statistics(raw);
  StrStats table;
  for (const auto& [name, row] : kept.rows()) {
    auto& out = table[name];
    for (const auto& [k, v] : row) out[k] = format_size(v);
  }
  for (const auto& m : stats.uncalled_modules) {
    if (!table.contains(m)) continue;
    table[m][flops_header] = "";
    if (activations) table[m][acts_header] = "";
  }
  std::map<std::string, std::vector<std::int64_t>> shapes;
  for (const auto& p : model.named_parameters(true)) shapes[p.key()] = p.value().sizes().vec();
  std::vector<std::string> to_delete;
  for (auto& [name, row] : table.rows()) {
    auto it = shapes.find(name);
    if (it == shapes.end()) continue;
    if (show_param_shapes)
      row[params_header] = tuple_str(it->second);
    else
      to_delete.push_back(name);
  }
  if (!to_delete.empty()) {
    StrStats pruned;
    for (const auto& [name, row] : table.rows())
      if (std::find(to_delete.begin(), to_delete.end(), name) == to_delete.end())
        pruned[name] = row;
    table = pruned;
  }

  // _stats_table_format.
  std::vector<std::string> columns = {params_header, flops_header};
  if (activations) columns.push_back(acts_header);
  std::vector<std::string> headers = {"module"};
  headers.insert(headers.end(), columns.begin(), columns.end());
  std::vector<std::vector<std::string>> rows;
  auto build_row = [&](const std::string& name, const StrStats::Row& s, int indent) {
    std::string pad(static_cast<std::size_t>(indent), ' ');
    std::vector<std::string> row = {pad + name};
    for (const auto& c : columns) {
      auto it = s.find(c);
      row.push_back(it == s.end() ? "" : pad + it->second);
    }
    return row;
  };
  auto [root_name, root_stats] = fastforward("", table);
  rows.push_back(build_row(root_name.empty() ? "model" : root_name, root_stats, 0));
  std::string root_prefix = root_name.empty() ? "" : root_name + ".";
  std::function<void(int, const std::string&)> fill = [&](int level, const std::string& prefix) {
    if (level > max_depth) return;
    std::vector<std::string> names;
    for (const auto& r : table.rows()) names.push_back(r.first);
    for (const auto& candidate : names) {
      if (!is_child(candidate, prefix)) continue;
      auto [mod_name, cur] = fastforward(candidate, table);
      std::string pretty = !root_prefix.empty() && starts_with(mod_name, root_prefix)
                               ? mod_name.substr(root_prefix.size())
                               : mod_name;
      rows.push_back(build_row(pretty, cur, level));
      fill(level + 1, mod_name + ".");
    }
  };
  fill(1, root_prefix);
  return ascii2_table(headers, rows);
}

}  // namespace mmcpp::engine::analysis
