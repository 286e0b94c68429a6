// Loading weights into a model (mmengine/runner/checkpoint.py).
//
// load_checkpoint(model, filename, map_location, strict, logger, revise_keys):
//   the checkpoint (a local .pth, or an http(s) URL looked up in torch.hub's
//   cache) -> its 'state_dict' (or the checkpoint itself when it is a bare
//   state dict) -> keys revised by each (regex, replacement) of revise_keys
//   (default: strip a leading 'module.') -> load_state_dict.
// load_state_dict(module, state_dict, strict, logger) walks the modules as
//   PyTorch's _load_from_state_dict does and reports, as MMEngine logs them:
//     size mismatch for <key>: copying a param with shape torch.Size([...]) from
//     checkpoint, the shape in current model is torch.Size([...]).
//     unexpected key in source state_dict: a, b
//     missing keys in source state_dict: c, d   (num_batches_tracked ignored)
//   under "The model and loaded state dict do not match exactly". strict: a
//   RuntimeError with that text; otherwise a WARNING through `logger`, and
//   every matching tensor is copied.
// URLs never touch the network: https://download.openmmlab.com/.../x.pth is read
// from $TORCH_HOME/hub/checkpoints/x.pth (TORCH_HOME defaults to
// $XDG_CACHE_HOME/torch, then ~/.cache/torch), where MMEngine's download would
// have put it; when absent, a FileNotFoundError names the URL and that path.
// Unreadable files (truncated, not a checkpoint, forbidden pickle globals) are
// errors naming the file, raised before the model is touched.
#pragma once

#include <torch/nn/module.h>

#include <string>
#include <utility>
#include <vector>

#include "mmcpp/io/py_object.h"

namespace mmcpp {
class Logger;
}

namespace mmcpp::engine {

// A state dict in key order; values are usually tensors (others are reported
// when a parameter's key names them).
using StateDict = std::vector<std::pair<std::string, io::PyObject>>;
using KeyRevisions = std::vector<std::pair<std::string, std::string>>;

// torch's _register_load_state_dict_pre_hook: a module implementing this sees
// (and may rewrite) the part of the state dict under `prefix` before its own
// tensors and its children are loaded (MMPretrain's ImageClassifier forwards it
// to a backbone's _checkpoint_filter).
class LoadStateDictPreHook {
 public:
  virtual ~LoadStateDictPreHook() = default;
  virtual void load_state_dict_pre_hook(StateDict& state_dict, const std::string& prefix) = 0;
};

// torch.hub.get_dir() + "/checkpoints".
std::string torch_hub_checkpoint_dir();
// Where load_from_http would find `url`: <hub checkpoints>/<basename of the URL path>.
std::string cached_path_of_url(const std::string& url);
bool is_url(const std::string& filename);

// "cpu", "cuda", "cuda:1", ... ("" or "None": the CPU).
c10::Device parse_map_location(const std::string& map_location);

// _load_checkpoint: the whole checkpoint object. Logs "Loads checkpoint by
// local backend from path: ..." (or http) at INFO when a logger is given.
io::PyObject load_checkpoint_file(const std::string& filename,
                                  const std::string& map_location = "cpu",
                                  Logger* logger = nullptr);

// checkpoint['state_dict'] if present, else the checkpoint; TypeError when it is
// not a dict.
StateDict state_dict_of(const io::PyObject& checkpoint, const std::string& filename = "");
// re.sub of every (pattern, replacement) on every key, in order.
StateDict revise_state_dict_keys(const StateDict& state_dict, const KeyRevisions& revise_keys);

// What load_state_dict found (also returned when it only logged).
struct IncompatibleKeys {
  std::vector<std::string> missing_keys;  // without num_batches_tracked
  std::vector<std::string> unexpected_keys;
  std::vector<std::string> error_msgs;  // size mismatches and bad values
  // MMEngine's message ("" when everything matched).
  std::string message() const;
};

IncompatibleKeys load_state_dict(torch::nn::Module& module, const StateDict& state_dict,
                                 bool strict = false, Logger* logger = nullptr);

// _load_checkpoint_to_model; returns the checkpoint.
io::PyObject load_checkpoint_to_model(torch::nn::Module& model, const io::PyObject& checkpoint,
                                      bool strict = false, Logger* logger = nullptr,
                                      const KeyRevisions& revise_keys = {{"^module\\.", ""}});

// load_checkpoint; returns the checkpoint. RuntimeError "No state_dict found in
// checkpoint file" when the file holds no dict.
io::PyObject load_checkpoint(torch::nn::Module& model, const std::string& filename,
                             const std::string& map_location = "cpu", bool strict = false,
                             Logger* logger = nullptr,
                             const KeyRevisions& revise_keys = {{"^module\\.", ""}});

// _load_checkpoint_with_prefix: the keys under `prefix` ('backbone' or
// 'backbone.'), prefix removed. AssertionError when none are.
StateDict load_checkpoint_with_prefix(const std::string& prefix, const std::string& filename,
                                      const std::string& map_location = "cpu");

}  // namespace mmcpp::engine
