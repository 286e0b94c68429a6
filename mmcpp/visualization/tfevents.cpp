#include "mmcpp/visualization/tfevents.h"

#include <array>
#include <cstdio>
#include <cstring>

namespace mmcpp::visualization::tfevents {
namespace {

// ---- protobuf wire format ----

void varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void key(std::string& out, int field, int wire) {
  varint(out, static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire));
}

void field_varint(std::string& out, int field, std::int64_t v) {
  key(out, field, 0);
  varint(out, static_cast<std::uint64_t>(v));  // negative int64: ten bytes, as protobuf
}

void field_bytes(std::string& out, int field, const std::string& bytes) {
  key(out, field, 2);
  varint(out, bytes.size());
  out += bytes;
}

void field_double(std::string& out, int field, double v) {
  key(out, field, 1);
  std::uint64_t bits;
  std::memcpy(&bits, &v, 8);
  for (int i = 0; i < 8; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
}

void field_float(std::string& out, int field, float v) {
  key(out, field, 5);
  std::uint32_t bits;
  std::memcpy(&bits, &v, 4);
  for (int i = 0; i < 4; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
}

void le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

// Event { wall_time = 1; step = 2; summary = 5 } around one Summary.Value.
std::string event_with_value(double wall_time, std::int64_t step, const std::string& value) {
  std::string summary;
  field_bytes(summary, 1, value);  // Summary.value
  std::string event;
  field_double(event, 1, wall_time);
  if (step != 0) field_varint(event, 2, step);
  field_bytes(event, 5, summary);
  return event;
}

const std::array<std::uint32_t, 256>& crc_table() {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

}  // namespace

std::uint32_t crc32c(const std::string& data) {
  const auto& t = crc_table();
  std::uint32_t c = 0xffffffffu;
  for (unsigned char b : data) c = t[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

std::uint32_t masked_crc32c(const std::string& data) {
  std::uint32_t c = crc32c(data);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

std::string record(const std::string& payload) {
  std::string len;
  le(len, payload.size(), 8);
  std::string out = len;
  le(out, masked_crc32c(len), 4);
  out += payload;
  le(out, masked_crc32c(payload), 4);
  return out;
}

std::string file_version_event(double wall_time) {
  std::string event;
  field_double(event, 1, wall_time);
  field_bytes(event, 3, "brain.Event:2");
  return event;
}

std::string scalar_event(double wall_time, std::int64_t step, const std::string& tag, float value) {
  std::string v;
  field_bytes(v, 1, tag);    // Summary.Value.tag
  field_float(v, 2, value);  // simple_value
  return event_with_value(wall_time, step, v);
}

std::string image_event(double wall_time, std::int64_t step, const std::string& tag,
                        std::int64_t height, std::int64_t width, std::int64_t channels,
                        const std::string& png) {
  std::string image;
  field_varint(image, 1, height);
  field_varint(image, 2, width);
  field_varint(image, 3, channels);  // colorspace: 1 gray, 3 RGB, 4 RGBA
  field_bytes(image, 4, png);
  std::string v;
  field_bytes(v, 1, tag);
  field_bytes(v, 4, image);  // Summary.Value.image
  return event_with_value(wall_time, step, v);
}

std::string text_event(double wall_time, std::int64_t step, const std::string& tag,
                       const std::string& text) {
  // SummaryMetadata { plugin_data { plugin_name: "text" } } (TextPluginData(version=0)
  // serializes to nothing).
  std::string plugin;
  field_bytes(plugin, 1, "text");
  std::string metadata;
  field_bytes(metadata, 1, plugin);
  // TensorProto { dtype: DT_STRING (7), tensor_shape { dim { size: 1 } }, string_val }.
  std::string dim;
  field_varint(dim, 1, 1);
  std::string shape;
  field_bytes(shape, 2, dim);
  std::string tensor;
  field_varint(tensor, 1, 7);
  field_bytes(tensor, 2, shape);
  field_bytes(tensor, 8, text);
  std::string v;
  field_bytes(v, 1, tag + "/text_summary");
  field_bytes(v, 8, tensor);    // Summary.Value.tensor
  field_bytes(v, 9, metadata);  // Summary.Value.metadata
  return event_with_value(wall_time, step, v);
}

std::string event_file_name(double wall_time, const std::string& host, long pid, int uid) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%010lld", static_cast<long long>(wall_time));
  return "events.out.tfevents." + std::string(buf) + "." + host + "." + std::to_string(pid) + "." +
         std::to_string(uid);
}

}  // namespace mmcpp::visualization::tfevents
