#include "mmcpp/engine/analysis/model_analysis.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/analysis/print_helper.h"
#include "mmcpp/engine/model/averaged_model.h"
#include "mmcpp/engine/model/feature_extractor.h"
#include "mmcpp/io/dtypes.h"
#include "mmcpp/registry/config_check.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine::analysis {

using config::Value;

std::vector<StateEntry> state_dict_entries(const torch::nn::Module& model) {
  std::vector<StateEntry> out;
  for (const auto& [name, t] : module_state_dict(model))
    out.push_back({name, t.sizes().vec(), io::dtype_name(t.scalar_type())});
  return out;
}

std::shared_ptr<BaseModel> build_model_for_analysis(const config::Config& cfg,
                                                    const std::string& scope) {
  registry::CheckOptions check;
  check.sections = registry::kCheckModel;
  check.scope = scope;
  check.init_cfg = false;  // never initialised here
  registry::ConfigCheck checked = registry::check_config(cfg, check);
  if (!checked.ok()) {
    std::string report = checked.report();
    report.pop_back();  // the final newline
    throw Error("KeyError", "cannot build the model (nothing was built or written): " + report);
  }
  const Value* model_cfg = cfg.get("model");
  if (!model_cfg || !model_cfg->is_dict())
    throw Error("KeyError", "the config has no `model` dict" +
                                (cfg.filename().empty() ? "" : " (" + cfg.filename() + ")"));
  Value m = model_cfg->deep_copy();
  if (!m.as_dict().contains("data_preprocessor")) {
    const Value* dp = cfg.get("data_preprocessor");
    m.as_dict().set(Value("data_preprocessor"), dp ? *dp : Value());
  }
  std::shared_ptr<BaseModel> model;
  {
    registry::ScopeGuard guard(scope);
    model = build_model(m);
  }
  model->eval();
  return model;
}

FlopsResult count_flops(BaseModel& model, const std::vector<std::int64_t>& input_shape) {
  FlopsResult r;
  r.input_shape = input_shape;
  for (const auto& p : model.parameters(true)) r.params += p.numel();
  std::vector<std::int64_t> batch = {1};
  batch.insert(batch.end(), input_shape.begin(), input_shape.end());
  torch::Tensor inputs = torch::randn(batch, torch::TensorOptions().device(model.device()));
  std::function<void()> forward;
  if (auto* fe = dynamic_cast<FeatureExtractor*>(&model)) {
    r.counted = "extract_feat";
    forward = [fe, inputs] { fe->extract_feat(inputs); };
  } else {
    r.counted = "forward(mode='tensor')";
    forward = [&model, inputs] {
      data::DataBatch b;
      b.inputs = inputs;
      model.forward(b, ForwardMode::Tensor);
    };
  }
  r.stats = analyze_complexity(model, forward);
  return r;
}

nlohmann::ordered_json summary_json(const torch::nn::Module& model, const FlopsResult* flops) {
  nlohmann::ordered_json j;
  j["state_dict"] = nlohmann::ordered_json::array();
  for (const auto& e : state_dict_entries(model))
    j["state_dict"].push_back({{"name", e.name}, {"shape", e.shape}, {"dtype", e.dtype}});
  std::map<std::string, std::int64_t> params;
  for (const auto& [name, n] : parameter_count(model)) params[name] = n;
  j["params"] = params[""];
  if (!flops) return j;
  const ComplexityStats& s = flops->stats;
  j["flops"] = s.total_flops;
  j["activations"] = s.total_activations;
  j["input_shape"] = flops->input_shape;
  j["counted"] = flops->counted;
  j["flops_by_operator"] = s.flops_by_operator;
  j["unsupported_ops"] = s.unsupported_ops;
  j["modules"] = nlohmann::ordered_json::array();
  for (const auto& m : s.modules) {
    auto p = params.find(m);
    j["modules"].push_back({{"name", m},
                            {"params", p == params.end() ? 0 : p->second},
                            {"flops", s.flops.at(m)},
                            {"activations", s.activations.at(m)},
                            {"called", s.uncalled_modules.count(m) == 0}});
  }
  return j;
}

std::string flops_report(const torch::nn::Module& model, const FlopsResult& flops) {
  std::string shape = "(";
  for (std::size_t i = 0; i < flops.input_shape.size(); ++i)
    shape += (i ? ", " : "") + std::to_string(flops.input_shape[i]);
  if (flops.input_shape.size() == 1) shape += ",";
  shape += ")";
  const std::string split(30, '=');
  std::string out = "\n" + complexity_stats_table(model, flops.stats) + "\n";
  out += split + "\nInput shape: " + shape + "\nFlops: " + format_size(flops.stats.total_flops) +
         "\nParams: " + format_size(flops.params) +
         "\nActivation: " + format_size(flops.stats.total_activations) + "\n" + split + "\n";
  if (flops.counted == "extract_feat")
    out += "!!!Only the backbone network is counted in FLOPs analysis.\n";
  else
    out += "!!!The model has no extract_feat: its forward(mode='tensor') is counted.\n";
  out +=
      "!!!Please be cautious if you use the results in papers. You may need to check if all ops "
      "are supported and verify that the flops computation is correct.\n";
  return out;
}

}  // namespace mmcpp::engine::analysis
