// A square matrix drawn as a heat map and saved as PNG (PLplot's pngcairo):
// ConfusionMatrix.plot of MMPretrain (matplotlib's imshow with tick labels,
// optional cell values and a colour bar). Rows are drawn top to bottom.
#pragma once

#include <string>
#include <vector>

namespace mmcpp::visualization {

struct MatrixPlotOptions {
  std::vector<std::string> labels;  // one per row/column; empty: 0..n-1
  std::string x_label = "Predicted label", y_label = "True label", title;
  bool include_values = false;
  // matplotlib colour map: viridis, plasma, inferno, magma, cividis, Blues,
  // Greens, Reds, Oranges, Purples, Greys, gray (else ValueError).
  std::string cmap = "viridis";
  bool colorbar = true;
  int size = 1000;  // pixels a side (figsize 10x10 at 100 dpi)
};

// `values`: n x n, row-major. Errors as save_line_plot (ValueError for a bad
// shape or colour map, FileNotFoundError for a missing folder, RuntimeError
// when PLplot cannot write PNGs).
void save_matrix_plot(const std::vector<double>& values, int n, const MatrixPlotOptions& options,
                      const std::string& path);

}  // namespace mmcpp::visualization
