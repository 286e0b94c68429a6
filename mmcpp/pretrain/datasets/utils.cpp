#include "mmcpp/pretrain/datasets/utils.h"

#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/hash.h"

namespace mmcpp::pretrain {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string rm_suffix(const std::string& s, const std::string& suffix) {
  std::size_t p = suffix.empty() ? s.rfind('.') : s.rfind(suffix);
  // Python's s[:-1] when rfind gives -1.
  if (p == std::string::npos) return s.empty() ? s : s.substr(0, s.size() - 1);
  return s.substr(0, p);
}

std::string calculate_md5(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("FileNotFoundError", "cannot open " + path + " to compute its md5");
  Md5 m;
  std::vector<char> chunk(1 << 20);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    m.update(chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  return m.hex_digest();
}

bool check_md5(const std::string& path, const std::string& md5) {
  return calculate_md5(path) == md5;
}

std::string read_maybe_compressed_file(const std::string& path) {
  if (!ends_with(path, ".gz")) return Env::system().read_file(path);
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error("FileNotFoundError", "cannot open " + path);
  std::string out;
  std::vector<char> chunk(1 << 20);
  while (true) {
    int n = gzread(f, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) {
      int err = 0;
      std::string msg = gzerror(f, &err);
      gzclose(f);
      throw Error("OSError", path + ": corrupt gzip data (" + msg + ")");
    }
    if (n == 0) break;
    out.append(chunk.data(), static_cast<std::size_t>(n));
  }
  int err = 0;
  const char* msg = gzerror(f, &err);
  std::string m = msg ? msg : "";
  gzclose(f);
  if (err != Z_OK && err != Z_STREAM_END) throw Error("OSError", path + ": gzip error (" + m + ")");
  return out;
}

}  // namespace mmcpp::pretrain
