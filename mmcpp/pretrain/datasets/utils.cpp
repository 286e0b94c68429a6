#include "mmcpp/pretrain/datasets/utils.h"

#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"

namespace mmcpp::pretrain {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// MD5 (RFC 1321), streaming.
class Md5 {
 public:
  void update(const unsigned char* p, std::size_t n) {
    total_ += n;
    while (n > 0) {
      std::size_t take = std::min(n, 64 - fill_);
      std::memcpy(buf_ + fill_, p, take);
      fill_ += take;
      p += take;
      n -= take;
      if (fill_ == 64) {
        block(buf_);
        fill_ = 0;
      }
    }
  }
  std::string hex() {
    std::uint64_t bits = total_ * 8;
    unsigned char pad = 0x80;
    update(&pad, 1);
    unsigned char zero = 0;
    while (fill_ != 56) update(&zero, 1);
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(bits >> (8 * i));
    update(len, 8);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::uint32_t v : h_)
      for (int i = 0; i < 4; ++i) {
        unsigned b = (v >> (8 * i)) & 0xff;
        out += digits[b >> 4];
        out += digits[b & 15];
      }
    return out;
  }

 private:
  static std::uint32_t rotl(std::uint32_t x, int c) { return (x << c) | (x >> (32 - c)); }
  void block(const unsigned char* p) {
    static const std::uint32_t K[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
        0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
        0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
        0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
        0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
        0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
        0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
        0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
        0xeb86d391};
    static const int S[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                              5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                              4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                              6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
    std::uint32_t m[16];
    for (int i = 0; i < 16; ++i)
      m[i] = std::uint32_t(p[4 * i]) | std::uint32_t(p[4 * i + 1]) << 8 |
             std::uint32_t(p[4 * i + 2]) << 16 | std::uint32_t(p[4 * i + 3]) << 24;
    std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t f;
      int g;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      std::uint32_t t = d;
      d = c;
      c = b;
      b = b + rotl(a + f + K[i] + m[g], S[i]);
      a = t;
    }
    h_[0] += a;
    h_[1] += b;
    h_[2] += c;
    h_[3] += d;
  }

  std::array<std::uint32_t, 4> h_ = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  unsigned char buf_[64];
  std::size_t fill_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace

std::string rm_suffix(const std::string& s, const std::string& suffix) {
  std::size_t p = suffix.empty() ? s.rfind('.') : s.rfind(suffix);
  // Python's s[:-1] when rfind gives -1.
  if (p == std::string::npos) return s.empty() ? s : s.substr(0, s.size() - 1);
  return s.substr(0, p);
}

std::string md5_hex(const std::string& bytes) {
  Md5 m;
  m.update(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return m.hex();
}

std::string calculate_md5(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("FileNotFoundError", "cannot open " + path + " to compute its md5");
  Md5 m;
  std::vector<char> chunk(1 << 20);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    m.update(reinterpret_cast<const unsigned char*>(chunk.data()),
             static_cast<std::size_t>(in.gcount()));
  }
  return m.hex();
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
