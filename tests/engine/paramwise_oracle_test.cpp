// Replays /oracle/paramwise: the optimizer param groups MMEngine's
// build_optim_wrapper makes from paramwise_cfg for toy module trees.
//
// The module tree is rebuilt from `modules` with LibTorch modules (Conv1d/2d/3d,
// ConvTranspose1d/2d/3d, Linear, BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d,
// LayerNorm, GroupNorm, Embedding) built with every torch.nn argument the case
// gives (`affine`, `elementwise_affine`, `bias`, ...), raw parameters, `frozen` /
// `requires_grad` and `tie`. The optimizer type is checked against whatever the
// registry builds for the recorded `optimizer_type`. Two
// stand-ins: SyncBatchNorm (no LibTorch class) is a BatchNorm2d, which the
// constructor treats as the norm layer it is in MMEngine; a Linear whose weight
// is tied to another module's parameter is a plain module holding that very
// tensor as `weight` and its own `bias` (LibTorch cannot re-point a built
// Linear's parameter), which the rules treat alike (no norm, no conv).
//
// layer_decay_vit: mmcpp has no VisionTransformer yet, so its model is a test
// double: the listed parameter names and shapes in a module tree (`ln*` modules
// are LayerNorms) whose `backbone` implements get_layer_depth with
// VisionTransformer.get_layer_depth's rule (mmpretrain/models/backbones/
// vision_transformer.py), num_layers from the model config's arch.
//
// Compared: `constructor_groups` exactly (key order, int vs float) against the
// constructor's add_params; `param_groups` against the built optimizer's groups
// as its state_dict shows them (options + extra keys): every key we have must be
// in the oracle with the same value; oracle keys we lack may only be torch's
// Python-only flags `differentiable`/`capturable`/`fused` (at their defaults)
// and non-numeric extra keys (`param_name`, compared in constructor_groups).
#include <gtest/gtest.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/instancenorm.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/optim/optimizer.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <typeinfo>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/default_constructor.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/pretrain/models/utils/layer_depth.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/root.h"
#include "tests/support/oracle.h"

namespace mmcpp::engine {
namespace {

using config::Value;
using json = nlohmann::ordered_json;
namespace nn = torch::nn;

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t p; (p = s.find('.', start)) != std::string::npos; start = p + 1)
    out.push_back(s.substr(start, p - start));
  out.push_back(s.substr(start));
  return out;
}

std::shared_ptr<nn::Module> find_child(nn::Module& m, const std::string& name) {
  for (const auto& c : m.named_children())
    if (c.key() == name) return c.value();
  return nullptr;
}

// The parent of dotted `name`, creating missing ones as empty modules.
nn::Module& parent_of(nn::Module& root, const std::string& name) {
  auto parts = split(name);
  nn::Module* m = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    auto c = find_child(*m, parts[i]);
    if (!c) c = m->register_module(parts[i], std::make_shared<nn::Module>());
    m = c.get();
  }
  return *m;
}

torch::Tensor find_param(nn::Module& root, const std::string& name) {
  for (const auto& p : root.named_parameters())
    if (p.key() == name) return p.value();
  throw Error("KeyError", "no parameter " + name);
}

// Reads the JSON args of a torch.nn class; unknown keys fail the test (a silently
// different module would test nothing).
struct Args {
  const json& j;
  std::set<std::string> used;
  std::int64_t i(const char* k, std::int64_t d) {
    used.insert(k);
    return j.contains(k) ? j[k].get<std::int64_t>() : d;
  }
  double f(const char* k, double d) {
    used.insert(k);
    return j.contains(k) && !j[k].is_null() ? j[k].get<double>() : d;
  }
  bool b(const char* k, bool d) {
    used.insert(k);
    return j.contains(k) ? j[k].get<bool>() : d;
  }
  std::string s(const char* k, const std::string& d) {
    used.insert(k);
    return j.contains(k) ? j[k].get<std::string>() : d;
  }
  std::optional<std::int64_t> opt_i(const char* k) {
    used.insert(k);
    if (!j.contains(k) || j[k].is_null()) return std::nullopt;
    return j[k].get<std::int64_t>();
  }
  // An int or a tuple of ints (kernel_size=3 or (3, 1)), expanded to `n` entries.
  std::vector<std::int64_t> ints(const char* k, std::size_t n, std::int64_t d) {
    used.insert(k);
    if (!j.contains(k)) return std::vector<std::int64_t>(n, d);
    const json& v = j[k].is_object() && j[k].contains("__tuple__") ? j[k]["__tuple__"] : j[k];
    if (v.is_array()) return v.get<std::vector<std::int64_t>>();
    return std::vector<std::int64_t>(n, v.get<std::int64_t>());
  }
  std::vector<std::int64_t> shape(const char* k) { return ints(k, 1, 0); }
  void done(const std::string& type) {
    for (const auto& [k, v] : j.items())
      if (!used.count(k)) throw Error("KeyError", type + ": unsupported arg " + k);
  }
};

