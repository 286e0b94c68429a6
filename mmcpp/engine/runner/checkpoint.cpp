#include "mmcpp/engine/runner/checkpoint.h"

#include <map>
#include <set>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"

namespace mmcpp::engine {

using config::Value;
using io::PyObject;

// ---------------------------------------------------------------- values

PyObject to_py(const Value& v) {
  config::NestingGuard guard;
  switch (v.kind()) {
    case config::Kind::None:
      return PyObject::none();
    case config::Kind::Bool:
      return PyObject::from_bool(v.as_bool());
    case config::Kind::Int:
      return PyObject::from_int(v.as_int());
    case config::Kind::Float:
      return PyObject::from_float(v.as_float());
    case config::Kind::Str:
      return PyObject::str(v.as_str());
    case config::Kind::List:
    case config::Kind::Tuple:
    case config::Kind::Set: {
      PyObject::Items items;
      for (const auto& x : v.items()) items.push_back(to_py(x));
      if (v.is_list()) return PyObject::list(std::move(items));
      if (v.is_tuple()) return PyObject::tuple(std::move(items));
      return PyObject::set(std::move(items));
    }
    case config::Kind::Dict: {
      PyObject d = PyObject::dict();
      for (const auto& [k, x] : v.as_dict().entries()) d.as_dict().set(to_py(k), to_py(x));
      return d;
    }
    case config::Kind::Lazy:
      return PyObject::str(v.as_lazy().dotted());
    case config::Kind::Callable:
      return PyObject::str(v.repr());
  }
  return PyObject::none();
}

Value from_py(const PyObject& v) {
  config::NestingGuard guard;
  switch (v.kind()) {
    case io::PyKind::None:
      return Value();
    case io::PyKind::Bool:
      return Value(v.as_bool());
    case io::PyKind::Int:
      return Value(v.as_int());
    case io::PyKind::Float:
      return Value(v.as_float());
    case io::PyKind::Str:
      return Value(v.as_str());
    case io::PyKind::List:
    case io::PyKind::Tuple:
    case io::PyKind::Set:
    case io::PyKind::FrozenSet: {
      Value::Items items;
      for (const auto& x : v.items()) items.push_back(from_py(x));
      if (v.is_list()) return Value::list(std::move(items));
      if (v.is_tuple()) return Value::tuple(std::move(items));
      return Value::set(std::move(items));
    }
    case io::PyKind::Dict: {
      Value d = Value::dict(false);
      for (const auto& [k, x] : v.as_dict().entries()) d.as_dict().set(from_py(k), from_py(x));
      return d;
    }
    case io::PyKind::NumpyScalar:
      return Value(v.as_numpy_scalar().to_double());
    case io::PyKind::Tensor: {
      const auto& t = v.as_tensor();
      if (t.numel() == 1) {
        if (t.is_floating_point()) return Value(t.item<double>());
        return Value(static_cast<std::int64_t>(t.item<std::int64_t>()));
      }
      return Value(v.repr());
    }
    default:
      return Value(v.repr());
  }
}

// ---------------------------------------------------------------- model state

namespace {

void collect_state(const torch::nn::Module& m, const std::string& prefix, PyObject& out) {
  for (const auto& p : m.named_parameters(/*recurse=*/false))
    out.as_dict().set(prefix + p.key(), PyObject::tensor(p.value().detach().cpu()));
  for (const auto& b : m.named_buffers(/*recurse=*/false))
    out.as_dict().set(prefix + b.key(), PyObject::tensor(b.value().detach().cpu()));
  for (const auto& c : m.named_children()) collect_state(*c.value(), prefix + c.key() + ".", out);
}

}  // namespace

PyObject model_state_dict(const torch::nn::Module& module) {
  PyObject out = PyObject::dict(io::DictType::OrderedDict);
  collect_state(module, "", out);
  return out;
}

std::string LoadReport::summary() const {
  std::string s;
  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
    return out;
  };
  if (!unexpected_keys.empty())
    s += "unexpected key in source state_dict: " + list(unexpected_keys) + "\n";
  if (!missing_keys.empty()) s += "missing keys in source state_dict: " + list(missing_keys) + "\n";
  if (!shape_mismatches.empty()) s += list(shape_mismatches) + "\n";
  return s;
}

LoadReport load_model_state_dict(torch::nn::Module& module, const PyObject& source, bool strict) {
  StateDict sd = revise_state_dict_keys(state_dict_of(source), {{"^module\\.", ""}});
  IncompatibleKeys keys = load_state_dict(module, sd, /*strict=*/false);
  LoadReport report{keys.missing_keys, keys.unexpected_keys, keys.error_msgs};
  if (!report.shape_mismatches.empty() ||
      (strict && (!report.missing_keys.empty() || !report.unexpected_keys.empty())))
    throw Error("RuntimeError", "Error(s) in loading state_dict:\n" + report.summary());
  return report;
}

// ---------------------------------------------------------------- optimizer state

PyObject optim_state_to_py(const OptimizerStateDict& sd) {
  PyObject state = PyObject::dict();
  for (const auto& [index, buffers] : sd.state) {
    PyObject per = PyObject::dict();
    for (const auto& [name, t] : buffers)
      per.as_dict().set(name, t.defined() ? PyObject::tensor(t.detach().cpu()) : PyObject::none());
    state.as_dict().set(PyObject::from_int(index), per);
  }
  PyObject groups = PyObject::list();
  for (const auto& g : sd.param_groups) groups.items().push_back(to_py(g));
  PyObject out = PyObject::dict();
  out.as_dict().set("state", state);
  out.as_dict().set("param_groups", groups);
  if (!sd.base_param_settings.is_none())
    out.as_dict().set("base_param_settings", to_py(sd.base_param_settings));
  // AmpOptimWrapper.state_dict() adds the GradScaler's state last.
  if (!sd.loss_scaler.is_none()) out.as_dict().set("loss_scaler", to_py(sd.loss_scaler));
  return out;
}

OptimizerStateDict optim_state_from_py(const PyObject& obj) {
  OptimizerStateDict sd;
  if (!obj.is_dict() || !obj.contains("state") || !obj.contains("param_groups"))
    throw Error("KeyError", "an optimizer state dict needs 'state' and 'param_groups'");
  for (const auto& [k, v] : obj.get("state").as_dict().entries()) {
    auto& buffers = sd.state[k.as_int()];
    for (const auto& [name, t] : v.as_dict().entries())
      buffers.emplace_back(name.as_str(), t.is_tensor() ? t.as_tensor() : at::Tensor());
  }
  for (const auto& g : obj.get("param_groups").items()) sd.param_groups.push_back(from_py(g));
  if (const PyObject* b = obj.find("base_param_settings")) sd.base_param_settings = from_py(*b);
  if (const PyObject* l = obj.find("loss_scaler")) sd.loss_scaler = from_py(*l);
  return sd;
}

}  // namespace mmcpp::engine

#include "mmcpp/io/pth_reader.h"
#include "mmcpp/io/pth_writer.h"

namespace mmcpp::engine {

void write_checkpoint(Env& env, const io::PyObject& checkpoint, const std::string& path) {
  // Pickle first (a TypeError touches no file), then stream the archive.
  io::TorchPickle pickled = io::pickle_for_torch_save(checkpoint);
  env.write_file_streamed(
      path, [&](const Env::ChunkWriter& write) { io::write_pth_archive(pickled, write); });
}

io::PyObject read_checkpoint(const std::string& path) { return io::load_pth(path); }

}  // namespace mmcpp::engine
