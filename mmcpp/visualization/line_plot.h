// Line plots written as PNG files, drawn with PLplot's pngcairo device (Debian's
// libplplot-dev + plplot-driver-cairo). Used by `mmcpp vis-scheduler`; small on
// purpose: series of (x, y), a title, axis labels, a size and a seaborn style.
#pragma once

#include <mutex>
#include <string>
#include <vector>

namespace mmcpp::visualization {

struct LineSeries {
  std::vector<double> x, y;
  std::string label;  // shown in a legend when there are several series
};

struct LinePlotOptions {
  std::string title, x_label, y_label;
  int width = 1200, height = 700;  // pixels (matplotlib's figsize 12*7 at 100 dpi)
  // seaborn's set_style names: "whitegrid" (default), "darkgrid", "white",
  // "dark", "ticks"; anything else is a ValueError.
  std::string style = "whitegrid";
  // A second x axis, as MMPretrain's by-epoch scheduler plots: when the divisor
  // is > 0 the main x axis is labelled at the top (x_label) and the bottom axis
  // shows x / secondary_x_divisor (secondary_x_label, e.g. epochs).
  std::string secondary_x_label;
  double secondary_x_divisor = 0;
};

// Draws the series (lines, matplotlib's colour cycle) and writes `path`.
// Errors (mmcpp::Error): ValueError for empty or mismatched series, a bad size
// or style; FileNotFoundError when the folder of `path` does not exist;
// RuntimeError when PLplot has no pngcairo device or wrote no file.
void save_line_plot(const std::vector<LineSeries>& series, const LinePlotOptions& options,
                    const std::string& path);

// The lock every PLplot drawing holds (PLplot keeps one global current stream).
std::mutex& plplot_global_mutex();

}  // namespace mmcpp::visualization