template <std::size_t D>
torch::ExpandingArray<D> expand(const std::vector<std::int64_t>& v) {
  return torch::ExpandingArray<D>(c10::IntArrayRef(v));
}

// A torch.nn ConvNd(in_channels, out_channels, kernel_size, stride=1, padding=0,
// dilation=1, groups=1, bias=True, padding_mode='zeros') or ConvTransposeNd.
template <std::size_t D, class Options>
Options conv_options(Args& a, bool transposed) {
  Options o(a.i("in_channels", 0), a.i("out_channels", 0), expand<D>(a.ints("kernel_size", D, 1)));
  o.stride(expand<D>(a.ints("stride", D, 1)));
  o.dilation(expand<D>(a.ints("dilation", D, 1)));
  o.groups(a.i("groups", 1));
  o.bias(a.b("bias", true));
  if (a.j.contains("padding") && a.j["padding"].is_string()) {
    a.used.insert("padding");
    if (transposed) throw Error("KeyError", "ConvTranspose: string padding");
  } else {
    o.padding(expand<D>(a.ints("padding", D, 0)));
  }
  a.s("padding_mode", "zeros");
  if (transposed) a.ints("output_padding", D, 0);
  return o;
}

// BatchNormNd / InstanceNormNd(num_features, eps, momentum, affine, track_running_stats):
// only affine decides the parameters (weight, bias).
template <class Options>
Options norm_options(Args& a, bool affine_default, bool track_default) {
  Options o(a.i("num_features", 0));
  o.eps(a.f("eps", 1e-5));
  o.momentum(a.f("momentum", 0.1));
  o.affine(a.b("affine", affine_default));
  o.track_running_stats(a.b("track_running_stats", track_default));
  return o;
}

std::shared_ptr<nn::Module> make_module(const std::string& type, const json& j) {
  Args a{j, {}};
  std::shared_ptr<nn::Module> m;
  if (type == "Conv1d") {
    m = nn::Conv1d(conv_options<1, nn::Conv1dOptions>(a, false)).ptr();
  } else if (type == "Conv2d") {
    m = nn::Conv2d(conv_options<2, nn::Conv2dOptions>(a, false)).ptr();
  } else if (type == "Conv3d") {
    m = nn::Conv3d(conv_options<3, nn::Conv3dOptions>(a, false)).ptr();
  } else if (type == "ConvTranspose1d") {
    m = nn::ConvTranspose1d(conv_options<1, nn::ConvTranspose1dOptions>(a, true)).ptr();
  } else if (type == "ConvTranspose2d") {
    m = nn::ConvTranspose2d(conv_options<2, nn::ConvTranspose2dOptions>(a, true)).ptr();
  } else if (type == "ConvTranspose3d") {
    m = nn::ConvTranspose3d(conv_options<3, nn::ConvTranspose3dOptions>(a, true)).ptr();
  } else if (type == "Linear") {
    auto in = a.i("in_features", 0), out = a.i("out_features", 0);
    m = nn::Linear(nn::LinearOptions(in, out).bias(a.b("bias", true))).ptr();
  } else if (type == "BatchNorm1d") {
    m = nn::BatchNorm1d(norm_options<nn::BatchNorm1dOptions>(a, true, true)).ptr();
  } else if (type == "BatchNorm2d" || type == "SyncBatchNorm") {
    // SyncBatchNorm has no LibTorch class: a BatchNorm2d, a norm layer as in MMEngine.
    if (type == "SyncBatchNorm") a.used.insert("process_group");
    m = nn::BatchNorm2d(norm_options<nn::BatchNorm2dOptions>(a, true, true)).ptr();
  } else if (type == "BatchNorm3d") {
    m = nn::BatchNorm3d(norm_options<nn::BatchNorm3dOptions>(a, true, true)).ptr();
  } else if (type == "InstanceNorm1d") {
    m = nn::InstanceNorm1d(norm_options<nn::InstanceNorm1dOptions>(a, false, false)).ptr();
  } else if (type == "InstanceNorm2d") {
    m = nn::InstanceNorm2d(norm_options<nn::InstanceNorm2dOptions>(a, false, false)).ptr();
  } else if (type == "InstanceNorm3d") {
    m = nn::InstanceNorm3d(norm_options<nn::InstanceNorm3dOptions>(a, false, false)).ptr();
  } else if (type == "LayerNorm") {
    nn::LayerNormOptions o(a.shape("normalized_shape"));
    o.eps(a.f("eps", 1e-5));
    o.elementwise_affine(a.b("elementwise_affine", true));
    m = nn::LayerNorm(o).ptr();
  } else if (type == "GroupNorm") {
    auto g = a.i("num_groups", 0), c = a.i("num_channels", 0);
    m = nn::GroupNorm(nn::GroupNormOptions(g, c).eps(a.f("eps", 1e-5)).affine(a.b("affine", true)))
            .ptr();
  } else if (type == "Embedding") {
    auto n = a.i("num_embeddings", 0), d = a.i("embedding_dim", 0);
    nn::EmbeddingOptions o(n, d);
    if (auto p = a.opt_i("padding_idx")) o.padding_idx(*p);
    if (a.j.contains("max_norm") && !a.j["max_norm"].is_null()) o.max_norm(a.f("max_norm", 0));
    a.used.insert("max_norm");
    o.norm_type(a.f("norm_type", 2.0));
    o.scale_grad_by_freq(a.b("scale_grad_by_freq", false));
    o.sparse(a.b("sparse", false));
    m = nn::Embedding(o).ptr();
  } else {
    throw Error("KeyError", "unsupported module type " + type);
  }
  // Python-only constructor arguments that change no parameter.
  a.s("device", "");
  a.s("dtype", "");
  a.done(type);
  return m;
}

