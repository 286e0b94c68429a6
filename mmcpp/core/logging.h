// Logger: MMEngine's MMLogger line format on the console and in the run's log file.
//
//   console: "11/22 01:09:36 - mmengine - INFO - message"
//   file:    "2026/11/22 01:09:36 - mmengine - INFO - message"
// A Runner owns one; components log through the runner's view of it. Library
// code without a runner at hand logs with print_log(), which reaches the current
// runner's logger (and so its <timestamp>.log), as MMEngine's
// print_log(msg, logger='current') does.
#pragma once

#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mmcpp {

enum class LogLevel { Debug = 10, Info = 20, Warning = 30, Error = 40 };

// "INFO" -> LogLevel::Info (also accepts lower case and numeric levels).
LogLevel parse_log_level(const std::string& name);
const char* log_level_name(LogLevel level);

class Logger {
 public:
  explicit Logger(std::string name = "mmengine", LogLevel level = LogLevel::Info);
  ~Logger();

  // Append log lines to `path` too (created with its parent directories).
  void add_file(const std::string& path);
  void set_level(LogLevel level) { level_ = level; }
  LogLevel level() const { return level_; }
  // Only ERROR reaches the console (non-zero distributed ranks).
  void set_console_errors_only(bool v) { console_errors_only_ = v; }
  void set_console(bool enabled) { console_ = enabled; }

  void log(LogLevel level, const std::string& message);
  void debug(const std::string& m) { log(LogLevel::Debug, m); }
  void info(const std::string& m) { log(LogLevel::Info, m); }
  void warning(const std::string& m) { log(LogLevel::Warning, m); }
  void error(const std::string& m) { log(LogLevel::Error, m); }
  void flush();
  // Text appended to the log file as is (no line prefix, not on the console),
  // as MMEngine writes to its FileHandler's stream; nothing without a file.
  void write_to_file(const std::string& text);

  const std::string& file_path() const { return file_path_; }

 private:
  std::string name_;
  LogLevel level_;
  bool console_ = true;
  bool console_errors_only_ = false;
  std::string file_path_;
  std::ofstream file_;
  std::mutex mutex_;
};

// MMEngine's print_log(message, logger='current', level): logs through the
// current logger (see CurrentLoggerScope); without one, through a console-only
// logger named "mmengine". Thread-safe (the loader's worker threads use it).
void print_log(const std::string& message, LogLevel level = LogLevel::Info);
// The logger print_log() writes to now.
std::shared_ptr<Logger> current_logger();

// While alive, `logger` is the current logger (MMLogger.get_current_instance()).
// A Runner holds one for its whole life. Scopes may overlap: the newest one
// still alive wins.
class CurrentLoggerScope {
 public:
  explicit CurrentLoggerScope(std::shared_ptr<Logger> logger);
  ~CurrentLoggerScope();
  CurrentLoggerScope(const CurrentLoggerScope&) = delete;
  CurrentLoggerScope& operator=(const CurrentLoggerScope&) = delete;

 private:
  std::shared_ptr<Logger> logger_;
};

}  // namespace mmcpp
