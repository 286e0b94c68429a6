#include "mmcpp/cv/cnn/bricks/activation.h"

#include <torch/nn/modules/activation.h>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/hsigmoid.h"
#include "mmcpp/cv/cnn/bricks/hswish.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/swish.h"
#include "mmcpp/registry/config_check.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::mmcv {

using config::Value;
using registry::BuildArgs;

namespace {

using Factory = std::function<std::shared_ptr<torch::nn::Module>(BuildArgs&)>;

void add(const std::string& name, Factory make, const std::string& example) {
  registry::MODELS().add_factory(name, std::move(make), example, __FILE__);
}

bool inplace_arg(BuildArgs& a, std::size_t index) {
  return to_bool(positional_or_key(a, index, "inplace", Value(false)), a, "inplace");
}

const bool kRegistered = [] {
  namespace nn = torch::nn;
  add(
      "ReLU",
      [](BuildArgs& a) {
        auto m = std::make_shared<nn::ReLUImpl>(nn::ReLUOptions(inplace_arg(a, 0)));
        check_positional_count(a, 1);
        return m;
      },
      "dict(type='ReLU', inplace=True)");
  add(
      "LeakyReLU",
      [](BuildArgs& a) {
        nn::LeakyReLUOptions o;
        o.negative_slope(
            to_float(positional_or_key(a, 0, "negative_slope", Value(0.01)), a, "negative_slope"));
        o.inplace(inplace_arg(a, 1));
        check_positional_count(a, 2);
        return std::make_shared<nn::LeakyReLUImpl>(o);
      },
      "dict(type='LeakyReLU', negative_slope=0.1)");
  add(
      "PReLU",
      [](BuildArgs& a) {
        nn::PReLUOptions o;
        o.num_parameters(
            to_int(positional_or_key(a, 0, "num_parameters", Value(1)), a, "num_parameters"));
        o.init(to_float(positional_or_key(a, 1, "init", Value(0.25)), a, "init"));
        for (const char* k : {"device", "dtype"})
          if (!a.value(k).is_none()) a.fail(k, "is not supported");
        check_positional_count(a, 2);
        return std::make_shared<nn::PReLUImpl>(o);
      },
      "dict(type='PReLU')");
  add(
      "RReLU",
      [](BuildArgs& a) {
        nn::RReLUOptions o;
        o.lower(to_float(positional_or_key(a, 0, "lower", Value(1.0 / 8)), a, "lower"));
        o.upper(to_float(positional_or_key(a, 1, "upper", Value(1.0 / 3)), a, "upper"));
        o.inplace(inplace_arg(a, 2));
        check_positional_count(a, 3);
        return std::make_shared<nn::RReLUImpl>(o);
      },
      "dict(type='RReLU')");
  add(
      "ReLU6",
      [](BuildArgs& a) {
        auto m = std::make_shared<nn::ReLU6Impl>(nn::ReLU6Options(inplace_arg(a, 0)));
        check_positional_count(a, 1);
        return m;
      },
      "dict(type='ReLU6', inplace=True)");
  add(
      "ELU",
      [](BuildArgs& a) {
        nn::ELUOptions o;
        o.alpha(to_float(positional_or_key(a, 0, "alpha", Value(1.0)), a, "alpha"));
        o.inplace(inplace_arg(a, 1));
        check_positional_count(a, 2);
        return std::make_shared<nn::ELUImpl>(o);
      },
      "dict(type='ELU')");
  add(
      "Sigmoid",
      [](BuildArgs& a) {
        check_positional_count(a, 0);
        return std::make_shared<nn::SigmoidImpl>();
      },
      "dict(type='Sigmoid')");
  add(
      "Tanh",
      [](BuildArgs& a) {
        check_positional_count(a, 0);
        return std::make_shared<nn::TanhImpl>();
      },
      "dict(type='Tanh')");
  add(
      "GELU",
      [](BuildArgs& a) {
        Value approximate = positional_or_key(a, 0, "approximate", Value("none"));
        if (!approximate.is_str() ||
            (approximate.as_str() != "none" && approximate.as_str() != "tanh"))
          a.fail("approximate", "must be 'none' or 'tanh', got " + approximate.repr());
        check_positional_count(a, 1);
        return std::make_shared<nn::GELUImpl>(nn::GELUOptions().approximate(approximate.as_str()));
      },
      "dict(type='GELU')");
  add(
      "SiLU",
      [](BuildArgs& a) -> std::shared_ptr<torch::nn::Module> {
        // torch.nn.SiLU(inplace=False); LibTorch's SiLU has no inplace option
        // (the result is the same).
        inplace_arg(a, 0);
        check_positional_count(a, 1);
        return std::make_shared<nn::SiLUImpl>();
      },
      "dict(type='SiLU')");
  add(
      "Swish",
      [](BuildArgs& a) {
        check_positional_count(a, 0);
        return std::make_shared<SwishImpl>();
      },
      "dict(type='Swish')");
  add(
      "HSwish",
      [](BuildArgs& a) {
        auto m = std::make_shared<HSwishImpl>(inplace_arg(a, 0));
        check_positional_count(a, 1);
        return m;
      },
      "dict(type='HSwish')");
  add(
      "HSigmoid",
      [](BuildArgs& a) {
        double bias = to_float(positional_or_key(a, 0, "bias", Value(3.0)), a, "bias");
        double divisor = to_float(positional_or_key(a, 1, "divisor", Value(6.0)), a, "divisor");
        double min_value =
            to_float(positional_or_key(a, 2, "min_value", Value(0.0)), a, "min_value");
        double max_value =
            to_float(positional_or_key(a, 3, "max_value", Value(1.0)), a, "max_value");
        check_positional_count(a, 4);
        return std::make_shared<HSigmoidImpl>(bias, divisor, min_value, max_value);
      },
      "dict(type='HSigmoid')");
  for (const char* name : {"Clamp", "Clip"})
    add(
        name,
        [](BuildArgs& a) {
          double min = to_float(positional_or_key(a, 0, "min", Value(-1.0)), a, "min");
          double max = to_float(positional_or_key(a, 1, "max", Value(1.0)), a, "max");
          check_positional_count(a, 2);
          return std::make_shared<ClampImpl>(min, max);
        },
        "dict(type='" + std::string(name) + "', min=-1.0, max=1.0)");
  return true;
}();

}  // namespace

const std::vector<std::string>& activation_layer_types() {
  static const std::vector<std::string> names = {"ReLU",  "LeakyReLU", "PReLU",    "RReLU", "ReLU6",
                                                 "ELU",   "Sigmoid",   "Tanh",     "GELU",  "SiLU",
                                                 "Swish", "HSwish",    "HSigmoid", "Clamp", "Clip"};
  return names;
}

engine::Layer build_activation_layer(const Value& cfg) {
  if (!cfg.is_dict())
    throw Error("TypeError", "build_activation_layer: cfg must be a dict, got " + cfg.repr());
  return engine::Layer(
      build_layer(cfg, {}, {}, "build_activation_layer", activation_layer_types()));
}

}  // namespace mmcpp::mmcv

// `mmcpp check` / zoo-report: the types this builder accepts.
MMCPP_REGISTER_LAYER_NAMES(mmcpp::registry::kActivationLayers,
                           [] { return mmcpp::mmcv::activation_layer_types(); });
