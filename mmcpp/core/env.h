// Env: the filesystem and clock as the engine sees them.
//
// Everything the runner writes (checkpoints, last_checkpoint, logs' JSON, dumped
// configs) goes through an Env, so tests can inject faults (disk full, a failed
// rename) and check that nothing half-written is left for resume to pick up.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace mmcpp {

class Env {
 public:
  virtual ~Env() = default;

  // The process's real filesystem and clock.
  static Env& system();

  virtual bool exists(const std::string& path);
  virtual bool is_dir(const std::string& path);
  virtual void make_dirs(const std::string& path);
  virtual std::string read_file(const std::string& path);
  // Write `data` to `path` atomically: a temp file in the same directory, fsync,
  // rename over `path`, fsync the directory. On failure the temp file is removed,
  // `path` keeps its old content, and an Error names the path and the cause.
  virtual void write_file_atomic(const std::string& path, const std::string& data);
  // The same, for data too large to hold twice: `produce` hands the bytes over
  // in chunks through the writer it is given, and each chunk goes to the file at
  // once. An exception from `produce` counts as a failure (path unchanged).
  using ChunkWriter = std::function<void(const void* data, std::size_t size)>;
  virtual void write_file_streamed(const std::string& path,
                                   const std::function<void(const ChunkWriter&)>& produce);
  // Append (log-style files that grow during the run).
  virtual void append_file(const std::string& path, const std::string& data);
  virtual void remove_file(const std::string& path);
  virtual std::vector<std::string> list_dir(const std::string& path);
  virtual void copy_file(const std::string& from, const std::string& to);

  // Monotonic seconds (for durations) and wall-clock time (for timestamps).
  virtual double monotonic_seconds();
  virtual long long unix_time();

 protected:
  // The steps of write_file_atomic / write_file_streamed, separately overridable
  // for fault injection: one chunk to the temp file `path`, its fsync, the rename.
  virtual void write_fully(int fd, const char* data, std::size_t size, const std::string& path);
  virtual void sync_file(int fd, const std::string& path);
  virtual void rename_file(const std::string& from, const std::string& to);
};

// "%Y%m%d_%H%M%S" of a unix time in local time (MMEngine's timestamp format).
std::string format_timestamp(long long unix_time, const char* fmt = "%Y%m%d_%H%M%S");

// Path helpers (no filesystem access).
std::string path_join(const std::string& a, const std::string& b);
std::string path_dirname(const std::string& p);
std::string path_basename(const std::string& p);
// Basename without its last extension.
std::string path_stem(const std::string& p);
std::string absolute_path_of(const std::string& p);

}  // namespace mmcpp
