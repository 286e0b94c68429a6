// Pickling PyObject values as Python's pickle (protocol 2) and torch.save write
// them, so Python's `pickle.load` / `torch.load` read them back.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <c10/core/Storage.h>

#include "mmcpp/io/py_object.h"

namespace mmcpp::io {

// The pieces of a torch.save archive: `data.pkl` and the storages it refers to
// by persistent id ('storage', torch.FloatStorage, key, location, numel).
struct TorchPickle {
  std::string data_pkl;
  // (key, CPU storage holding the bytes of `data/<key>`), keys "0", "1", ...
  std::vector<std::pair<std::string, c10::Storage>> storages;
};

// Pickles `obj` as torch.save does (protocol 2):
//  - dicts as dict, collections.OrderedDict (+ BUILD of attrs such as
//    `_metadata`) or collections.Counter according to their DictType;
//  - tensors as torch._utils._rebuild_tensor_v2 over persistent-id storages;
//    views of one storage share it; CUDA tensors keep their location;
//  - opaque objects as their class + constructor args (+ items, + BUILD state);
//  - numpy arrays/scalars as numpy.core.multiarray._reconstruct / scalar;
//  - bytes as _codecs.encode(latin-1 text), as Python 3 does at protocol 2.
// Throws mmcpp::Error("TypeError") for values torch.save could not write
// (sparse tensors, quantized dtypes, ...), naming where in `obj` they are.
TorchPickle pickle_for_torch_save(const PyObject& obj);

// A plain protocol-2 pickle (pickle.dumps(obj, protocol=2)); tensors are an error.
std::string pickle_dumps(const PyObject& obj);

// pickle.dumps(obj, protocol=2) with tensors pickled by value, as Python does
// without torch.save (mmengine.dump to .pkl, MMEngine's DumpResults): each
// tensor is _rebuild_tensor_v2 over torch.storage._load_from_bytes(<torch's
// legacy serialization of its storage>). load_pickle (pth_reader.h) and
// Python's pickle.load (with torch installed) read it back. CPU copies are
// written; a view is written as a compact copy of its elements.
std::string pickle_dumps_with_tensors(const PyObject& obj);

}  // namespace mmcpp::io
