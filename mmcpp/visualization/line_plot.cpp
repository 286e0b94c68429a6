#include "mmcpp/visualization/line_plot.h"

#include <plstream.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>

#include "mmcpp/core/error.h"

namespace mmcpp::visualization {
namespace {

namespace fs = std::filesystem;

struct Rgb {
  int r, g, b;
};

// matplotlib's default colour cycle (tab10).
constexpr std::array<Rgb, 10> kCycle = {{{31, 119, 180},
                                         {255, 127, 14},
                                         {44, 160, 44},
                                         {214, 39, 40},
                                         {148, 103, 189},
                                         {140, 86, 75},
                                         {227, 119, 194},
                                         {127, 127, 127},
                                         {188, 189, 34},
                                         {23, 190, 207}}};

struct Style {
  Rgb face;   // axes background
  bool grid;  // grid lines at the major ticks
  Rgb grid_color;
};

Style style_of(const std::string& name) {
  const Rgb white{255, 255, 255}, seaborn_dark{234, 234, 242}, light_grey{204, 204, 204};
  if (name == "whitegrid") return {white, true, light_grey};
  if (name == "darkgrid") return {seaborn_dark, true, white};
  if (name == "white" || name == "ticks") return {white, false, white};
  if (name == "dark") return {seaborn_dark, false, white};
  throw Error("ValueError",
              "style must be one of white, dark, whitegrid, darkgrid, ticks; got '" + name + "'");
}

bool has_pngcairo() {
  // plgDevs fills caller-allocated arrays; n: their size in, the count out.
  std::vector<const char*> menus(256, nullptr), names(256, nullptr);
  const char** m = menus.data();
  const char** d = names.data();
  int n = static_cast<int>(names.size());
  plgDevs(&m, &d, &n);
  for (int i = 0; i < n && i < static_cast<int>(names.size()); ++i)
    if (d[i] && std::string(d[i]) == "pngcairo") return true;
  return false;
}

// matplotlib's default margins: 5% of the data range on each side.
std::pair<double, double> padded(double lo, double hi) {
  if (hi == lo) {
    double d = lo == 0 ? 1.0 : std::abs(lo) * 0.05;
    return {lo - d, hi + d};
  }
  double d = (hi - lo) * 0.05;
  return {lo - d, hi + d};
}

}  // namespace

// PLplot keeps global state (the current stream): one plot at a time, across
// every plot kind (matrix_plot.cpp too).
std::mutex& plplot_global_mutex() {
  static std::mutex m;
  return m;
}

void save_line_plot(const std::vector<LineSeries>& series, const LinePlotOptions& o,
                    const std::string& path) {
  if (series.empty()) throw Error("ValueError", "save_line_plot: no series to plot");
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  for (const auto& s : series) {
    if (s.x.size() != s.y.size())
      throw Error("ValueError", "save_line_plot: series '" + s.label + "' has " +
                                    std::to_string(s.x.size()) + " x values and " +
                                    std::to_string(s.y.size()) + " y values");
    for (double v : s.x)
      if (std::isfinite(v)) xlo = std::min(xlo, v), xhi = std::max(xhi, v);
    for (double v : s.y)
      if (std::isfinite(v)) ylo = std::min(ylo, v), yhi = std::max(yhi, v);
  }
  if (!std::isfinite(xlo) || !std::isfinite(ylo))
    throw Error("ValueError", "save_line_plot: no finite point to plot");
  if (o.width < 16 || o.height < 16 || o.width > 20000 || o.height > 20000)
    throw Error("ValueError", "save_line_plot: size " + std::to_string(o.width) + "x" +
                                  std::to_string(o.height) + " must be 16..20000 pixels a side");
  const Style style = style_of(o.style);
  fs::path out(path);
  fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  if (!fs::is_directory(dir))
    throw Error("FileNotFoundError", "The save path is " + path + ", and directory '" +
                                         dir.string() + "' do not exist.");
  auto [x0, x1] = padded(xlo, xhi);
  auto [y0, y1] = padded(ylo, yhi);

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
    pls.spage(0, 0, o.width, o.height, 0, 0);
    pls.scolbg(255, 255, 255);
    pls.scol0(1, 38, 38, 38);  // text and frame: seaborn's '.15'
    pls.scol0(2, style.face.r, style.face.g, style.face.b);
    pls.scol0(3, style.grid_color.r, style.grid_color.g, style.grid_color.b);
    for (std::size_t i = 0; i < kCycle.size(); ++i)
      pls.scol0(static_cast<PLINT>(4 + i), kCycle[i].r, kCycle[i].g, kCycle[i].b);
    pls.init();
    pls.adv(0);
    const bool two_axes = o.secondary_x_divisor > 0;
    pls.vpor(0.11, 0.97, 0.12, two_axes ? 0.82 : 0.9);
    pls.wind(x0, x1, y0, y1);
    // Axes background, then the grid under the curves.
    const PLFLT bx[4] = {x0, x1, x1, x0}, by[4] = {y0, y0, y1, y1};
    pls.col0(2);
    pls.fill(4, bx, by);
    if (style.grid) {
      pls.col0(3);
      pls.width(1.0);
      pls.box("g", 0, 0, "g", 0, 0);
    }
    // Curves (matplotlib linewidth=1 at 100 dpi ~ 1.4 px).
    pls.width(1.4);
    for (std::size_t i = 0; i < series.size(); ++i) {
      pls.col0(static_cast<PLINT>(4 + i % kCycle.size()));
      const auto& s = series[i];
      pls.line(static_cast<PLINT>(s.x.size()), s.x.data(), s.y.data());
    }
    pls.width(1.0);
    pls.col0(1);
    pls.schr(0, 0.9);
    if (two_axes) {
      // Main x axis at the top (iterations), the secondary one at the bottom.
      pls.box("cmst", 0, 0, "bcnstv", 0, 0);
      pls.mtex("t", 3.2, 0.5, 0.5, o.x_label.c_str());
      pls.wind(x0 / o.secondary_x_divisor, x1 / o.secondary_x_divisor, y0, y1);
      pls.box("bnst", 0, 0, "", 0, 0);
      pls.mtex("b", 3.0, 0.5, 0.5, o.secondary_x_label.c_str());
      pls.wind(x0, x1, y0, y1);
    } else {
      pls.box("bcnst", 0, 0, "bcnstv", 0, 0);
      pls.mtex("b", 3.0, 0.5, 0.5, o.x_label.c_str());
    }
    pls.mtex("l", 5.5, 0.5, 0.5, o.y_label.c_str());
    pls.schr(0, 1.1);
    pls.mtex("t", two_axes ? 4.6 : 1.5, 0.5, 0.5, o.title.c_str());
    if (series.size() > 1) {
      std::vector<PLINT> opts(series.size(), PL_LEGEND_LINE), colors, styles(series.size(), 1),
          text_colors(series.size(), 1);
      std::vector<PLFLT> widths(series.size(), 1.4);
      std::vector<const char*> labels;
      for (std::size_t i = 0; i < series.size(); ++i) {
        colors.push_back(static_cast<PLINT>(4 + i % kCycle.size()));
        labels.push_back(series[i].label.c_str());
      }
      PLFLT lw = 0, lh = 0;
      pls.legend(&lw, &lh, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
                 PL_POSITION_TOP | PL_POSITION_RIGHT | PL_POSITION_INSIDE, 0.02, 0.03, 0.06, 0, 3,
                 1, 0, 0, static_cast<PLINT>(series.size()), opts.data(), 1.0, 0.75, 1.8, 0.0,
                 text_colors.data(), labels.data(), nullptr, nullptr, nullptr, nullptr,
                 colors.data(), styles.data(), widths.data(), nullptr, nullptr, nullptr, nullptr);
    }
  }  // ~plstream writes the file
  if (!fs::is_regular_file(out) || fs::file_size(out, ec) == 0)
    throw Error("RuntimeError", "PLplot wrote no plot to " + path);
}

}  // namespace mmcpp::visualization
