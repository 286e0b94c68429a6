#include "mmcpp/core/suggest.h"

#include <algorithm>
#include <cctype>

namespace mmcpp {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      // Case differences cost less than real typos: `resnet` should find `ResNet`.
      std::size_t sub = a[i - 1] == b[j - 1] ? 0
                        : std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                                std::tolower(static_cast<unsigned char>(b[j - 1]))
                            ? 0
                            : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + sub});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::vector<std::string> closest_names(const std::string& name,
                                       const std::vector<std::string>& candidates, std::size_t n) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& c : candidates) {
    if (c == name) continue;
    // Python's own threshold for "Did you mean": about a third of the combined
    // length, so short names are not "corrected" into unrelated ones.
    std::size_t limit = (name.size() + c.size() + 3) / 6;
    std::size_t dist = edit_distance(name, c);
    if (dist <= limit) scored.emplace_back(dist, c);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (auto& [d, c] : scored) {
    if (out.size() >= n) break;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

std::string closest_name(const std::string& name, const std::vector<std::string>& candidates) {
  auto v = closest_names(name, candidates, 1);
  return v.empty() ? "" : v.front();
}

}  // namespace mmcpp
