// Field tables of LibTorch's option structs, and the name-based option access
// declared in optim_wrapper.h implemented once over OptionField.
#include "mmcpp/engine/optim/options.h"

#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include <cctype>
#include <set>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optim_wrapper.h"

namespace mmcpp::engine {

using config::Value;
namespace optim = torch::optim;

OptionField float_field(std::string name, double& v, bool* present) {
  OptionField f;
  f.name = std::move(name);
  f.kind = OptionField::Kind::kFloat;
  f.number = &v;
  f.present = present;
  return f;
}

OptionField bool_field(std::string name, bool& v, bool* present) {
  OptionField f;
  f.name = std::move(name);
  f.kind = OptionField::Kind::kBool;
  f.flag = &v;
  f.present = present;
  return f;
}

OptionField int_field(std::string name, std::int64_t& v, bool* present) {
  OptionField f;
  f.name = std::move(name);
  f.kind = OptionField::Kind::kInt;
  f.integer = &v;
  f.present = present;
  return f;
}

OptionField tuple_field(std::string name, std::vector<double*> entries) {
  OptionField f;
  f.name = std::move(name);
  f.kind = OptionField::Kind::kTuple;
  f.tuple = std::move(entries);
  return f;
}

OptionField constant_field(std::string name, Value v) {
  OptionField f;
  f.name = std::move(name);
  f.kind = OptionField::Kind::kConstant;
  f.constant = std::move(v);
  return f;
}

namespace {

// PyTorch 1.13's `defaults` order; the Python-only flags we report at their
// only supported values come last.
template <class AdamLike>
std::vector<OptionField> adam_fields(AdamLike& o) {
  return {float_field("lr", o.lr()),
          tuple_field("betas", {&std::get<0>(o.betas()), &std::get<1>(o.betas())}),
          float_field("eps", o.eps()),
          float_field("weight_decay", o.weight_decay()),
          bool_field("amsgrad", o.amsgrad()),
          constant_field("maximize", Value(false)),
          constant_field("foreach", Value())};
}

std::vector<OptionField> libtorch_fields(optim::OptimizerOptions& options) {
  if (auto* o = dynamic_cast<optim::SGDOptions*>(&options))
    return {float_field("lr", o->lr()),
            float_field("momentum", o->momentum()),
            float_field("dampening", o->dampening()),
            float_field("weight_decay", o->weight_decay()),
            bool_field("nesterov", o->nesterov()),
            constant_field("maximize", Value(false)),
            constant_field("foreach", Value())};
  if (auto* o = dynamic_cast<optim::AdamOptions*>(&options)) return adam_fields(*o);
  if (auto* o = dynamic_cast<optim::AdamWOptions*>(&options)) return adam_fields(*o);
  if (auto* o = dynamic_cast<optim::RMSpropOptions*>(&options))
    return {float_field("lr", o->lr()),
            float_field("momentum", o->momentum()),
            float_field("alpha", o->alpha()),
            float_field("eps", o->eps()),
            bool_field("centered", o->centered()),
            float_field("weight_decay", o->weight_decay()),
            constant_field("maximize", Value(false)),
            constant_field("foreach", Value())};
  if (auto* o = dynamic_cast<optim::AdagradOptions*>(&options))
    return {float_field("lr", o->lr()),
            float_field("lr_decay", o->lr_decay()),
            float_field("eps", o->eps()),
            float_field("weight_decay", o->weight_decay()),
            float_field("initial_accumulator_value", o->initial_accumulator_value()),
            constant_field("maximize", Value(false)),
            constant_field("foreach", Value())};
  throw Error("TypeError",
              "optimizer options of an unsupported type: they must implement "
              "mmcpp::engine::NamedOptions (or be LibTorch's SGD, Adam, AdamW, RMSprop or "
              "Adagrad options)");
}

// A number slot found by name: a scalar field or one entry of a tuple ("betas1").
struct Slot {
  OptionField* field = nullptr;
  int index = -1;  // tuple entry
};

Slot find_slot(std::vector<OptionField>& fields, const std::string& name) {
  for (auto& f : fields) {
    if (f.kind == OptionField::Kind::kConstant) continue;
    if (f.kind == OptionField::Kind::kTuple) {
      if (name.size() > f.name.size() && name.compare(0, f.name.size(), f.name) == 0) {
        std::string rest = name.substr(f.name.size());
        if (rest.size() == 1 && std::isdigit(static_cast<unsigned char>(rest[0])) &&
            static_cast<std::size_t>(rest[0] - '0') < f.tuple.size())
          return {&f, rest[0] - '0'};
      }
      continue;
    }
    if (f.name == name) return {&f, -1};
  }
  return {};
}

OptionField* find_field(std::vector<OptionField>& fields, const std::string& name) {
  for (auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::vector<OptionField> fields_of(const optim::OptimizerOptions& options) {
  return option_fields(const_cast<optim::OptimizerOptions&>(options));
}

[[noreturn]] void unknown_option(const optim::OptimizerOptions& options, const std::string& name) {
  throw Error("KeyError", "param group has no option '" + name +
                              "' (options: " + join(option_names(options)) +
                              "; tuple entries as betas0, betas1...)");
}

double read(const Slot& s) {
  const OptionField& f = *s.field;
  switch (f.kind) {
    case OptionField::Kind::kFloat:
      return *f.number;
    case OptionField::Kind::kBool:
      return *f.flag ? 1.0 : 0.0;
    case OptionField::Kind::kInt:
      return static_cast<double>(*f.integer);
    case OptionField::Kind::kTuple:
      return *f.tuple[s.index];
    default:
      break;
  }
  throw Error("TypeError", "option '" + f.name + "' has no numeric value");
}

void write(const Slot& s, double v) {
  OptionField& f = *s.field;
  switch (f.kind) {
    case OptionField::Kind::kFloat:
      *f.number = v;
      break;
    case OptionField::Kind::kBool:
      *f.flag = v != 0;
      break;
    case OptionField::Kind::kInt:
      *f.integer = static_cast<std::int64_t>(v);
      break;
    case OptionField::Kind::kTuple:
      *f.tuple[s.index] = v;
      break;
    default:
      throw Error("TypeError", "option '" + f.name + "' cannot be set");
  }
  if (f.present) *f.present = true;
}

}  // namespace

std::vector<OptionField> option_fields(optim::OptimizerOptions& options) {
  if (auto* named = dynamic_cast<NamedOptions*>(&options)) return named->option_fields();
  return libtorch_fields(options);
}

bool has_option(const optim::OptimizerOptions& options, const std::string& name) {
  auto fields = fields_of(options);
  Slot s = find_slot(fields, name);
  return s.field && s.field->is_present();
}

double get_option(const optim::OptimizerOptions& options, const std::string& name) {
  auto fields = fields_of(options);
  Slot s = find_slot(fields, name);
  if (!s.field || !s.field->is_present()) unknown_option(options, name);
  return read(s);
}

void set_option(optim::OptimizerOptions& options, const std::string& name, double v) {
  auto fields = option_fields(options);
  Slot s = find_slot(fields, name);
  if (!s.field) unknown_option(options, name);
  write(s, v);
}

bool has_group_option(optim::OptimizerParamGroup& group, const std::string& name) {
  return group.has_options() && has_option(group.options(), name);
}
double get_group_option(optim::OptimizerParamGroup& group, const std::string& name) {
  return get_option(group.options(), name);
}
void set_group_option(optim::OptimizerParamGroup& group, const std::string& name, double v) {
  set_option(group.options(), name, v);
}

std::vector<std::string> option_names(const optim::OptimizerOptions& options) {
  std::vector<std::string> names;
  for (const auto& f : fields_of(options))
    if (f.kind != OptionField::Kind::kConstant && f.is_present()) names.push_back(f.name);
  return names;
}

Value options_to_value(const optim::OptimizerOptions& options) {
  Value d = Value::dict(false);
  for (const auto& f : fields_of(options)) {
    if (!f.is_present()) continue;
    Value v;
    switch (f.kind) {
      case OptionField::Kind::kFloat:
        v = Value(*f.number);
        break;
      case OptionField::Kind::kBool:
        v = Value(*f.flag);
        break;
      case OptionField::Kind::kInt:
        v = Value(*f.integer);
        break;
      case OptionField::Kind::kTuple: {
        std::vector<Value> items;
        for (double* x : f.tuple) items.emplace_back(*x);
        v = Value::tuple(items);
        break;
      }
      case OptionField::Kind::kConstant:
        v = f.constant;
        break;
    }
    d.as_dict().set(Value(f.name), v);
  }
  return d;
}

bool is_option_field(const optim::OptimizerOptions& options, const std::string& name) {
  auto fields = fields_of(options);
  OptionField* f = find_field(fields, name);
  return f && f->kind != OptionField::Kind::kConstant;
}

void options_from_value(optim::OptimizerOptions& options, const Value& dict,
                        const std::string& component) {
  if (dict.is_none()) return;
  if (!dict.is_dict())
    throw Error("TypeError", component + ": param group options must be a dict, got " +
                                 dict.type_name() + " " + dict.repr());
  auto fields = option_fields(options);
  for (const auto& [k, v] : dict.as_dict().entries()) {
    std::string key = k.str();
    OptionField* f = find_field(fields, key);
    if (!f || f->kind == OptionField::Kind::kConstant) {
      if (key == "maximize" || key == "differentiable" || key == "capturable") {
        if (v.truthy())
          throw Error("NotImplementedError", component + ": " + key + "=True is not supported");
        continue;
      }
      if (key == "foreach" || key == "fused") continue;  // implementation choices only
      throw Error("TypeError", component + ": unknown option '" + key +
                                   "' (options: " + join(option_names(options)) + ")");
    }
    if (f->kind == OptionField::Kind::kTuple) {
      if (!v.is_sequence() || v.items().size() != f->tuple.size())
        throw Error("TypeError", component + ": '" + key + "' must be a sequence of " +
                                     std::to_string(f->tuple.size()) + " numbers, got " + v.repr());
      for (std::size_t i = 0; i < f->tuple.size(); ++i) {
        if (!v.items()[i].is_number())
          throw Error("TypeError",
                      component + ": '" + key + "' must hold numbers, got " + v.repr());
        *f->tuple[i] = v.items()[i].as_number();
      }
      continue;
    }
    if (!v.is_number() && !v.is_bool())
      throw Error("TypeError", component + ": option '" + key + "' must be a number, got " +
                                   v.type_name() + " " + v.repr());
    write(Slot{f, -1}, v.as_number());
  }
}

}  // namespace mmcpp::engine
