#include "mmcpp/io/zip_probe.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <unordered_set>

#include "mmcpp/core/error.h"

namespace mmcpp::io {
namespace {

constexpr std::uint32_t kEocdSig = 0x06054b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::uint32_t kZip64EocdSig = 0x06064b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;
constexpr std::uint32_t kLocalSig = 0x04034b50;
constexpr std::size_t kEocdSize = 22;
constexpr std::size_t kCentralSize = 46;
constexpr std::size_t kLocalSize = 30;
// Deflate cannot expand data by more than ~1032x.
constexpr std::uint64_t kMaxDeflateRatio = 1032;

class Reader {
 public:
  Reader(const caffe2::serialize::ReadAdapterInterface& in, const std::string& name)
      : in_(in), name_(name), size_(in.size()) {}

  [[noreturn]] void fail(const std::string& why) const {
    throw Error("RuntimeError", name_ + ": truncated or not a valid zip archive: " + why);
  }
  std::uint64_t size() const { return size_; }
  std::string read(std::uint64_t pos, std::uint64_t n, const char* what) const {
    if (pos > size_ || n > size_ - pos) fail(std::string(what) + " lies past the end of the file");
    std::string buf(static_cast<std::size_t>(n), '\0');
    if (n && in_.read(pos, buf.data(), buf.size(), what) != buf.size())
      fail(std::string("cannot read ") + what);
    return buf;
  }

 private:
  const caffe2::serialize::ReadAdapterInterface& in_;
  const std::string& name_;
  std::uint64_t size_;
};

std::uint64_t le(std::string_view b, std::size_t off, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i)
    v |= std::uint64_t{static_cast<unsigned char>(b[off + i])} << (8 * i);
  return v;
}

}  // namespace

const ZipEntry* ZipDirectory::find(const std::string& name) const {
  for (const auto& e : entries)
    if (e.name == name && !e.directory) return &e;
  return nullptr;
}

ZipDirectory probe_zip(const caffe2::serialize::ReadAdapterInterface& in,
                       const std::string& display_name) {
  Reader r(in, display_name);
  if (r.size() < kEocdSize) r.fail("the file is too short to be a zip archive");

  // The end-of-central-directory record sits in the last 22 + 65535 bytes.
  std::uint64_t tail_len = std::min<std::uint64_t>(r.size(), kEocdSize + 65535);
  std::string tail = r.read(r.size() - tail_len, tail_len, "end of central directory");
  std::size_t eocd = std::string::npos;
  for (std::size_t i = tail.size() - kEocdSize + 1; i-- > 0;) {
    if (le(tail, i, 4) == kEocdSig) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string::npos)
    r.fail("end of central directory not found (is the file cut short?)");
  std::uint64_t eocd_pos = r.size() - tail_len + eocd;
  std::uint64_t count = le(tail, eocd + 10, 2);
  std::uint64_t cd_size = le(tail, eocd + 12, 4);
  std::uint64_t cd_offset = le(tail, eocd + 16, 4);

  if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    if (eocd_pos < 20) r.fail("zip64 locator missing");
    std::string loc = r.read(eocd_pos - 20, 20, "zip64 locator");
    if (le(loc, 0, 4) != kZip64LocatorSig) r.fail("zip64 locator missing");
    std::uint64_t z64 = le(loc, 8, 8);
    std::string rec = r.read(z64, 56, "zip64 end of central directory");
    if (le(rec, 0, 4) != kZip64EocdSig) r.fail("bad zip64 end of central directory");
    count = le(rec, 32, 8);
    cd_size = le(rec, 40, 8);
    cd_offset = le(rec, 48, 8);
  }
  if (cd_offset > eocd_pos || cd_size > eocd_pos - cd_offset)
    r.fail("central directory lies outside the file");
  if (count > cd_size / kCentralSize) r.fail("central directory entry count is inconsistent");

  std::string cd = r.read(cd_offset, cd_size, "central directory");
  ZipDirectory dir;
  std::unordered_set<std::string> names;
  dir.entries.reserve(static_cast<std::size_t>(count));
  std::size_t p = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (p + kCentralSize > cd.size() || le(cd, p, 4) != kCentralSig)
      r.fail("corrupt central directory entry " + std::to_string(i));
    ZipEntry e;
    std::uint64_t flags = le(cd, p + 8, 2);
    e.method = static_cast<std::uint16_t>(le(cd, p + 10, 2));
    e.compressed_size = le(cd, p + 20, 4);
    e.uncompressed_size = le(cd, p + 24, 4);
    std::size_t name_len = le(cd, p + 28, 2), extra_len = le(cd, p + 30, 2),
                comment_len = le(cd, p + 32, 2);
    e.local_header_offset = le(cd, p + 42, 4);
    e.directory = (le(cd, p + 38, 4) & 0x10) != 0;
    if (p + kCentralSize + name_len + extra_len + comment_len > cd.size())
      r.fail("corrupt central directory entry " + std::to_string(i));
    e.name = cd.substr(p + kCentralSize, name_len);
    if (!e.name.empty() && e.name.back() == '/') e.directory = true;
    // zip64 extra field: the 8-byte values replace the 0xFFFFFFFF ones, in order.
    std::string_view extra(cd.data() + p + kCentralSize + name_len, extra_len);
    for (std::size_t x = 0; x + 4 <= extra.size();) {
      std::size_t id = le(extra, x, 2), len = le(extra, x + 2, 2);
      if (x + 4 + len > extra.size()) r.fail("corrupt extra field in '" + e.name + "'");
      if (id == 0x0001) {
        std::size_t q = x + 4;
        auto next = [&](std::uint64_t& field) {
          if (field != 0xFFFFFFFF) return;
          if (q + 8 > x + 4 + len) r.fail("corrupt zip64 field in '" + e.name + "'");
          field = le(extra, q, 8);
          q += 8;
        };
        next(e.uncompressed_size);
        next(e.compressed_size);
        next(e.local_header_offset);
      }
      x += 4 + len;
    }
    p += kCentralSize + name_len + extra_len + comment_len;

    if (flags & 1) r.fail("'" + e.name + "' is encrypted");
    if (e.method != 0 && e.method != 8)
      r.fail("'" + e.name + "' uses unsupported compression method " + std::to_string(e.method));
    std::string local = r.read(e.local_header_offset, kLocalSize, "local file header");
    if (le(local, 0, 4) != kLocalSig) r.fail("bad local header for '" + e.name + "'");
    e.data_offset = e.local_header_offset + kLocalSize + le(local, 26, 2) + le(local, 28, 2);
    if (e.data_offset > cd_offset || e.compressed_size > cd_offset - e.data_offset)
      r.fail("data of '" + e.name + "' runs past the end of the file");
    if (e.method == 0 ? e.uncompressed_size != e.compressed_size
                      : e.uncompressed_size > e.compressed_size * kMaxDeflateRatio + 1024)
      r.fail("'" + e.name + "' has an impossible uncompressed size");
    // miniz looks names up case-insensitively.
    std::string lower = e.name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!names.insert(lower).second) r.fail("duplicate entry '" + e.name + "'");
    dir.entries.push_back(std::move(e));
  }
  return dir;
}

}  // namespace mmcpp::io