void build_modules(nn::Module& root, const json& modules) {
  for (const auto& e : modules) {
    std::string name = e["name"].get<std::string>();
    std::string type = e["type"].get<std::string>();
    std::string last = split(name).back();
    nn::Module& parent = parent_of(root, name);
    if (type == "Parameter") {
      auto shape = e["args"]["shape"].get<std::vector<std::int64_t>>();
      bool rg = e.contains("requires_grad") ? e["requires_grad"].get<bool>() : true;
      parent.register_parameter(last, torch::zeros(shape), rg);
      continue;
    }
    std::shared_ptr<nn::Module> m;
    if (e.contains("tie")) {
      // A Linear whose weight is another module's parameter (see the file comment).
      if (type != "Linear" || e["tie"].size() != 1 || !e["tie"].contains("weight"))
        throw Error("KeyError", "unsupported tie on " + name);
      m = std::make_shared<nn::Module>();
      m->register_parameter("weight", find_param(root, e["tie"]["weight"].get<std::string>()));
      const json& args = e["args"];
      if (!args.contains("bias") || args["bias"].get<bool>())
        m->register_parameter("bias", torch::zeros({args["out_features"].get<std::int64_t>()}));
    } else {
      m = make_module(type, e["args"]);
    }
    parent.register_module(last, m);
    if (e.contains("frozen"))
      for (const auto& f : e["frozen"])
        m->named_parameters(false)[f.get<std::string>()].set_requires_grad(false);
  }
}

// VisionTransformer.get_layer_depth on a module tree with ViT's parameter names.
struct ViTDouble : nn::Module, pretrain::LayerDepthInterface {
  explicit ViTDouble(std::int64_t layers) : num_layers(layers) {}
  std::pair<std::int64_t, std::int64_t> get_layer_depth(const std::string& param_name,
                                                        const std::string& prefix) const override {
    std::int64_t n = num_layers + 2;
    if (param_name.rfind(prefix, 0) != 0) return {n - 1, n};
    std::string name = param_name.substr(prefix.size());
    if (name == "cls_token" || name == "pos_embed" || name.rfind("patch_embed", 0) == 0)
      return {0, n};
    if (name.rfind("layers", 0) == 0) return {std::stoll(split(name)[1]) + 1, n};
    return {n - 1, n};
  }
  std::int64_t num_layers;
};

void build_vit_double(nn::Module& root, const json& c) {
  root.register_module("backbone",
                       std::make_shared<ViTDouble>(
                           c["model_cfg"]["backbone"]["arch"]["num_layers"].get<std::int64_t>()));
  for (const auto& p : c["parameters"]) {
    std::string name = p["name"].get<std::string>();
    auto parts = split(name);
    auto shape = p["shape"].get<std::vector<std::int64_t>>();
    if (parts.size() >= 2 && parts[parts.size() - 2].rfind("ln", 0) == 0) {
      // A LayerNorm, which registers its weight and bias itself.
      nn::Module& grand = parent_of(root, name.substr(0, name.rfind('.')));
      if (!find_child(grand, parts[parts.size() - 2]))
        grand.register_module(parts[parts.size() - 2],
                              nn::LayerNorm(nn::LayerNormOptions({shape[0]})).ptr());
      continue;
    }
    nn::Module& parent = parent_of(root, name);
    parent.register_parameter(parts.back(), torch::zeros(shape));
  }
}

