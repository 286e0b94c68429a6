// Message digests of bytes (hex, lower case): MD5 (RFC 1321), which MMPretrain's
// dataset code uses to check files (calculate_md5), and SHA-256 (FIPS 180-4),
// which MMEngine's CheckpointHook uses to name published checkpoints. Both stream:
// update() any number of times, then hex_digest() once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace mmcpp {

class Md5 {
 public:
  void update(const void* data, std::size_t n);
  void update(const std::string& bytes) { update(bytes.data(), bytes.size()); }
  // The digest of everything given so far; the object is spent afterwards.
  std::string hex_digest();

 private:
  void block(const unsigned char* p);
  std::array<std::uint32_t, 4> h_ = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  unsigned char buf_[64] = {};
  std::size_t fill_ = 0;
  std::uint64_t total_ = 0;
};

class Sha256 {
 public:
  void update(const void* data, std::size_t n);
  void update(const std::string& bytes) { update(bytes.data(), bytes.size()); }
  std::string hex_digest();

 private:
  void block(const unsigned char* p);
  std::array<std::uint32_t, 8> h_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  unsigned char buf_[64] = {};
  std::size_t fill_ = 0;
  std::uint64_t total_ = 0;
};

// One-shot digests of `bytes`.
std::string md5_hex(const std::string& bytes);
std::string sha256_hex(const std::string& bytes);

}  // namespace mmcpp
