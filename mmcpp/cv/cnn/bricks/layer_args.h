// Python call semantics for MMCV's layer builders.
//
// build_conv_layer(cfg, *args, **kwargs) calls `layer_type(*args, **kwargs,
// **cfg_without_type)`: the builders here do the same through the MODELS
// registry. Positional arguments travel in BuildArgs' objects under "*args";
// a layer's factory reads each parameter by position or by keyword, as Python
// binds them:
//   std::int64_t in = to_int(positional_or_key(a, 0, "in_channels"), a, "in_channels");
//   Value stride = positional_or_key(a, 3, "stride", Value(1));
//   check_positional_count(a, 9);  // at the end: too many positional arguments
#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::mmcv {

// Keyword arguments in call order: {{"stride", 2}, {"bias", false}}.
using Kwargs = std::vector<std::pair<std::string, config::Value>>;
using Args = std::vector<config::Value>;

// A config dict from keyword arguments.
config::Value make_dict(const Kwargs& kwargs);

// layer_type(*args, **kwargs, **cfg) for cfg = dict(type=..., ...) built in
// MODELS (the default scope's registry first, as MMCV's builders look it up).
// `builder` names the calling builder in errors; `kind_names` are the types it
// is meant for, listed when cfg's type is not registered at all.
std::shared_ptr<torch::nn::Module> build_layer(const config::Value& cfg, const Args& args,
                                               const Kwargs& kwargs, const std::string& builder,
                                               const std::vector<std::string>& kind_names);

// Whether `type` (a name or scope.name) is registered in MODELS.
bool model_type_registered(const std::string& type);

// Parameter `index` of the positional arguments, else keyword `key`. Required
// when `dflt` is not given (TypeError "missing required positional argument").
config::Value positional_or_key(registry::BuildArgs& args, std::size_t index,
                                const std::string& key);
config::Value positional_or_key(registry::BuildArgs& args, std::size_t index,
                                const std::string& key, const config::Value& dflt);
// TypeError when more than `max_positional` positional arguments were given.
void check_positional_count(registry::BuildArgs& args, std::size_t max_positional);

// Typed conversions naming the component and argument in errors.
std::int64_t to_int(const config::Value& v, registry::BuildArgs& args, const std::string& key);
double to_float(const config::Value& v, registry::BuildArgs& args, const std::string& key);
bool to_bool(const config::Value& v, registry::BuildArgs& args, const std::string& key);
// An int (repeated n times) or a sequence of n ints.
std::vector<std::int64_t> to_ints(const config::Value& v, std::size_t n, registry::BuildArgs& args,
                                  const std::string& key);

}  // namespace mmcpp::mmcv