// Whether `o` is what the registry builds for `type` (searched as Python built it,
// in the mmpretrain scope): the registered factory is run on its own example with
// a throw-away parameter and the two optimizers' C++ classes compared. Covers every
// optimizer the engine, MMPretrain's package or a plugin registers.
std::string optimizer_type_mismatch(torch::optim::Optimizer& o, const std::string& type) {
  registry::ScopeGuard scope("mmpretrain");
  auto& optimizers = pretrain::OPTIMIZERS();
  const registry::RegistryBase::Entry* entry = optimizers.get(type);
  if (!entry) return "optimizer type " + type + " is not registered";
  Value example = config::Config::fromstring("x = " + entry->example, ".py").get("x")->deep_copy();
  example.as_dict().set(Value("type"), Value(type));
  std::vector<torch::Tensor> dummy = {torch::zeros({1}, torch::requires_grad())};
  auto reference = optimizers.build(example, Value(), {{"params", std::any(dummy)}});
  if (typeid(*reference) != typeid(o))
    return "built optimizer is a " + std::string(typeid(o).name()) + ", " + type + " builds a " +
           typeid(*reference).name();
  return "";
}

// A group with tensors replaced by names, as the oracle writes them.
Value named_group(const ParamGroupSpec& g, const std::map<const void*, std::string>& names) {
  Value d = Value::dict(false);
  Value params = Value::list();
  for (const auto& p : g.params) params.items().push_back(Value(names.at(p.unsafeGetTensorImpl())));
  d.as_dict().set(Value("params"), params);
  if (g.options.is_dict())
    for (const auto& [k, v] : g.options.as_dict().entries()) d.as_dict().set(k, v);
  return d;
}

// Python value vs. what a LibTorch group holds (numbers, flags, betas tuple, None).
bool same_value(const Value& oracle, const Value& ours) {
  if (oracle.is_sequence() && ours.is_sequence()) {
    if (oracle.items().size() != ours.items().size()) return false;
    for (std::size_t i = 0; i < oracle.items().size(); ++i)
      if (!same_value(oracle.items()[i], ours.items()[i])) return false;
    return true;
  }
  if (oracle.is_none() || ours.is_none()) return oracle.is_none() && ours.is_none();
  if ((oracle.is_number() || oracle.is_bool()) && (ours.is_number() || ours.is_bool()))
    return oracle.as_number() == ours.as_number();
  return oracle.equals(ours);
}

std::string compare_param_groups(const json& expected_json, OptimWrapper& ow,
                                 const std::map<const void*, std::string>& names, int* checked) {
  Value expected = testing::decode_oracle_value(expected_json);
  auto& groups = ow.optimizer().param_groups();
  OptimizerStateDict sd = ow.state_dict();
  if (expected.items().size() != groups.size())
    return "expected " + std::to_string(expected.items().size()) + " param groups, got " +
           std::to_string(groups.size());
  const std::set<std::string> python_only = {"differentiable", "capturable", "fused"};
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const auto& e = expected.items()[gi].as_dict();
    const auto& ours = sd.param_groups[gi].as_dict();
    std::string where = "param_groups[" + std::to_string(gi) + "]";
    Value our_names = Value::list();
    for (const auto& p : groups[gi].params())
      our_names.items().push_back(Value(names.at(p.unsafeGetTensorImpl())));
    if (std::string d = testing::strict_diff(*e.find("params"), our_names, where + ".params");
        !d.empty())
      return d;
    for (const auto& [k, v] : ours.entries()) {
      if (k.str() == "params") continue;
      const Value* ev = e.find(k);
      if (!ev) return where + ": key '" + k.str() + "' not in the oracle's group";
      if (!same_value(*ev, v))
        return where + "." + k.str() + ": expected " + ev->repr() + ", got " + v.repr();
      ++*checked;
    }
    for (const auto& [k, v] : e.entries()) {
      if (ours.contains(k)) continue;
      bool flag = python_only.count(k.str()) && (v.is_none() || (v.is_bool() && !v.as_bool()));
      if (!flag && !v.is_str()) return where + ": missing key '" + k.str() + "' = " + v.repr();
    }
  }
  return "";
}

