#include "mmcpp/core/logging.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <vector>

#include "mmcpp/core/error.h"

namespace mmcpp {
namespace {

std::string now(const char* fmt) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

}  // namespace

LogLevel parse_log_level(const std::string& name) {
  std::string n;
  for (char c : name) n += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (n == "DEBUG" || n == "10") return LogLevel::Debug;
  if (n == "INFO" || n == "20") return LogLevel::Info;
  if (n == "WARNING" || n == "WARN" || n == "30") return LogLevel::Warning;
  if (n == "ERROR" || n == "CRITICAL" || n == "40" || n == "50") return LogLevel::Error;
  throw Error("ValueError", "unknown log_level '" + name + "' (use DEBUG, INFO, WARNING or ERROR)");
}

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug:
      return "DEBUG";
    case LogLevel::Info:
      return "INFO";
    case LogLevel::Warning:
      return "WARNING";
    case LogLevel::Error:
      return "ERROR";
  }
  return "INFO";
}

Logger::Logger(std::string name, LogLevel level) : name_(std::move(name)), level_(level) {}

Logger::~Logger() { flush(); }

void Logger::add_file(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  file_.open(path, std::ios::app);
  if (!file_) throw Error("OSError", "cannot open log file " + path + " for writing");
  file_path_ = path;
}

void Logger::log(LogLevel level, const std::string& message) {
  if (static_cast<int>(level) < static_cast<int>(level_)) return;
  std::string tail = std::string(" - ") + name_ + " - " + log_level_name(level) + " - " + message;
  std::lock_guard<std::mutex> lock(mutex_);
  if (console_ && (!console_errors_only_ || level == LogLevel::Error)) {
    std::cout << now("%m/%d %H:%M:%S") << tail << "\n";
    std::cout.flush();
  }
  if (file_.is_open()) {
    file_ << now("%Y/%m/%d %H:%M:%S") << tail << "\n";
    file_.flush();
  }
}

void Logger::write_to_file(const std::string& text) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!file_.is_open()) return;
  file_ << text;
  file_.flush();
}

void Logger::flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::cout.flush();
  if (file_.is_open()) file_.flush();
}

namespace {

// The scopes alive, oldest first. Function-local statics: the current logger is
// process-wide state in MMEngine too (MMLogger's instance dict).
struct CurrentLoggers {
  std::mutex mutex;
  std::vector<std::shared_ptr<Logger>> stack;
};

CurrentLoggers& current_loggers() {
  static CurrentLoggers* loggers = new CurrentLoggers();  // never destroyed: used at exit
  return *loggers;
}

std::shared_ptr<Logger> console_logger() {
  static std::shared_ptr<Logger>* logger = new std::shared_ptr<Logger>(
      std::make_shared<Logger>("mmengine", LogLevel::Info));  // never destroyed
  return *logger;
}

}  // namespace

std::shared_ptr<Logger> current_logger() {
  CurrentLoggers& c = current_loggers();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.stack.empty() ? console_logger() : c.stack.back();
}

void print_log(const std::string& message, LogLevel level) {
  current_logger()->log(level, message);
}

CurrentLoggerScope::CurrentLoggerScope(std::shared_ptr<Logger> logger)
    : logger_(std::move(logger)) {
  CurrentLoggers& c = current_loggers();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.stack.push_back(logger_);
}

CurrentLoggerScope::~CurrentLoggerScope() {
  CurrentLoggers& c = current_loggers();
  std::lock_guard<std::mutex> lock(c.mutex);
  for (auto it = c.stack.end(); it != c.stack.begin();) {
    --it;
    if (*it == logger_) {
      c.stack.erase(it);
      break;
    }
  }
}

}  // namespace mmcpp
