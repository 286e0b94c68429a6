// save_line_plot: a PNG of the requested size (read back from its IHDR chunk),
// several series with a legend, and the errors it reports instead of letting
// PLplot abort the process.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/visualization/line_plot.h"

namespace mmcpp::visualization {
namespace {

namespace fs = std::filesystem;

// Width and height from the PNG header, or {0, 0} when it is not a PNG.
std::pair<std::uint32_t, std::uint32_t> png_size(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  unsigned char h[24] = {};
  f.read(reinterpret_cast<char*>(h), sizeof(h));
  const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (!f || !std::equal(sig, sig + 8, h) || std::string(h + 12, h + 16) != "IHDR") return {0, 0};
  auto be = [&](int o) {
    return (std::uint32_t(h[o]) << 24) | (std::uint32_t(h[o + 1]) << 16) |
           (std::uint32_t(h[o + 2]) << 8) | std::uint32_t(h[o + 3]);
  };
  return {be(16), be(20)};
}

class LinePlot : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mmcpp_line_plot_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

LineSeries cosine(double scale, const std::string& label) {
  LineSeries s;
  s.label = label;
  for (int i = 0; i < 50; ++i) {
    s.x.push_back(i);
    s.y.push_back(scale * (1 + std::cos(3.141592653589793 * i / 50)) / 2);
  }
  return s;
}

TEST_F(LinePlot, WritesAPngOfTheRequestedSize) {
  LinePlotOptions o;
  o.title = "cfg.py Learning Rate curve";
  o.x_label = "Iters";
  o.y_label = "Learning Rate";
  o.width = 321;
  o.height = 123;
  const std::string path = (dir_ / "one.png").string();
  save_line_plot({cosine(0.1, "lr")}, o, path);
  EXPECT_EQ(png_size(path), std::make_pair(321u, 123u));

  // Several series, a constant one, an epoch axis, another style.
  o.width = 640;
  o.height = 400;
  o.style = "darkgrid";
  o.secondary_x_label = "Epochs";
  o.secondary_x_divisor = 10;
  LineSeries flat;
  flat.x = {0, 49};
  flat.y = {0.05, 0.05};
  flat.label = "base";
  const std::string path2 = (dir_ / "three.png").string();
  save_line_plot({cosine(0.1, "group 0"), cosine(0.01, "group 1"), flat}, o, path2);
  EXPECT_EQ(png_size(path2), std::make_pair(640u, 400u));
}

TEST_F(LinePlot, Errors) {
  auto kind_of = [](auto fn) -> std::string {
    try {
      fn();
    } catch (const Error& e) {
      return e.kind();
    }
    return "no error";
  };
  const std::string path = (dir_ / "x.png").string();
  LinePlotOptions o;
  EXPECT_EQ(kind_of([&] { save_line_plot({}, o, path); }), "ValueError");
  LineSeries bad = cosine(1, "bad");
  bad.y.pop_back();
  EXPECT_EQ(kind_of([&] { save_line_plot({bad}, o, path); }), "ValueError");
  LinePlotOptions style;
  style.style = "seaborn";
  EXPECT_EQ(kind_of([&] { save_line_plot({cosine(1, "a")}, style, path); }), "ValueError");
  LinePlotOptions tiny;
  tiny.width = 0;
  EXPECT_EQ(kind_of([&] { save_line_plot({cosine(1, "a")}, tiny, path); }), "ValueError");
  EXPECT_EQ(
      kind_of([&] { save_line_plot({cosine(1, "a")}, o, (dir_ / "missing" / "x.png").string()); }),
      "FileNotFoundError");
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace mmcpp::visualization
