// FLOPs, activations and parameters of a model, per module
// (mmengine/analysis/complexity_analysis.py: FlopAnalyzer, ActivationAnalyzer,
// parameter_count).
//
// MMEngine traces the model with torch.jit and counts the traced ATen ops with
// the handles of jit_handles.h, attributing each op to the module whose __call__
// was running. LibTorch has no module call hooks, so mmcpp runs the forward once
// under a thread-local at::RecordFunction observer that sees every dispatched
// ATen op with its arguments, and attributes each counted op to a module:
//
//  1. an op reading a parameter or buffer (conv weight, linear weight, norm
//     affine, layer-scale gamma, position embedding, ...) belongs to the module
//     that owns it (the common ancestor when it reads several modules' tensors);
//  2. an op reading none (matmuls in attention, pooling, upsampling) belongs to
//     the common ancestor of the modules of the nearest parameter-reading ops
//     before and after it (q@k and attn@v between `attn.qkv` and `attn.proj`
//     belong to `attn`); at the start or end of the forward, to the model;
//  3. a module may state where its ops run with a ModuleScope (below); ops inside
//     it belong to it unless rule 1 or 2 finds a module within it.
//
// Totals and per-operator counts are exact for the counted ops (each op is
// counted once: ops nested inside a counted op, such as the addmm inside
// linear, are not counted again); per-module attribution of parameter-free ops
// follows rule 2 and can name a module's parent instead of the module itself.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>

namespace mmcpp::engine::analysis {

struct ComplexityStats {
  // Every module, named_modules() order; "" is the model itself.
  std::vector<std::string> modules;
  // By module, descendants included (every module has an entry).
  std::map<std::string, std::int64_t> flops, activations;
  // MMEngine's by_operator(): "conv", "linear", "matmul", "batch_norm", ...
  std::map<std::string, std::int64_t> flops_by_operator, activations_by_operator;
  // Ops run outside any counted op that are neither counted nor known to be
  // free, with how often they ran ("aten::add", "aten::gelu", ...).
  std::map<std::string, std::int64_t> unsupported_ops;
  // Modules with parameters or buffers that no op read and no ModuleScope named.
  std::set<std::string> uncalled_modules;
  std::int64_t total_flops = 0, total_activations = 0;
};

// Runs `forward` once, on this thread, observing the ops it dispatches, and
// counts them for `model`'s modules. Errors of `forward` propagate.
ComplexityStats analyze_complexity(const torch::nn::Module& model,
                                   const std::function<void()>& forward);

// MMEngine's parameter_count: "" and every prefix of every parameter name,
// mapped to the number of elements below it, in named_parameters() order.
std::vector<std::pair<std::string, std::int64_t>> parameter_count(const torch::nn::Module& model);

// Declares that the ops run while it lives belong to `module` (rule 3). Costs a
// thread-local read when no analysis is running:
//
//   torch::Tensor MyBlockImpl::forward(torch::Tensor x) {
//     mmcpp::engine::analysis::ModuleScope scope(*this);
//     ...
//   }
class ModuleScope {
 public:
  explicit ModuleScope(const torch::nn::Module& module);
  ~ModuleScope();
  ModuleScope(const ModuleScope&) = delete;
  ModuleScope& operator=(const ModuleScope&) = delete;

 private:
  bool active_ = false;
};

}  // namespace mmcpp::engine::analysis
