// TensorboardVisBackend's event file checked by an independent reader: the
// TFRecord framing and masked CRC-32C are verified here (a bitwise CRC, not the
// library's table), and each record is decoded by protoc --decode_raw (Debian's
// protobuf-compiler); the scalar tags, steps and values must be what was logged,
// images and the config text must be where TensorBoard looks for them.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/registry/root.h"
#include "mmcpp/visualization/tensorboard_vis_backend.h"
#include "mmcpp/visualization/tfevents.h"

namespace mmcpp::visualization {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "mmcpp_tb_XXXXXX").string();
    path = mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

std::uint32_t crc32c_bitwise(const std::string& data) {
  std::uint32_t crc = 0xffffffffu;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::uint32_t masked(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

std::uint64_t le(const std::string& s, std::size_t pos, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i)
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[pos + i])) << (8 * i);
  return v;
}

// The payloads of a TFRecord file; every length and payload CRC is checked.
std::vector<std::string> read_records(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < data.size()) {
    EXPECT_LE(pos + 12, data.size()) << "truncated header";
    if (pos + 12 > data.size()) break;
    const std::uint64_t len = le(data, pos, 8);
    EXPECT_EQ(le(data, pos + 8, 4), masked(crc32c_bitwise(data.substr(pos, 8))))
        << "length CRC of record " << out.size();
    EXPECT_LE(pos + 12 + len + 4, data.size()) << "truncated record";
    if (pos + 12 + len + 4 > data.size()) break;
    std::string payload = data.substr(pos + 12, len);
    EXPECT_EQ(le(data, pos + 12 + len, 4), masked(crc32c_bitwise(payload)))
        << "payload CRC of record " << out.size();
    out.push_back(payload);
    pos += 12 + len + 4;
  }
  return out;
}

// A subset of TensorBoard's event.proto / summary.proto / tensor.proto, written
// here from the published field numbers (the library encodes by hand).
const char* kEventProto = R"(syntax = "proto3";
package tb;
message Event { double wall_time = 1; int64 step = 2;
  oneof what { string file_version = 3; Summary summary = 5; } }
message Summary {
  message Image { int32 height = 1; int32 width = 2; int32 colorspace = 3;
                  bytes encoded_image_string = 4; }
  message Value { string node_name = 7; string tag = 1; SummaryMetadata metadata = 9;
    oneof value { float simple_value = 2; Image image = 4; TensorProto tensor = 8; } }
  repeated Value value = 1; }
message SummaryMetadata {
  message PluginData { string plugin_name = 1; bytes content = 2; }
  PluginData plugin_data = 1; }
message TensorShapeProto { message Dim { int64 size = 1; string name = 2; } repeated Dim dim = 2; }
message TensorProto { int32 dtype = 1; TensorShapeProto tensor_shape = 2;
                      repeated bytes string_val = 8; }
)";

// protoc's text output of one message as "path: value" lines: with
// --decode_raw the path is field numbers ("5.1.1: \"loss\""); with `typed`,
// protoc --decode=tb.Event against kEventProto, names ("summary.value.tag").
// (decode_raw alone cannot tell a string from a message that happens to parse:
// "epoch" reads as field 12.)
std::vector<std::pair<std::string, std::string>> decode_raw(const std::string& payload,
                                                            const fs::path& dir,
                                                            bool typed = false) {
  const fs::path in = dir / "record.bin";
  std::ofstream(in, std::ios::binary) << payload;
  std::string cmd = "protoc --decode_raw < '" + in.string() + "' 2>&1";
  if (typed) {
    std::ofstream(dir / "tb_event.proto") << kEventProto;
    cmd = "protoc --proto_path='" + dir.string() + "' --decode=tb.Event tb_event.proto < '" +
          in.string() + "' 2>&1";
  }
  FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr);
  std::string text;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << "protoc failed (apt install protobuf-compiler): " << text;
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string> path;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::size_t b = line.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    line = line.substr(b);
    if (line == "}") {
      path.pop_back();
      continue;
    }
    std::string prefix;
    for (const auto& p2 : path) prefix += p2 + ".";
    if (line.back() == '{') {
      path.push_back(line.substr(0, line.find(' ')));
      continue;
    }
    std::size_t colon = line.find(": ");
    out.emplace_back(prefix + line.substr(0, colon), line.substr(colon + 2));
  }
  return out;
}

