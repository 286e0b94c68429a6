// Reading PyTorch `torch.save` files (`.pth`) with the safe unpickler.
//
// Formats: the zip format of torch >= 1.6 (`<root>/data.pkl` + `<root>/data/<key>`
// storages; the root folder is `archive/` for files saved through a buffer, as
// MMEngine does, or the file's base name), and the legacy non-zip format (a
// sequence of pickles followed by raw storage data). Anything else gets a clear
// mmcpp::Error naming the file: empty (EOFError), truncated or corrupt zip
// (RuntimeError), corrupt pickle or forbidden global (UnpicklingError).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <c10/core/Device.h>

#include "mmcpp/io/py_object.h"

namespace mmcpp::io {

// Loads a checkpoint. Tensors land on `map_location` whatever location the file
// records; tensors that shared a storage in Python share it here too.
PyObject load_pth(const std::string& path, c10::Device map_location = c10::kCPU);
// The same from bytes in memory (`name` appears in errors). `bytes` need only
// live for the duration of the call.
PyObject load_pth_bytes(std::string_view bytes, const std::string& name = "<bytes>",
                        c10::Device map_location = c10::kCPU);

// A plain pickle (`pickle.dumps`, not torch.save) whose tensors are pickled by
// value through `torch.storage._load_from_bytes`, as multiprocessing and some
// caches write them.
PyObject load_pickle(std::string_view bytes, const std::string& name = "<bytes>",
                     c10::Device map_location = c10::kCPU);

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;
// (regex, replacement) pairs applied to every key, as MMEngine's `revise_keys`.
using KeyRevisions = std::vector<std::pair<std::string, std::string>>;

// The model weights of a loaded checkpoint, in file order: `checkpoint['state_dict']`
// when present, else the checkpoint itself (a bare state dict), with MMEngine's
// default revise_keys (strip a leading 'module.'). TypeError for entries that
// are not tensors.
NamedTensors state_dict_from_checkpoint(const PyObject& checkpoint,
                                        const KeyRevisions& revise_keys = {{"^module\\.", ""}});

}  // namespace mmcpp::io
