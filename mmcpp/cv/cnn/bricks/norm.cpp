#include "mmcpp/cv/cnn/bricks/norm.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/instancenorm.h>
#include <torch/nn/modules/normalization.h>

#include <algorithm>
#include <cctype>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/sync_batch_norm.h"
#include "mmcpp/engine/model/python_class.h"
#include "mmcpp/registry/config_check.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::mmcv {

using config::Value;
using registry::BuildArgs;

namespace {

void no_device_args(BuildArgs& a) {
  for (const char* k : {"device", "dtype"})
    if (!a.value(k).is_none()) a.fail(k, "is not supported (modules follow the model's device)");
}

c10::optional<double> momentum_of(const Value& v, BuildArgs& a) {
  if (v.is_none()) return c10::nullopt;
  return to_float(v, a, "momentum");
}

// _BatchNorm(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True)
torch::nn::BatchNormOptions batch_norm_options(BuildArgs& a) {
  torch::nn::BatchNormOptions o(to_int(positional_or_key(a, 0, "num_features"), a, "num_features"));
  o.eps(to_float(positional_or_key(a, 1, "eps", Value(1e-5)), a, "eps"));
  o.momentum(momentum_of(positional_or_key(a, 2, "momentum", Value(0.1)), a));
  o.affine(to_bool(positional_or_key(a, 3, "affine", Value(true)), a, "affine"));
  o.track_running_stats(to_bool(positional_or_key(a, 4, "track_running_stats", Value(true)), a,
                                "track_running_stats"));
  no_device_args(a);
  return o;
}

// _InstanceNorm(num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False)
torch::nn::InstanceNormOptions instance_norm_options(BuildArgs& a) {
  torch::nn::InstanceNormOptions o(
      to_int(positional_or_key(a, 0, "num_features"), a, "num_features"));
  o.eps(to_float(positional_or_key(a, 1, "eps", Value(1e-5)), a, "eps"));
  Value momentum = positional_or_key(a, 2, "momentum", Value(0.1));
  if (momentum.is_none()) a.fail("momentum", "None is not supported for instance norm");
  o.momentum(to_float(momentum, a, "momentum"));
  o.affine(to_bool(positional_or_key(a, 3, "affine", Value(false)), a, "affine"));
  o.track_running_stats(to_bool(positional_or_key(a, 4, "track_running_stats", Value(false)), a,
                                "track_running_stats"));
  no_device_args(a);
  check_positional_count(a, 5);
  return o;
}

using Factory = std::function<std::shared_ptr<torch::nn::Module>(BuildArgs&)>;

void add(const std::string& name, Factory make, const std::string& example) {
  registry::MODELS().add_factory(name, std::move(make), example, __FILE__);
}

const bool kRegistered = [] {
  namespace nn = torch::nn;
  for (const char* name : {"BN", "BN2d"})
    add(
        name,
        [](BuildArgs& a) {
          auto o = batch_norm_options(a);
          check_positional_count(a, 5);
          return std::make_shared<nn::BatchNorm2dImpl>(o);
        },
        "dict(type='" + std::string(name) + "', num_features=8)");
  add(
      "BN1d",
      [](BuildArgs& a) {
        auto o = batch_norm_options(a);
        check_positional_count(a, 5);
        return std::make_shared<nn::BatchNorm1dImpl>(o);
      },
      "dict(type='BN1d', num_features=8)");
  add(
      "BN3d",
      [](BuildArgs& a) {
        auto o = batch_norm_options(a);
        check_positional_count(a, 5);
        return std::make_shared<nn::BatchNorm3dImpl>(o);
      },
      "dict(type='BN3d', num_features=8)");
  add(
      "SyncBN",
      [](BuildArgs& a) {
        auto o = batch_norm_options(a);
        if (!positional_or_key(a, 5, "process_group", Value()).is_none())
          a.fail("process_group", "is not supported");
        check_positional_count(a, 6);
        return make_sync_batch_norm(o);
      },
      "dict(type='SyncBN', num_features=8)");
  // mmcv.ops.SyncBatchNorm(num_features, eps, momentum, affine,
  // track_running_stats, group=None, stats_mode='default'); both stats modes
  // weight ranks by batch size, equal whenever every rank holds as many samples.
  add(
      "MMSyncBN",
      [](BuildArgs& a) {
        auto o = batch_norm_options(a);
        if (!positional_or_key(a, 5, "group", Value()).is_none())
          a.fail("group", "is not supported (only the whole world synchronises)");
        Value mode = positional_or_key(a, 6, "stats_mode", Value("default"));
        if (!mode.is_str() || (mode.as_str() != "default" && mode.as_str() != "N"))
          throw Error("AssertionError",
                      "\"stats_mode\" only accepts \"default\" and \"N\", got " + mode.repr());
        check_positional_count(a, 7);
        return make_sync_batch_norm(o);
      },
      "dict(type='MMSyncBN', num_features=8)");
  add(
      "GN",
      [](BuildArgs& a) {
        std::int64_t groups = to_int(positional_or_key(a, 0, "num_groups"), a, "num_groups");
        std::int64_t channels = to_int(positional_or_key(a, 1, "num_channels"), a, "num_channels");
        if (channels % groups != 0)
          throw Error("ValueError", "num_channels must be divisible by num_groups");
        nn::GroupNormOptions o(groups, channels);
        o.eps(to_float(positional_or_key(a, 2, "eps", Value(1e-5)), a, "eps"));
        o.affine(to_bool(positional_or_key(a, 3, "affine", Value(true)), a, "affine"));
        no_device_args(a);
        check_positional_count(a, 4);
        return std::make_shared<nn::GroupNormImpl>(o);
      },
      "dict(type='GN', num_groups=2, num_channels=8)");
  add(
      "LN",
      [](BuildArgs& a) {
        Value shape = positional_or_key(a, 0, "normalized_shape");
        std::vector<std::int64_t> dims;
        if (shape.is_sequence()) {
          for (const auto& d : shape.items()) dims.push_back(to_int(d, a, "normalized_shape"));
        } else {
          dims.push_back(to_int(shape, a, "normalized_shape"));
        }
        nn::LayerNormOptions o(dims);
        o.eps(to_float(positional_or_key(a, 1, "eps", Value(1e-5)), a, "eps"));
        o.elementwise_affine(to_bool(positional_or_key(a, 2, "elementwise_affine", Value(true)), a,
                                     "elementwise_affine"));
        no_device_args(a);
        check_positional_count(a, 3);
        return std::make_shared<nn::LayerNormImpl>(o);
      },
      "dict(type='LN', normalized_shape=8)");
  for (const char* name : {"IN", "IN2d"})
    add(
        name,
        [](BuildArgs& a) {
          return std::make_shared<nn::InstanceNorm2dImpl>(instance_norm_options(a));
        },
        "dict(type='" + std::string(name) + "', num_features=8)");
  add(
      "IN1d",
      [](BuildArgs& a) {
        return std::make_shared<nn::InstanceNorm1dImpl>(instance_norm_options(a));
      },
      "dict(type='IN1d', num_features=8)");
  add(
      "IN3d",
      [](BuildArgs& a) {
        return std::make_shared<nn::InstanceNorm3dImpl>(instance_norm_options(a));
      },
      "dict(type='IN3d', num_features=8)");
  return true;
}();

}  // namespace

