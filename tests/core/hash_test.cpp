// MD5 and SHA-256 (mmcpp/core/hash.h) against the published test vectors
// (RFC 1321 appendix A.5, FIPS 180-4 examples / NIST CAVS), one-shot and streamed
// in pieces that straddle the 64-byte blocks.
#include <gtest/gtest.h>

#include <string>

#include "mmcpp/core/hash.h"

namespace mmcpp {
namespace {

TEST(Md5, Rfc1321Vectors) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(md5_hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(
      md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
      "57edf4a22be3c955ac49da2e2107b67a");
  EXPECT_EQ(md5_hex(std::string(1000, 'a')), "cabe45dcc9ae5b66ba86600cca6b8ba8");
}

TEST(Sha256, Fips180Vectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Digests, StreamingEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>((i * 37 + 11) & 0xff);
  for (std::size_t piece : {1u, 7u, 55u, 56u, 63u, 64u, 65u, 200u}) {
    Md5 m;
    Sha256 s;
    for (std::size_t off = 0; off < data.size(); off += piece) {
      m.update(data.data() + off, std::min(piece, data.size() - off));
      s.update(data.substr(off, piece));
    }
    EXPECT_EQ(m.hex_digest(), md5_hex(data)) << piece;
    EXPECT_EQ(s.hex_digest(), sha256_hex(data)) << piece;
  }
}

}  // namespace
}  // namespace mmcpp
