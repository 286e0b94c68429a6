// Building a config's model for analysis and summarising it: what `mmcpp
// get-flops` (MMPretrain's tools/analysis_tools/get_flops.py) and `mmcpp
// zoo-report` print.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/engine/analysis/complexity_analysis.h"
#include "mmcpp/engine/model/base_model.h"

namespace mmcpp::engine::analysis {

// One state-dict entry: "backbone.conv1.weight", [64, 3, 7, 7], "float32".
struct StateEntry {
  std::string name;
  std::vector<std::int64_t> shape;
  std::string dtype;  // torch's name: float32, int64, ...
};

// The model's state dict in PyTorch's order (module_state_dict).
std::vector<StateEntry> state_dict_entries(const torch::nn::Module& model);

// MMPretrain's get_model(config) without weights: the config's components are
// checked first (model and data_preprocessor, init_cfg types aside since they
// are never used here; a KeyError lists every unsupported one), the top-level data_preprocessor is
// merged into the model dict (setdefault), and the model is built through MODELS under the default
// scope `scope` (get_model overrides it with 'mmpretrain') and put in eval mode. init_weights() is
// never called and load_from is ignored, so no pretrained weights (init_cfg type='Pretrained') are
// loaded.
std::shared_ptr<BaseModel> build_model_for_analysis(const config::Config& cfg,
                                                    const std::string& scope = "mmpretrain");

struct FlopsResult {
  std::vector<std::int64_t> input_shape;  // without the batch dimension
  std::string counted;                    // "extract_feat" or "forward(mode='tensor')"
  std::int64_t params = 0;
  ComplexityStats stats;
};

// get_model_complexity_info(model, input_shape): one random input of batch 1
// (torch.randn), through extract_feat when the model is a FeatureExtractor (as
// get_flops.py does), else forward(mode='tensor').
FlopsResult count_flops(BaseModel& model, const std::vector<std::int64_t>& input_shape);

// {"state_dict": [{"name", "shape", "dtype"}...], "params": N, and with a
// FlopsResult "flops", "activations", "input_shape", "counted",
// "flops_by_operator", "unsupported_ops", "modules": [{"name", "params",
// "flops", "activations", "called"}...] (named_modules order, "" first)}.
nlohmann::ordered_json summary_json(const torch::nn::Module& model, const FlopsResult* flops);

// The text get_flops.py prints: the per-module table, then the input shape,
// flops, params and activations, and its two warnings.
std::string flops_report(const torch::nn::Module& model, const FlopsResult& flops);

}  // namespace mmcpp::engine::analysis
