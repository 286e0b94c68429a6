// Subcommands of the `mmcpp` binary.
//
// Each subcommand lives in its own tools/<name>.cpp and registers itself:
//
//   namespace {
//   mmcpp::tools::RunFn setup_print_config(CLI::App& sub) {
//     auto args = std::make_shared<Args>();
//     sub.description("...");
//     sub.add_option("config", args->config)->required();
//     return [args] { /* ... */ return 0; };
//   }
//   }  // namespace
//   MMCPP_REGISTER_SUBCOMMAND("print-config", setup_print_config);
//
// main() creates one CLI11 subcommand per registration, calls the setup function
// on it, parses the command line and calls the returned function of the chosen
// subcommand. Its result is the exit status. mmcpp::Error and other exceptions
// thrown by it are reported by main() as `error: ...` with exit status 1.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace mmcpp::tools {

// Runs a parsed subcommand; returns the process exit status.
using RunFn = std::function<int()>;
// Adds options and a description to `sub` (already named) and returns its runner.
using SetupFn = std::function<RunFn(CLI::App& sub)>;

struct Subcommand {
  std::string name;
  SetupFn setup;
};

// Every registered subcommand, sorted by name.
std::vector<Subcommand> registered_subcommands();

// This process's command line (argv) as the kernel recorded it
// (/proc/self/cmdline); empty where that is not available.
std::vector<std::string> process_command_line();

struct SubcommandRegistrar {
  SubcommandRegistrar(std::string name, SetupFn setup);
};

}  // namespace mmcpp::tools

#define MMCPP_SUBCOMMAND_CONCAT_(a, b) a##b
#define MMCPP_SUBCOMMAND_CONCAT(a, b) MMCPP_SUBCOMMAND_CONCAT_(a, b)
#define MMCPP_REGISTER_SUBCOMMAND(name, setup_fn)                           \
  static const ::mmcpp::tools::SubcommandRegistrar MMCPP_SUBCOMMAND_CONCAT( \
      mmcpp_subcommand_registrar_, __LINE__) {                              \
    name, setup_fn                                                          \
  }
