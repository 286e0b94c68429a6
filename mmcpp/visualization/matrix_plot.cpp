#include "mmcpp/visualization/matrix_plot.h"

#include <plstream.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>

#include "mmcpp/core/error.h"
#include "mmcpp/visualization/line_plot.h"

namespace mmcpp::visualization {

namespace {

namespace fs = std::filesystem;

struct Stop {
  double pos;
  int r, g, b;
};

// Colour maps as a few stops of matplotlib's tables (linear in between).
std::vector<Stop> colour_map(const std::string& name) {
  static const std::map<std::string, std::vector<Stop>> maps = {
      {"viridis",
       {{0.0, 68, 1, 84},
        {0.125, 72, 40, 120},
        {0.25, 62, 73, 137},
        {0.375, 49, 104, 142},
        {0.5, 38, 130, 142},
        {0.625, 31, 158, 137},
        {0.75, 53, 183, 121},
        {0.875, 110, 206, 88},
        {1.0, 253, 231, 37}}},
      {"plasma",
       {{0.0, 13, 8, 135},
        {0.25, 126, 3, 168},
        {0.5, 204, 71, 120},
        {0.75, 248, 149, 64},
        {1.0, 240, 249, 33}}},
      {"inferno",
       {{0.0, 0, 0, 4},
        {0.25, 87, 16, 110},
        {0.5, 188, 55, 84},
        {0.75, 249, 142, 9},
        {1.0, 252, 255, 164}}},
      {"magma",
       {{0.0, 0, 0, 4},
        {0.25, 81, 18, 124},
        {0.5, 183, 55, 121},
        {0.75, 252, 137, 97},
        {1.0, 252, 253, 191}}},
      {"cividis", {{0.0, 0, 34, 78}, {0.5, 124, 123, 120}, {1.0, 254, 232, 56}}},
      {"Blues", {{0.0, 247, 251, 255}, {0.5, 107, 174, 214}, {1.0, 8, 48, 107}}},
      {"Greens", {{0.0, 247, 252, 245}, {0.5, 116, 196, 118}, {1.0, 0, 68, 27}}},
      {"Reds", {{0.0, 255, 245, 240}, {0.5, 251, 106, 74}, {1.0, 103, 0, 13}}},
      {"Oranges", {{0.0, 255, 245, 235}, {0.5, 253, 141, 60}, {1.0, 127, 39, 4}}},
      {"Purples", {{0.0, 252, 251, 253}, {0.5, 158, 154, 200}, {1.0, 63, 0, 125}}},
      {"Greys", {{0.0, 255, 255, 255}, {0.5, 150, 150, 150}, {1.0, 0, 0, 0}}},
      {"gray", {{0.0, 0, 0, 0}, {1.0, 255, 255, 255}}},
  };
  auto it = maps.find(name);
  if (it == maps.end()) {
    std::string known;
    for (const auto& [k, v] : maps) known += (known.empty() ? "" : ", ") + k;
    throw Error("ValueError", "'" + name + "' is not a supported colormap (" + known + ")");
  }
  return it->second;
}

bool has_pngcairo() {
  std::vector<const char*> menus(256, nullptr), names(256, nullptr);
  const char** m = menus.data();
  const char** d = names.data();
  int n = static_cast<int>(names.size());
  plgDevs(&m, &d, &n);
  for (int i = 0; i < n && i < static_cast<int>(names.size()); ++i)
    if (d[i] && std::string(d[i]) == "pngcairo") return true;
  return false;
}

// format(v, '.2g') unless format(v, 'd') is shorter (integers).
std::string cell_text(double v) {
  char g[64], d[64];
  std::snprintf(g, sizeof g, "%.2g", v);
  if (v == std::floor(v) && std::abs(v) < 1e15) {
    std::snprintf(d, sizeof d, "%lld", static_cast<long long>(v));
    if (std::string(d).size() < std::string(g).size()) return d;
  }
  return g;
}

// Nice tick values for the colour bar (about 6 steps).
std::vector<double> ticks(double lo, double hi) {
  if (hi <= lo) return {lo};
  double raw = (hi - lo) / 6, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> out;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push_back(t);
  return out;
}

}  // namespace

void save_matrix_plot(const std::vector<double>& values, int n, const MatrixPlotOptions& o,
                      const std::string& path) {
  if (n <= 0 || values.size() != static_cast<std::size_t>(n) * n)
    throw Error("ValueError", "save_matrix_plot: expected " + std::to_string(n) + "x" +
                                  std::to_string(n) + " values, got " +
                                  std::to_string(values.size()));
  if (!o.labels.empty() && o.labels.size() != static_cast<std::size_t>(n))
    throw Error("ValueError", "save_matrix_plot: " + std::to_string(o.labels.size()) +
                                  " labels for " + std::to_string(n) + " classes");
  if (o.size < 64 || o.size > 20000)
    throw Error("ValueError", "save_matrix_plot: size must be 64..20000 pixels");
  std::vector<Stop> cmap = colour_map(o.cmap);
  fs::path out(path);
  fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  if (!fs::is_directory(dir))
    throw Error("FileNotFoundError", "The save path is " + path + ", and directory '" +
                                         dir.string() + "' do not exist.");
  double lo = *std::min_element(values.begin(), values.end());
  double hi = *std::max_element(values.begin(), values.end());
  const double zmax = hi > lo ? hi : lo + 1;

  std::lock_guard<std::mutex> lock(plplot_global_mutex());
  if (!has_pngcairo())
    throw Error("RuntimeError",
                "PLplot has no pngcairo device: install Debian's plplot-driver-cairo");
  std::error_code ec;
  fs::remove(out, ec);
  {
    plstream pls;
    pls.sdev("pngcairo");
    pls.sfnam(path.c_str());
    pls.spage(0, 0, o.size, o.size, 0, 0);
    pls.scolbg(255, 255, 255);
    pls.scol0(1, 0, 0, 0);
    // Colour map 1 from the stops; 0/1 of it are the text colours on dark/light cells.
    std::vector<PLFLT> pos, r, g, b;
    for (const Stop& s : cmap) {
      pos.push_back(s.pos);
      r.push_back(s.r / 255.0);
      g.push_back(s.g / 255.0);
      b.push_back(s.b / 255.0);
    }
    pls.init();
    pls.scmap1n(256);
    pls.scmap1l(true, static_cast<PLINT>(pos.size()), pos.data(), r.data(), g.data(), b.data(),
                nullptr);
    pls.scol0(2, cmap.front().r, cmap.front().g, cmap.front().b);
    pls.scol0(3, cmap.back().r, cmap.back().g, cmap.back().b);
    pls.adv(0);
    const double right = o.colorbar ? 0.80 : 0.92;
    pls.vpor(0.14, right, 0.08, right - 0.06);
    pls.wind(-0.5, n - 0.5, -0.5, n - 0.5);
    // plimage: data[x][y]; column j at x = j, row i at y = n-1-i (row 0 on top).
    std::vector<std::vector<PLFLT>> cols(static_cast<std::size_t>(n),
                                         std::vector<PLFLT>(static_cast<std::size_t>(n)));
    std::vector<PLFLT*> ptrs;
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < n; ++i)
        cols[static_cast<std::size_t>(j)][static_cast<std::size_t>(n - 1 - i)] =
            values[static_cast<std::size_t>(i) * n + j];
      ptrs.push_back(cols[static_cast<std::size_t>(j)].data());
    }
    pls.image(const_cast<const PLFLT* const*>(ptrs.data()), n, n, -0.5, n - 0.5, -0.5, n - 0.5, lo,
              zmax, -0.5, n - 0.5, -0.5, n - 0.5);
    pls.col0(1);
    pls.box("bc", 0, 0, "bc", 0, 0);
    // Tick labels: the class names (or indices), x on top as matplotlib's tick_top.
    std::size_t longest = 0;
    for (int k = 0; k < n; ++k)
      longest = std::max(longest, o.labels.empty() ? std::to_string(k).size()
                                                   : o.labels[static_cast<std::size_t>(k)].size());
    const double label_chr = n > 30 ? std::max(0.3, 0.9 * 30.0 / n) : 0.9;
    pls.schr(0, label_chr);
    for (int k = 0; k < n; ++k) {
      std::string text =
          o.labels.empty() ? std::to_string(k) : o.labels[static_cast<std::size_t>(k)];
      const double frac = (k + 0.5) / n;
      if (longest > 3)
        pls.mtex("tv", 0.7, frac, 0.0, text.c_str());
      else
        pls.mtex("t", 0.8, frac, 0.5, text.c_str());
      pls.mtex("lv", 0.7, 1.0 - frac, 1.0, text.c_str());
    }
    pls.schr(0, 1.0);
    const double top_disp = longest > 3 ? 1.5 + 0.55 * static_cast<double>(longest) : 2.5;
    pls.mtex("t", top_disp, 0.5, 0.5, o.x_label.c_str());
    pls.mtex("l", longest > 3 ? 1.5 + 0.55 * static_cast<double>(longest) : 3.0, 0.5, 0.5,
             o.y_label.c_str());
    if (!o.title.empty()) pls.mtex("b", 2.5, 0.5, 0.5, o.title.c_str());
    if (o.include_values) {
      const double thresh = (hi + lo) / 2.0;
      pls.schr(0, n > 20 ? std::max(0.3, 0.8 * 20.0 / n) : 0.8);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
          double v = values[static_cast<std::size_t>(i) * n + j];
          pls.col0(v < thresh ? 3 : 2);  // light text on dark cells, as matplotlib
          pls.ptex(j, n - 1 - i - 0.15, 1, 0, 0.5, cell_text(v).c_str());
        }
      pls.col0(1);
      pls.schr(0, 1.0);
    }
    if (o.colorbar) {
      pls.vpor(right + 0.03, right + 0.06, 0.08, right - 0.06);
      pls.wind(0, 1, lo, zmax);
      const int steps = 256;
      std::vector<PLFLT> bar(steps);
      for (int s = 0; s < steps; ++s)
        bar[static_cast<std::size_t>(s)] = lo + (zmax - lo) * (s + 0.5) / steps;
      const PLFLT* col = bar.data();
      pls.image(&col, 1, steps, 0, 1, lo, zmax, lo, zmax, 0, 1, lo, zmax);
      pls.col0(1);
      pls.box("bc", 0, 0, "bc", 0, 0);
      pls.schr(0, 0.8);
      for (double t : ticks(lo, zmax)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%g", t);
        pls.mtex("rv", 0.8, (t - lo) / (zmax - lo), 0.0, buf);
      }
      pls.schr(0, 1.0);
    }
  }  // ~plstream writes the file
  if (!fs::is_regular_file(out) || fs::file_size(out, ec) == 0)
    throw Error("RuntimeError", "PLplot wrote no plot to " + path);
}

}  // namespace mmcpp::visualization
