// Where the oracle tests look (tests/support/oracle.h): $MMCPP_ORACLE_DIR when
// set, else the build's default; an absent folder is an error that names it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "mmcpp/core/error.h"
#include "tests/support/oracle.h"

namespace mmcpp::testing {
namespace {

namespace fs = std::filesystem;

// Sets MMCPP_ORACLE_DIR for its lifetime, restoring the previous value.
class OracleDirEnv {
 public:
  explicit OracleDirEnv(const std::string& value) {
    if (const char* old = std::getenv("MMCPP_ORACLE_DIR")) old_ = old;
    setenv("MMCPP_ORACLE_DIR", value.c_str(), 1);
  }
  ~OracleDirEnv() {
    if (old_)
      setenv("MMCPP_ORACLE_DIR", old_->c_str(), 1);
    else
      unsetenv("MMCPP_ORACLE_DIR");
  }

 private:
  std::optional<std::string> old_;
};

TEST(OracleDir, EnvironmentOverridesTheBuildDefault) {
  const fs::path dir = fs::temp_directory_path() / ("mmcpp_oracle_" + std::to_string(::getpid()));
  fs::create_directories(dir / "paramwise");
  {
    OracleDirEnv env(dir.string());
    EXPECT_EQ(oracle_dir(), dir.string());
    EXPECT_EQ(oracle_dir("paramwise"), dir.string() + "/paramwise");
    try {
      oracle_dir("schedulers");
      ADD_FAILURE() << "a missing subfolder must be an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), "FileNotFoundError");
      EXPECT_NE(std::string(e.what()).find("schedulers"), std::string::npos) << e.what();
    }
  }
  {
    OracleDirEnv empty("");  // empty: the build's default
    try {
      EXPECT_EQ(oracle_dir(), std::string(MMCPP_ORACLE_DIR));
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(MMCPP_ORACLE_DIR), std::string::npos) << e.what();
    }
  }
  fs::remove_all(dir);
}

TEST(OracleDir, AbsentFolderIsAnErrorNamingIt) {
  OracleDirEnv env("/no/such/oracle/folder");
  try {
    oracle_dir();
    FAIL() << "an absent oracle folder must fail, not skip";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "FileNotFoundError");
    EXPECT_NE(std::string(e.what()).find("/no/such/oracle/folder"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("MMCPP_ORACLE_DIR"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mmcpp::testing
