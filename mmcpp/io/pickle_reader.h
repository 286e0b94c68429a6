// A safe unpickler: reads Python pickles (protocols 0-5) into PyObject values
// without ever running code.
//
// Python's pickle turns GLOBAL + REDUCE into "import module, call function":
// the classic exploit is `os.system('...')`. Here a global is only a name. It
// must come from an allowed module (torch, numpy, collections, OpenMMLab
// packages, a few builtins) or loading stops right there with
// UnpicklingError("forbidden global 'os.system' in <source> at byte N ...").
// Calling one (REDUCE, NEWOBJ, BUILD, INST, OBJ) is implemented in C++ for a
// fixed list of data constructors (tensor rebuild, OrderedDict, numpy arrays,
// set/frozenset, _codecs.encode, getattr on placeholders, ...); a class from an
// allowed module becomes an opaque PyInstance holding its arguments and state;
// anything else is refused before any effect.
//
// All reads are bounds-checked ("pickle data was truncated"), allocations are
// bounded by the input size, and results may not be self-referencing or nested
// deeper than a limit.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "mmcpp/io/py_object.h"

namespace mmcpp::io {

// BINPERSID / PERSID: turns a persistent id into a value. torch.save uses it for
// storages: ('storage', <torch.FloatStorage>, key, location, numel).
using PersistentLoad = std::function<PyObject(const PyObject& pid)>;
// `torch.storage._load_from_bytes(b)` (a storage pickled by value, as
// pickle.dumps(tensor) does): `b` is itself a torch.save blob.
using StorageFromBytes = std::function<PyObject(const std::string& bytes)>;

struct PickleOptions {
  PersistentLoad persistent_load;       // unset: persistent ids are an error
  StorageFromBytes storage_from_bytes;  // unset: _load_from_bytes is an error
  std::size_t max_nesting = 1000;       // container depth of a result (Python's own limit)
};

class PickleReader {
 public:
  // `source` names the data in errors, e.g. "epoch_1.pth:archive/data.pkl".
  // `data` must outlive the reader.
  PickleReader(std::string_view data, std::string source, PickleOptions options = {});

  // Reads one pickle (up to its STOP) from the current position. Throws
  // mmcpp::Error("UnpicklingError", ...) naming the source and byte offset.
  PyObject load();
  // Bytes consumed so far (legacy torch files hold several pickles in a row).
  std::size_t position() const { return pos_; }
  void seek(std::size_t pos) { pos_ = pos; }
  std::size_t size() const { return data_.size(); }
  const std::string& source() const { return source_; }

 private:
  std::string_view data_;
  std::string source_;
  PickleOptions options_;
  std::size_t pos_ = 0;
};

// Reads a single pickle from `data`.
PyObject unpickle(std::string_view data, const std::string& source, PickleOptions options = {});

}  // namespace mmcpp::io
