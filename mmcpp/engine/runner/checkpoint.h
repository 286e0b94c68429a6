// Checkpoint contents (mmengine/runner/checkpoint.py, Runner.save_checkpoint):
// model state dicts in PyTorch's key order, optimizer state in PyTorch's
// `optimizer.state_dict()` layout, and conversions between config values and
// the pickled objects a `.pth` holds.
#pragma once

#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/core/env.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/io/py_object.h"

namespace mmcpp::engine {

// config value <-> pickled object. Lists/tuples/dicts recurse; a PyObject that
// has no config equivalent (tensor, opaque object) becomes its repr string.
io::PyObject to_py(const config::Value& v);
config::Value from_py(const io::PyObject& v);

// module.state_dict() as PyTorch orders it: for each module (pre-order), its own
// parameters, then its own buffers, then its children. Tensors are detached and
// moved to the CPU. An OrderedDict.
io::PyObject model_state_dict(const torch::nn::Module& module);

struct LoadReport {
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
  std::vector<std::string> shape_mismatches;
  std::string summary() const;  // MMEngine-style text, "" when all matched
};

// Copies tensors into the module's parameters and buffers. `state_dict` may be a
// raw state dict or a checkpoint dict with "state_dict"; keys starting with
// "module." are revised (MMEngine's revise_keys default). strict: any missing,
// unexpected or mismatched key is a RuntimeError naming them; a mismatched
// shape is one even when not strict. (MMEngine's load_checkpoint, its
// non-strict report and prefixes: checkpoint_loader.h, which this wraps.)
LoadReport load_model_state_dict(torch::nn::Module& module, const io::PyObject& state_dict,
                                 bool strict);

// OptimWrapper.state_dict() as the pickled dict PyTorch writes: {'state':
// {index: {...}}, 'param_groups': [{..., 'params': [indices]}]} (+ MMEngine's
// 'base_param_settings', AmpOptimWrapper's 'loss_scaler'), and back.
io::PyObject optim_state_to_py(const OptimizerStateDict& state);
OptimizerStateDict optim_state_from_py(const io::PyObject& state);

// Serialise `checkpoint` as a torch.save zip and write it through `env`
// atomically (temp + fsync + rename): a failure leaves `path` as it was. The
// archive is streamed to the file (Env::write_file_streamed), tensors straight
// from their storages, so saving never holds a second copy of the model.
// Values torch.save cannot write are a TypeError before any file is touched.
void write_checkpoint(Env& env, const io::PyObject& checkpoint, const std::string& path);
io::PyObject read_checkpoint(const std::string& path);

}  // namespace mmcpp::engine
