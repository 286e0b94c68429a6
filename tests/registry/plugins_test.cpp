// custom_imports with allow_failed_imports=True: a plugin that cannot be loaded
// is a warning through the current logger (a runner's log file), as MMEngine's
// UserWarning; without the opt-in it is an ImportError.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "mmcpp/config/value.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/registry/plugins.h"

namespace mmcpp::registry {
namespace {

config::Value imports(bool allow_failed) {
  config::Value d = config::Value::dict(false);
  d.as_dict().set(config::Value("imports"),
                  config::Value::list({config::Value("libno_such_plugin_xyz.so")}));
  d.as_dict().set(config::Value("allow_failed_imports"), config::Value(allow_failed));
  return d;
}

TEST(CustomImports, AllowedFailureIsAWarningThroughTheCurrentLogger) {
  const std::string log =
      std::string(::testing::TempDir()) + "mmcpp_plugins_" + std::to_string(::getpid()) + ".log";
  std::remove(log.c_str());
  {
    auto logger = std::make_shared<Logger>("mmengine");
    logger->set_console(false);
    logger->add_file(log);
    CurrentLoggerScope scope(logger);
    EXPECT_TRUE(import_custom_modules(imports(true), ".").empty());
  }
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("WARNING - libno_such_plugin_xyz.so is failed to import and is ignored."),
            std::string::npos)
      << text;
  std::remove(log.c_str());
}

TEST(CustomImports, FailureWithoutOptInIsAnImportError) {
  try {
    import_custom_modules(imports(false), ".");
    FAIL() << "expected an ImportError";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ImportError") << e.what();
  }
}

}  // namespace
}  // namespace mmcpp::registry
