// Printing complexity statistics (mmengine/analysis/print_helper.py).
#pragma once

#include <cstdint>
#include <string>

#include <torch/nn/module.h>

#include "mmcpp/engine/analysis/complexity_analysis.h"

namespace mmcpp::engine::analysis {

// _format_size: 25557032 -> "25.557M" (K, M, G, T, P; trailing zeros dropped).
std::string format_size(std::int64_t x, int sig_figs = 3, bool hide_zero = false);

// complexity_stats_table: one row per module down to `max_depth` levels below
// the model ("model" first), columns "module", "#parameters or shape", "#flops"
// and, when `activations`, "#activations". Modules whose statistics are all
// zero are left out; a module with a single child and the same statistics is
// merged into that child's row; parameters show their shape; a module no op ran
// in shows an empty #flops. Drawn as rich's ASCII2 box, as MMEngine prints it
// (but never wrapped to a terminal width).
std::string complexity_stats_table(const torch::nn::Module& model, const ComplexityStats& stats,
                                   int max_depth = 3, bool activations = true,
                                   bool show_param_shapes = true);

}  // namespace mmcpp::engine::analysis