std::string find(const std::vector<std::pair<std::string, std::string>>& fields,
                 const std::string& key) {
  for (const auto& [k, v] : fields)
    if (k == key) return v;
  return "";
}

float fixed32(const std::string& hex) {
  std::uint32_t bits = static_cast<std::uint32_t>(std::stoul(hex, nullptr, 16));
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

TEST(TfEventsTest, Crc32cKnownValues) {
  EXPECT_EQ(tfevents::crc32c("123456789"), 0xE3069283u);  // the CRC-32C check value
  EXPECT_EQ(tfevents::crc32c(""), 0u);
  EXPECT_EQ(tfevents::crc32c(std::string(32, '\0')), 0x8A9136AAu);  // RFC 3720 B.4
  EXPECT_EQ(tfevents::masked_crc32c("123456789"), masked(crc32c_bitwise("123456789")));
}

TEST(TensorboardVisBackendTest, EventFileReadByAnIndependentReader) {
  TempDir tmp;
  const fs::path vis = tmp.path / "vis_data";
  TensorboardVisBackend backend(vis.string());
  EXPECT_FALSE(fs::exists(vis));  // nothing before the first write
  backend.add_config("model = dict(type='LeNet5')\n");
  backend.add_scalars({{"loss", 0.6931}, {"lr", 0.01}}, 10, {{"epoch", 1}});
  backend.add_scalar("accuracy/top1", 92.34, 1);
  backend.add_scalars({{"loss", 0.25}}, 20);
  torch::Tensor img = torch::randint(0, 256, {6, 8, 3}, torch::kByte);
  backend.add_image("sample.png", img, 2);
  EXPECT_THROW(backend.add_scalars({{"step", 1.0}}, 3), Error);  // MMEngine asserts

  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(vis)) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].filename().string().rfind("events.out.tfevents.", 0), 0u);
  EXPECT_EQ(files[0].string(), backend.event_file());

  std::vector<std::string> records = read_records(files[0].string());
  ASSERT_EQ(records.size(), 8u);  // version, config, 3 + 1 + 1 scalars, image
  auto version = decode_raw(records[0], tmp.path);
  EXPECT_EQ(find(version, "3"), "\"brain.Event:2\"");
  EXPECT_NE(find(version, "1"), "");  // wall_time

  auto config = decode_raw(records[1], tmp.path);
  EXPECT_EQ(find(config, "5.1.1"), "\"config/text_summary\"");
  EXPECT_EQ(find(config, "5.1.9.1.1"), "\"text\"");  // plugin_data.plugin_name
  EXPECT_EQ(find(config, "5.1.8.1"), "7");           // DT_STRING
  EXPECT_EQ(find(config, "5.1.8.8"), "\"model = dict(type=\\'LeNet5\\')\\n\"");

  struct Scalar {
    std::string tag;
    std::int64_t step;
    float value;
  };
  const std::vector<Scalar> want = {{"loss", 10, 0.6931f},
                                    {"lr", 10, 0.01f},
                                    {"epoch", 10, 1.0f},
                                    {"accuracy/top1", 1, 92.34f},
                                    {"loss", 20, 0.25f}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    auto raw = decode_raw(records[2 + i], tmp.path);
    EXPECT_EQ(find(raw, "2"), std::to_string(want[i].step)) << i;
    EXPECT_EQ(fixed32(find(raw, "5.1.2")), want[i].value) << i;
    auto f = decode_raw(records[2 + i], tmp.path, /*typed=*/true);
    EXPECT_EQ(find(f, "summary.value.tag"), "\"" + want[i].tag + "\"") << i;
    EXPECT_EQ(find(f, "step"), std::to_string(want[i].step)) << i;
    EXPECT_FLOAT_EQ(std::stof(find(f, "summary.value.simple_value")), want[i].value) << i;
  }
  auto image = decode_raw(records[7], tmp.path);
  EXPECT_EQ(find(image, "5.1.1"), "\"sample.png\"");
  EXPECT_EQ(find(image, "2"), "2");
  EXPECT_EQ(find(image, "5.1.4.1"), "6");  // height
  EXPECT_EQ(find(image, "5.1.4.2"), "8");  // width
  EXPECT_EQ(find(image, "5.1.4.3"), "3");  // RGB
  EXPECT_EQ(find(image, "5.1.4.4").rfind("\"\\211PNG", 0), 0u) << find(image, "5.1.4.4");
}

}  // namespace
}  // namespace mmcpp::visualization