const std::vector<std::string>& norm_layer_types() {
  static const std::vector<std::string> names = {"BN",       "BN1d", "BN2d", "BN3d", "SyncBN",
                                                 "MMSyncBN", "GN",   "LN",   "IN",   "IN1d",
                                                 "IN2d",     "IN3d", "LN2d"};
  return names;
}

std::string infer_abbr(const torch::nn::Module& layer) {
  using engine::python_isinstance;
  if (python_isinstance(layer, "_InstanceNorm")) return "in";  // IN is a subclass of BN
  if (python_isinstance(layer, "_BatchNorm")) return "bn";
  if (python_isinstance(layer, "GroupNorm")) return "gn";
  if (python_isinstance(layer, "LayerNorm")) return "ln";
  std::string name = engine::python_class_of(layer).name;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name.find("batch") != std::string::npos) return "bn";
  if (name.find("group") != std::string::npos) return "gn";
  if (name.find("layer") != std::string::npos) return "ln";
  if (name.find("instance") != std::string::npos) return "in";
  return "norm_layer";
}

bool is_batch_norm(const torch::nn::Module& layer) {
  return engine::python_isinstance(layer, "_BatchNorm");
}

bool is_norm(const torch::nn::Module& layer) {
  using engine::python_isinstance;
  return python_isinstance(layer, "_BatchNorm") || python_isinstance(layer, "_InstanceNorm") ||
         python_isinstance(layer, "GroupNorm") || python_isinstance(layer, "LayerNorm");
}

std::pair<std::string, engine::Layer> build_norm_layer(const Value& cfg, std::int64_t num_features,
                                                       const std::string& postfix) {
  if (!cfg.is_dict()) throw Error("TypeError", "cfg must be a dict");
  if (!cfg.as_dict().contains("type"))
    throw Error("KeyError", "the cfg dict must contain the key \"type\"");
  Value c = cfg.deep_copy();
  const std::string type = c.as_dict().find("type")->str();
  bool requires_grad = true;
  if (const Value* r = c.as_dict().find("requires_grad")) {
    requires_grad = r->truthy();
    c.as_dict().erase("requires_grad");
  }
  if (!c.as_dict().contains("eps")) c.as_dict().set("eps", Value(1e-5));
  std::shared_ptr<torch::nn::Module> layer;
  const auto* entry = registry::MODELS().get(type);
  if (entry && entry->name == "GN") {
    if (!c.as_dict().contains("num_groups"))
      throw Error("AssertionError", "build_norm_layer: GN needs 'num_groups' in " + cfg.repr());
    layer = build_layer(c, {}, {{"num_channels", Value(num_features)}}, "build_norm_layer",
                        norm_layer_types());
  } else {
    layer = build_layer(c, {Value(num_features)}, {}, "build_norm_layer", norm_layer_types());
  }
  for (auto& p : layer->parameters()) p.set_requires_grad(requires_grad);
  return {infer_abbr(*layer) + postfix, engine::Layer(layer)};
}

std::pair<std::string, engine::Layer> build_norm_layer(const Value& cfg, std::int64_t num_features,
                                                       std::int64_t postfix) {
  return build_norm_layer(cfg, num_features, std::to_string(postfix));
}

}  // namespace mmcpp::mmcv

// `mmcpp check` / zoo-report: the types this builder accepts.
MMCPP_REGISTER_LAYER_NAMES(mmcpp::registry::kNormLayers,
                           [] { return mmcpp::mmcv::norm_layer_types(); });