std::string run_case(const json& c, int* checked) {
  pretrain::OPTIM_WRAPPER_CONSTRUCTORS();  // the mmpretrain package is linked and registered
  registry::ScopeGuard scope("mmpretrain");
  nn::Module model;
  if (c.contains("modules") && !c["modules"].is_null())
    build_modules(model, c["modules"]);
  else
    build_vit_double(model, c);
  // The tree has the oracle's parameters, in order.
  std::map<const void*, std::string> names;
  {
    std::size_t i = 0;
    const json& params = c["parameters"];
    for (const auto& p : model.named_parameters()) {
      // Python's named_parameters() lists a tied tensor once.
      if (names.count(p.value().unsafeGetTensorImpl())) continue;
      if (i >= params.size()) return "extra parameter " + p.key();
      const json& e = params[i++];
      if (p.key() != e["name"].get<std::string>() ||
          p.value().sizes().vec() != e["shape"].get<std::vector<std::int64_t>>() ||
          p.value().requires_grad() != e["requires_grad"].get<bool>())
        return "test tree differs at parameter " + p.key() + " (oracle " + e.dump() + ")";
      names.emplace(p.value().unsafeGetTensorImpl(), p.key());
    }
    if (i != params.size()) return "missing parameters in the test tree";
  }
  Value cfg = testing::decode_oracle_value(c["optim_wrapper"]);
  if (!c["ok"].get<bool>()) {
    std::string err = c["error"].get<std::string>();
    std::string kind = err.substr(0, err.find(':'));
    std::string msg = err.substr(err.find(": ") + 2);
    try {
      build_optim_wrapper(model, cfg);
    } catch (const Error& e) {
      if (e.kind() != kind || std::string(e.what()).find(msg) == std::string::npos)
        return "expected " + err + ", got " + e.kind() + ": " + e.what();
      ++*checked;
      return "";
    }
    return "expected " + err + ", got no error";
  }
  auto ow = build_optim_wrapper(model, cfg);
  if (std::string d =
          optimizer_type_mismatch(ow->optimizer(), c["optimizer_type"].get<std::string>());
      !d.empty())
    return d;
  if (std::string d = compare_param_groups(c["param_groups"], *ow, names, checked); !d.empty())
    return d;
  // The groups the constructor produced, before the optimizer filled defaults.
  if (!c["constructor_groups"].is_null()) {
    const auto& d = cfg.as_dict();
    Value ctor_cfg = Value::dict(false);
    ctor_cfg.as_dict().set(Value("type"), d.contains("constructor")
                                              ? *d.find("constructor")
                                              : Value("DefaultOptimWrapperConstructor"));
    Value rest = cfg.deep_copy();
    rest.as_dict().erase("constructor");
    rest.as_dict().erase("paramwise_cfg");
    ctor_cfg.as_dict().set(Value("optim_wrapper_cfg"), rest);
    ctor_cfg.as_dict().set(Value("paramwise_cfg"), *d.find("paramwise_cfg"));
    auto ctor = std::dynamic_pointer_cast<DefaultOptimWrapperConstructor>(
        registry::OPTIM_WRAPPER_CONSTRUCTORS().build(ctor_cfg));
    if (!ctor) return "constructor is not a DefaultOptimWrapperConstructor";
    ParamGroups groups;
    ctor->add_params(groups, model, nullptr);
    Value ours = Value::list();
    for (const auto& g : groups) ours.items().push_back(named_group(g, names));
    Value expected = testing::decode_oracle_value(c["constructor_groups"]);
    if (std::string diff = testing::strict_diff(expected, ours, "constructor_groups");
        !diff.empty())
      return diff;
    for (const auto& g : expected.items()) *checked += static_cast<int>(g.as_dict().size());
  }
  return "";
}

TEST(ParamwiseOracle, ConstructorGroupsMatchMMEngine) {
  const std::vector<std::string> files = testing::json_files(testing::oracle_dir("paramwise"));
  int cases = 0, checked = 0;
  for (const auto& f : files) {
    json c = testing::read_json_file(f);
    std::string diff;
    try {
      diff = run_case(c, &checked);
    } catch (const std::exception& e) {
      diff = std::string("exception: ") + e.what();
    }
    EXPECT_EQ(diff, "") << c["case"].get<std::string>();
    ++cases;
  }
  std::cout << "[ INFO ] paramwise oracle: " << cases << " cases, " << checked
            << " values checked\n";
  // At least one case; every file is a case (none skipped).
  EXPECT_GT(cases, 0);
}

}  // namespace
}  // namespace mmcpp::engine
