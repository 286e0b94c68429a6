#include "mmcpp/core/env.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mmcpp/core/error.h"

namespace mmcpp {
namespace fs = std::filesystem;

Env& Env::system() {
  static Env env;
  return env;
}

bool Env::exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

bool Env::is_dir(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

void Env::make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec && !fs::is_directory(path))
    throw Error("OSError", "cannot create directory " + path + ": " + ec.message());
}

std::string Env::read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("FileNotFoundError", "cannot open " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Env::write_fully(int fd, const char* data, std::size_t size, const std::string& path) {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("OSError", "writing " + path + " failed: " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
}

void Env::sync_file(int fd, const std::string& path) {
  if (::fsync(fd) != 0)
    throw Error("OSError", "fsync of " + path + " failed: " + std::strerror(errno));
}

void Env::rename_file(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0)
    throw Error("OSError", "renaming " + from + " to " + to + " failed: " + std::strerror(errno));
}

void Env::write_file_atomic(const std::string& path, const std::string& data) {
  write_file_streamed(path, [&](const ChunkWriter& write) { write(data.data(), data.size()); });
}

void Env::write_file_streamed(const std::string& path,
                              const std::function<void(const ChunkWriter&)>& produce) {
  std::string dir = path_dirname(path);
  if (dir.empty()) dir = ".";
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("OSError", "cannot create " + tmp + ": " + std::strerror(errno));
  try {
    produce([&](const void* data, std::size_t size) {
      write_fully(fd, static_cast<const char*>(data), size, tmp);
    });
    sync_file(fd, tmp);
    if (::close(fd) != 0) {
      fd = -1;
      throw Error("OSError", "closing " + tmp + " failed: " + std::strerror(errno));
    }
    fd = -1;
    rename_file(tmp, path);
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  // Make the rename itself durable.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void Env::append_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  if (!out)
    throw Error("OSError", "cannot open " + path + " for appending: " + std::strerror(errno));
  out << data;
  if (!out) throw Error("OSError", "appending to " + path + " failed");
}

void Env::remove_file(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

std::vector<std::string> Env::list_dir(const std::string& path) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(path, ec))
    out.push_back(e.path().filename().string());
  return out;
}

void Env::copy_file(const std::string& from, const std::string& to) {
  write_file_atomic(to, read_file(from));
}

double Env::monotonic_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

long long Env::unix_time() { return static_cast<long long>(std::time(nullptr)); }

std::string format_timestamp(long long unix_time, const char* fmt) {
  std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

std::string path_join(const std::string& a, const std::string& b) {
  if (a.empty() || (!b.empty() && b[0] == '/')) return b;
  return a.back() == '/' ? a + b : a + "/" + b;
}

std::string path_dirname(const std::string& p) {
  std::size_t s = p.find_last_of('/');
  if (s == std::string::npos) return "";
  return s == 0 ? "/" : p.substr(0, s);
}

std::string path_basename(const std::string& p) {
  std::size_t s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

std::string path_stem(const std::string& p) {
  std::string b = path_basename(p);
  std::size_t d = b.find_last_of('.');
  return d == std::string::npos || d == 0 ? b : b.substr(0, d);
}

std::string absolute_path_of(const std::string& p) {
  std::error_code ec;
  auto a = fs::absolute(p, ec);
  return (ec ? fs::path(p) : a).lexically_normal().string();
}

}  // namespace mmcpp
