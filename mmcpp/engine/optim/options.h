// Name-based access to optimizer options, for any optimizer.
//
// Python param groups are dicts; LibTorch's are option structs. An options
// struct describes its fields to the engine as a list of OptionField (PyTorch's
// names, in the order of the Python class's `defaults`), either by implementing
// NamedOptions (optimizers of mmcpp, the pretrain library and plugins) or, for
// LibTorch's own SGD/Adam/AdamW/RMSprop/Adagrad options, through a built-in
// table. get_option/set_option/options_to_value/... (optim_wrapper.h) work on
// these fields, so schedulers, logs and checkpoints need no per-optimizer code.
#pragma once

#include <torch/optim/optimizer.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"

namespace mmcpp::engine {

// One entry of a Python param group, pointing into an options struct.
struct OptionField {
  enum class Kind {
    kFloat,     // double (`lr`)
    kBool,      // bool (`nesterov`); reads as 0/1
    kInt,       // int64 (a group's `step` counter in Lamb/Adan)
    kTuple,     // several doubles (`betas`); single entries by name+index ("betas0")
    kConstant,  // a Python-only value reported as is (`maximize`: False, `foreach`: None)
  };
  std::string name;
  Kind kind = Kind::kFloat;
  double* number = nullptr;
  bool* flag = nullptr;
  std::int64_t* integer = nullptr;
  std::vector<double*> tuple;
  config::Value constant;
  // Keys Python only has in some groups (LARS's `lars_exclude`, Lamb's `step`
  // after the first step): absent while *present is false; setting marks it.
  bool* present = nullptr;

  bool is_present() const { return !present || *present; }
};

OptionField float_field(std::string name, double& v, bool* present = nullptr);
OptionField bool_field(std::string name, bool& v, bool* present = nullptr);
OptionField int_field(std::string name, std::int64_t& v, bool* present = nullptr);
OptionField tuple_field(std::string name, std::vector<double*> entries);
OptionField constant_field(std::string name, config::Value v);

// Implemented by options classes defined outside LibTorch, beside
// torch::optim::OptimizerCloneableOptions<Self>.
class NamedOptions {
 public:
  virtual ~NamedOptions() = default;
  // Every field of the Python group dict in `defaults` order, optional ones included.
  virtual std::vector<OptionField> option_fields() = 0;
};

// The fields of any supported options struct (NamedOptions or LibTorch's five);
// a TypeError for options that describe no fields.
std::vector<OptionField> option_fields(torch::optim::OptimizerOptions& options);
// Whether `name` is a settable field (present or not) of these options.
bool is_option_field(const torch::optim::OptimizerOptions& options, const std::string& name);

}  // namespace mmcpp::engine
