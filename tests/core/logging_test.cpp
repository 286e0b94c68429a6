// print_log: library code without a runner logs through the current logger
// (the newest CurrentLoggerScope alive), else through a console logger.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "mmcpp/core/logging.h"

namespace mmcpp {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::shared_ptr<Logger> file_logger(const fs::path& p) {
  auto l = std::make_shared<Logger>("mmengine");
  l->set_console(false);
  l->add_file(p.string());
  return l;
}

TEST(PrintLog, GoesToTheNewestScopeAliveFromAnyThread) {
  fs::path dir = fs::temp_directory_path() / ("mmcpp_print_log_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto a = file_logger(dir / "a.log"), b = file_logger(dir / "b.log");
  {
    CurrentLoggerScope sa(a);
    print_log("one", LogLevel::Warning);
    {
      CurrentLoggerScope sb(b);
      std::thread([] { print_log("two from a worker", LogLevel::Info); }).join();
      EXPECT_EQ(current_logger(), b);
    }
    print_log("three", LogLevel::Warning);
  }
  EXPECT_NE(current_logger(), a);              // the console fallback again
  print_log("console only", LogLevel::Debug);  // below INFO: not shown anywhere
  std::string la = read(dir / "a.log"), lb = read(dir / "b.log");
  EXPECT_NE(la.find("mmengine - WARNING - one"), std::string::npos) << la;
  EXPECT_NE(la.find("mmengine - WARNING - three"), std::string::npos) << la;
  EXPECT_EQ(la.find("two"), std::string::npos) << la;
  EXPECT_NE(lb.find("mmengine - INFO - two from a worker"), std::string::npos) << lb;
  fs::remove_all(dir);
}

TEST(PrintLog, ScopesMayEndOutOfOrder) {
  auto a = std::make_shared<Logger>("a"), b = std::make_shared<Logger>("b");
  auto sa = std::make_unique<CurrentLoggerScope>(a);
  auto sb = std::make_unique<CurrentLoggerScope>(b);
  sa.reset();  // the older one ends first
  EXPECT_EQ(current_logger(), b);
  sb.reset();
  EXPECT_NE(current_logger(), b);
  EXPECT_NE(current_logger(), a);
}

}  // namespace
}  // namespace mmcpp
