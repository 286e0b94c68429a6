// The version comes from one place: CMake's project(VERSION) through
// mmcpp/core/version.cpp; the runtime info and checkpoint meta use it.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "mmcpp/core/version.h"

namespace mmcpp {
namespace {

TEST(Version, IsCMakesProjectVersion) {
  std::ifstream in(std::string(MMCPP_SOURCE_DIR) + "/CMakeLists.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  std::smatch m;
  const std::string text = ss.str();
  ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(project\(mmcpp VERSION ([0-9.]+))")));
  EXPECT_EQ(version(), m[1].str());
  EXPECT_EQ(mmengine_version_string(), std::string("0.11.0rc0 (mmcpp ") + m[1].str() + ")");
}

}  // namespace
}  // namespace mmcpp
