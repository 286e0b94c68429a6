#include "mmcpp/visualization/png.h"

#include <ATen/ATen.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "mmcpp/core/error.h"

namespace mmcpp::visualization {
namespace {

void be32(std::string& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint32_t read_be32(const std::string& s, std::size_t pos) {
  if (pos + 4 > s.size()) throw Error("ValueError", "PNG data truncated");
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[pos])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[pos + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[pos + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[pos + 3]));
}

void chunk(std::string& out, const char* type, const std::string& data) {
  be32(out, static_cast<std::uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  out += body;
  be32(out, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()),
                                             static_cast<uInt>(body.size()))));
}

const char kSignature[] = "\x89PNG\r\n\x1a\n";

}  // namespace

std::string encode_png(const at::Tensor& image) {
  if (!image.defined() || image.scalar_type() != at::kByte)
    throw Error("ValueError", "encode_png: the image must be a uint8 tensor");
  at::Tensor img = image.detach().cpu();
  if (img.dim() == 2) img = img.unsqueeze(2);
  if (img.dim() != 3 || (img.size(2) != 1 && img.size(2) != 3 && img.size(2) != 4))
    throw Error("ValueError",
                "encode_png: expected an (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) "
                "image, got shape " +
                    std::string(c10::str(image.sizes())));
  img = img.contiguous();
  const auto h = static_cast<std::uint32_t>(img.size(0)),
             w = static_cast<std::uint32_t>(img.size(1));
  const int c = static_cast<int>(img.size(2));
  if (h == 0 || w == 0) throw Error("ValueError", "encode_png: the image is empty");
  std::string ihdr;
  be32(ihdr, w);
  be32(ihdr, h);
  ihdr += static_cast<char>(8);                            // bit depth
  ihdr += static_cast<char>(c == 1 ? 0 : c == 3 ? 2 : 6);  // colour type
  ihdr += std::string("\0\0\0", 3);                        // deflate, filter, no interlace
  // Scanlines with filter type 0.
  const std::size_t row = static_cast<std::size_t>(w) * c;
  std::string raw;
  raw.reserve((row + 1) * h);
  const char* px = static_cast<const char*>(img.data_ptr());
  for (std::uint32_t y = 0; y < h; ++y) {
    raw += '\0';
    raw.append(px + y * row, row);
  }
  uLongf bound = compressBound(static_cast<uLong>(raw.size()));
  std::string z(bound, '\0');
  if (compress2(reinterpret_cast<Bytef*>(z.data()), &bound,
                reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()),
                6) != Z_OK)
    throw Error("RuntimeError", "encode_png: zlib compression failed");
  z.resize(bound);
  std::string out(kSignature, 8);
  chunk(out, "IHDR", ihdr);
  chunk(out, "IDAT", z);
  chunk(out, "IEND", "");
  return out;
}

at::Tensor decode_png(const std::string& bytes) {
  if (bytes.size() < 8 || bytes.compare(0, 8, std::string(kSignature, 8)) != 0)
    throw Error("ValueError", "decode_png: not a PNG file");
  std::size_t pos = 8;
  std::uint32_t w = 0, h = 0;
  int c = 0;
  std::string z;
  while (pos + 8 <= bytes.size()) {
    std::uint32_t len = read_be32(bytes, pos);
    std::string type = bytes.substr(pos + 4, 4);
    if (pos + 12 + len > bytes.size()) throw Error("ValueError", "decode_png: truncated chunk");
    std::string data = bytes.substr(pos + 8, len);
    std::uint32_t crc = read_be32(bytes, pos + 8 + len);
    std::string body = type + data;
    if (crc !=
        crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())))
      throw Error("ValueError", "decode_png: CRC mismatch in chunk " + type);
    if (type == "IHDR") {
      w = read_be32(data, 0);
      h = read_be32(data, 4);
      if (data[8] != 8 || data[12] != 0) throw Error("ValueError", "decode_png: unsupported PNG");
      int ct = data[9];
      c = ct == 0 ? 1 : ct == 2 ? 3 : ct == 6 ? 4 : ct == 4 ? 2 : 0;
      if (c == 0) throw Error("ValueError", "decode_png: unsupported colour type");
    } else if (type == "IDAT") {
      z += data;
    } else if (type == "IEND") {
      break;
    }
    pos += 12 + len;
  }
  const std::size_t row = static_cast<std::size_t>(w) * c;
  std::string raw((row + 1) * h, '\0');
  uLongf raw_len = static_cast<uLongf>(raw.size());
  if (uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_len,
                 reinterpret_cast<const Bytef*>(z.data()), static_cast<uLong>(z.size())) != Z_OK ||
      raw_len != raw.size())
    throw Error("ValueError", "decode_png: bad image data");
  at::Tensor out = at::empty({h, w, c}, at::kByte);
  auto* dst = out.data_ptr<std::uint8_t>();
  std::string prev(row, '\0');
  for (std::uint32_t y = 0; y < h; ++y) {
    auto* line = reinterpret_cast<std::uint8_t*>(raw.data() + y * (row + 1));
    const int filter = line[0];
    std::uint8_t* cur = line + 1;
    const auto* up = reinterpret_cast<const std::uint8_t*>(prev.data());
    for (std::size_t i = 0; i < row; ++i) {
      const int a = i >= static_cast<std::size_t>(c) ? cur[i - c] : 0;
      const int b = up[i];
      const int d = i >= static_cast<std::size_t>(c) ? up[i - c] : 0;
      int pred = 0;
      switch (filter) {
        case 0:
          pred = 0;
          break;
        case 1:
          pred = a;
          break;
        case 2:
          pred = b;
          break;
        case 3:
          pred = (a + b) / 2;
          break;
        case 4: {
          const int p = a + b - d, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - d);
          pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : d);
          break;
        }
        default:
          throw Error("ValueError", "decode_png: bad filter type");
      }
      cur[i] = static_cast<std::uint8_t>(cur[i] + pred);
    }
    std::memcpy(dst + y * row, cur, row);
    prev.assign(reinterpret_cast<const char*>(cur), row);
  }
  return out;
}

}  // namespace mmcpp::visualization
