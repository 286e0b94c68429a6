// LocalVisBackend: scalars.json lines exactly as MMEngine's json.dumps writes them.
#include "mmcpp/visualization/local_vis_backend.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/registry/root.h"
#include "mmcpp/visualization/png.h"

namespace mmcpp::visualization {
namespace {

// A fresh directory, removed when the test binary exits.
std::string temp_dir() {
  static std::vector<std::string> made;
  static struct Cleanup {
    ~Cleanup() {
      for (const auto& d : made) std::filesystem::remove_all(d);
    }
  } cleanup;
  char tmpl[] = "/tmp/mmcpp_vis_XXXXXX";
  char* d = mkdtemp(tmpl);
  if (d == nullptr) return std::string();
  made.push_back(d);
  return d;
}

TEST(JsonTest, Numbers) {
  EXPECT_EQ(json_number(0.1), "0.1");
  EXPECT_EQ(json_number(1.0), "1.0");
  EXPECT_EQ(json_number(1e-05), "1e-05");
  EXPECT_EQ(json_number(0.0011), "0.0011");
  EXPECT_EQ(json_number(1e16), "1e+16");
  EXPECT_EQ(json_number(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(json_number(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(json_number(-std::numeric_limits<double>::infinity()), "-Infinity");
}

TEST(JsonTest, Strings) {
  EXPECT_EQ(json_string("accuracy/top1"), "\"accuracy/top1\"");
  EXPECT_EQ(json_string("a\"b\\c\n\t"), "\"a\\\"b\\\\c\\n\\t\"");
  EXPECT_EQ(json_string(std::string("\x01\x7f", 2)), "\"\\u0001\\u007f\"");
  EXPECT_EQ(json_string("caf\xc3\xa9"), "\"caf\\u00e9\"");
  EXPECT_EQ(json_string("\xf0\x9f\x98\x80"), "\"\\ud83d\\ude00\"");  // surrogate pair
}

TEST(LocalVisBackendTest, ScalarsLinesAndMirror) {
  std::string root = temp_dir();
  ASSERT_FALSE(root.empty());
  std::string vis = path_join(root, "vis_data");
  LocalVisBackend backend(vis);
  EXPECT_FALSE(Env::system().exists(vis));  // created on first use
  const std::string mirror = "20240101_000000.json";
  backend.add_scalars({{"lr", 0.001}, {"data_time", 0.0011}, {"loss", 0.6931}, {"time", 0.0224}},
                      10, {{"epoch", 1}, {"iter", 10}, {"memory", 392}}, mirror);
  backend.add_scalars({{"accuracy/top1", 94.82}, {"data_time", 0.0044}, {"time", 0.0146}}, 1, {},
                      mirror);
  const std::string want =
      "{\"lr\": 0.001, \"data_time\": 0.0011, \"loss\": 0.6931, \"time\": 0.0224, \"epoch\": 1, "
      "\"iter\": 10, \"memory\": 392, \"step\": 10}\n"
      "{\"accuracy/top1\": 94.82, \"data_time\": 0.0044, \"time\": 0.0146, \"step\": 1}\n";
  EXPECT_EQ(Env::system().read_file(path_join(vis, "scalars.json")), want);
  EXPECT_EQ(Env::system().read_file(path_join(vis, mirror)), want);

  // A tag named "step" wins over the step argument (dict.setdefault).
  backend.add_scalars({}, 5, {{"step", 7}});
  std::string all = Env::system().read_file(path_join(vis, "scalars.json"));
  EXPECT_EQ(all.substr(want.size()), "{\"step\": 7}\n");
  backend.add_scalar("mAP", 0.5, 2);
  all = Env::system().read_file(path_join(vis, "scalars.json"));
  EXPECT_EQ(all.substr(all.rfind('{')), "{\"mAP\": 0.5, \"step\": 2}\n");

  backend.add_config("a = 1\n");
  EXPECT_EQ(Env::system().read_file(path_join(vis, "config.py")), "a = 1\n");
}

TEST(LocalVisBackendTest, ImagesArePngFilesNamedAfterTheStep) {
  std::string vis = path_join(temp_dir(), "vis_data");
  LocalVisBackend backend(vis);
  torch::Tensor img = torch::randint(0, 256, {5, 7, 3}, torch::kByte);
  backend.add_image("cat.png", img, 3);
  std::string file = path_join(vis, "vis_image/cat.png_3.png");
  ASSERT_TRUE(Env::system().exists(file));
  EXPECT_TRUE(torch::equal(decode_png(Env::system().read_file(file)), img));
}

TEST(LocalVisBackendTest, Validation) {
  EXPECT_THROW(LocalVisBackend("d", "vis_image", "config.txt"), Error);
  EXPECT_THROW(LocalVisBackend("d", "vis_image", "config.py", "scalars.txt"), Error);
  LocalVisBackend unused;
  EXPECT_THROW(unused.add_scalars({{"a", 1.0}}, 0), Error);  // no save_dir

  std::string root = temp_dir();
  LocalVisBackend backend(root);
  // The same file as the default: MMEngine asserts.
  EXPECT_THROW(backend.add_scalars({{"a", 1.0}}, 0, {}, "scalars.json"), Error);
  EXPECT_THROW(backend.add_scalars({{"a", 1.0}}, 0, {}, "x.txt"), Error);
}

TEST(LocalVisBackendTest, BuildFromConfig) {
  std::string root = temp_dir();
  config::Value cfg = config::Value::dict(false);
  cfg.as_dict().set("type", "LocalVisBackend");
  cfg.as_dict().set("scalar_save_file", "metrics.json");
  cfg.as_dict().set("save_dir", root);
  auto built = registry::VISBACKENDS().build(cfg);
  ASSERT_TRUE(built);
  built->add_scalars({{"a", 0.5}}, 3);
  EXPECT_EQ(Env::system().read_file(path_join(root, "metrics.json")),
            "{\"a\": 0.5, \"step\": 3}\n");
  cfg.as_dict().set("scalar_save_dir", "x");
  EXPECT_THROW(registry::VISBACKENDS().build(cfg), Error);
}

}  // namespace
}  // namespace mmcpp::visualization
