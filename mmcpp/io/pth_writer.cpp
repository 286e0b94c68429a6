#include "mmcpp/io/pth_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>

#include <caffe2/serialize/inline_container.h>

#include "mmcpp/core/error.h"
#include "mmcpp/io/pickle_writer.h"

namespace mmcpp::io {
namespace {

[[noreturn]] void os_error(const std::string& step, const std::string& path, int err) {
  throw Error("OSError", step + " '" + path + "': " + std::strerror(err));
}

std::string dirname_of(const std::string& path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// Streams the archive into `sink`. A write error is kept and reported after the
// zip writer is done: exceptions must not cross miniz's C frames, and the
// writer would otherwise retry (and throw) from its destructor.
void write_archive(const TorchPickle& tp,
                   const std::function<void(const void*, std::size_t)>& sink) {
  std::optional<Error> write_error;
  try {
    caffe2::serialize::PyTorchStreamWriter writer([&](const void* buf, std::size_t n) {
      if (!write_error) {
        try {
          sink(buf, n);
        } catch (const Error& e) {
          write_error = e;
        }
      }
      return n;
    });
    writer.writeRecord("data.pkl", tp.data_pkl.data(), tp.data_pkl.size());
    writer.writeRecord("byteorder", "little", 6);
    // torch.save writes the storages in sorted key order.
    std::vector<const std::pair<std::string, c10::Storage>*> order;
    for (const auto& s : tp.storages) order.push_back(&s);
    std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->first < b->first; });
    for (const auto* s : order)
      writer.writeRecord("data/" + s->first, s->second.data(), s->second.nbytes());
    writer.writeEndOfFile();
  } catch (const c10::Error& e) {
    if (write_error) throw *write_error;
    throw Error("RuntimeError", "zip writer failed: " + first_line(e.what_without_backtrace()));
  }
  if (write_error) throw *write_error;
}

}  // namespace

// ---- FileSink: POSIX ----

FileSink::~FileSink() {
  if (fd_ >= 0) ::close(fd_);
}

void FileSink::open(const std::string& path) {
  close();
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) os_error("cannot create", path, errno);
  path_ = path;
}

void FileSink::write(const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) os_error("cannot write", path_, errno);
    if (n == 0) os_error("cannot write", path_, EIO);
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void FileSink::sync() {
  if (::fsync(fd_) != 0) os_error("cannot fsync", path_, errno);
}

void FileSink::close() {
  if (fd_ < 0) return;
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) os_error("cannot close", path_, errno);
}

void FileSink::rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    os_error("cannot rename '" + from + "' to", to, errno);
}

void FileSink::sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) os_error("cannot open directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL)
    os_error("cannot fsync directory", dir, err);  // EINVAL: not supported
}

void FileSink::remove(const std::string& path) noexcept { ::unlink(path.c_str()); }

// ---- saving ----

std::string save_pth_bytes(const PyObject& obj) {
  TorchPickle tp = pickle_for_torch_save(obj);
  std::string out;
  write_archive(
      tp, [&](const void* buf, std::size_t n) { out.append(static_cast<const char*>(buf), n); });
  return out;
}

void write_pth_archive(const TorchPickle& pickled,
                       const std::function<void(const void*, std::size_t)>& write) {
  write_archive(pickled, write);
}

void save_pth(const PyObject& obj, const std::string& path, FileSink* sink) {
  // Pickle first: values torch.save cannot write fail before any file exists.
  TorchPickle tp = pickle_for_torch_save(obj);
  FileSink posix;
  FileSink& fs = sink ? *sink : posix;
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  bool tmp_exists = false;
  try {
    fs.open(tmp);
    tmp_exists = true;
    write_archive(tp, [&](const void* buf, std::size_t n) { fs.write(buf, n); });
    fs.sync();
    fs.close();
    fs.rename(tmp, path);
    tmp_exists = false;
    fs.sync_dir(dirname_of(path));
  } catch (const Error& e) {
    if (tmp_exists) {
      try {
        fs.close();
      } catch (const Error&) {
      }
      fs.remove(tmp);
    }
    throw Error("OSError", "cannot save checkpoint to '" + path + "': " + e.what());
  }
}

}  // namespace mmcpp::io
