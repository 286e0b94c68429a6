// Writing `torch.save`-compatible `.pth` files, atomically.
//
// The archive is what torch 1.13's torch.save writes through a buffer (as
// MMEngine's save_checkpoint does): zip root `archive/`, records `data.pkl`
// (pickle protocol 2, see pickle_writer.h), `byteorder` ("little", which torch
// >= 2.1 writes and older versions ignore), `data/<key>` per storage, and
// `version` ("3\n", added by PyTorchStreamWriter).
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "mmcpp/io/pickle_writer.h"
#include "mmcpp/io/py_object.h"

namespace mmcpp::io {

// The file operations of an atomic save, one virtual per step so tests can
// inject faults (disk full, failed rename). The default implementation is POSIX.
// Every method throws mmcpp::Error("OSError", "<step> '<path>': <errno text>").
class FileSink {
 public:
  virtual ~FileSink();
  virtual void open(const std::string& path);  // create/truncate for writing
  virtual void write(const void* data, std::size_t size);
  virtual void sync();   // fsync the open file
  virtual void close();  // no-op when nothing is open
  virtual void rename(const std::string& from, const std::string& to);
  virtual void sync_dir(const std::string& dir);
  virtual void remove(const std::string& path) noexcept;

 protected:
  int fd_ = -1;
  std::string path_;
};

// Saves `obj` to `path` so that Python's torch.load reads it. Atomic: the bytes
// go to `<path>.tmp.<pid>` in the same directory, which is fsynced and renamed
// over `path`, then the directory is fsynced. On failure the temp file is
// removed, an existing `path` is left untouched, and mmcpp::Error("OSError",
// "cannot save checkpoint to '<path>': ...") says why. Values torch.save could
// not write are a TypeError before any file is touched.
void save_pth(const PyObject& obj, const std::string& path, FileSink* sink = nullptr);

// The bytes save_pth would write.
std::string save_pth_bytes(const PyObject& obj);

// Streams the archive of `pickled` (pickle_for_torch_save) through `write`,
// record by record: each storage's bytes are handed over straight from the
// tensor, so the archive is never held in memory whole. An exception from
// `write` ends the archive and is rethrown.
void write_pth_archive(const TorchPickle& pickled,
                       const std::function<void(const void*, std::size_t)>& write);

}  // namespace mmcpp::io
