// mmcpp: the command-line entry point. Subcommands register themselves
// (tools/subcommand.h); this file parses the command line and reports errors.
#include <algorithm>
#include <exception>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <c10/util/Exception.h>
#include <torch/csrc/api/include/torch/version.h>
#include <CLI/CLI.hpp>

#include "mmcpp/core/error.h"
#include "mmcpp/core/threads.h"
#include "mmcpp/core/version.h"
#include "tools/subcommand.h"

namespace {

// `error: <what()>`. SourceErrors already read "file:line:col: Kind: message";
// other mmcpp errors get their Python exception kind in front, as MMEngine's
// traceback would show it.
std::string describe(const mmcpp::Error& e) {
  std::string what = e.what();
  if (dynamic_cast<const mmcpp::SourceError*>(&e) != nullptr || e.kind().empty() ||
      what.rfind(e.kind() + ":", 0) == 0) {
    return what;
  }
  return e.kind() + ": " + what;
}

// With --debug: the causes kept inside `e` (std::throw_with_nested), LibTorch's
// C++ backtrace included.
void print_causes(const std::exception& e) {
  try {
    std::rethrow_if_nested(e);
  } catch (const c10::Error& cause) {
    std::cerr << "caused by: " << cause.what() << "\n";
    print_causes(cause);
  } catch (const std::exception& cause) {
    std::cerr << "caused by: " << cause.what() << "\n";
    print_causes(cause);
  } catch (...) {
    std::cerr << "caused by: an unknown exception\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mmcpp: OpenMMLab's training system (MMEngine + MMPretrain) in C++ on LibTorch",
               "mmcpp"};
  app.set_version_flag(
      "--version", std::string("mmcpp ") + mmcpp::version() + " (LibTorch " + TORCH_VERSION + ")");
  app.require_subcommand(1);
  app.fallthrough(false);
  bool debug = false;
  app.add_flag("--debug", debug,
               "on an error, also print its causes with LibTorch's C++ backtrace");

  std::map<const CLI::App*, mmcpp::tools::RunFn> runners;
  for (const mmcpp::tools::Subcommand& entry : mmcpp::tools::registered_subcommands()) {
    CLI::App* sub = app.add_subcommand(entry.name);
    runners[sub] = entry.setup(*sub);
  }

  // --debug may come anywhere (after the subcommand too): it goes first.
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--debug")
      args.insert(args.begin(), argv[i]);
    else
      args.emplace_back(argv[i]);
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; usage errors exit 2, as Python's argparse does.
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    mmcpp::configure_threads();
    for (const CLI::App* sub : app.get_subcommands()) {
      auto it = runners.find(sub);
      if (it != runners.end() && it->second) return it->second();
    }
    std::cerr << "error: no subcommand given\n";
    return 1;
  } catch (const mmcpp::Error& e) {
    std::cerr << "error: " << describe(e) << "\n";
    if (debug) print_causes(e);
    // Ctrl-C: the shell's convention for a process ended by SIGINT.
    if (e.kind() == "KeyboardInterrupt") return 130;
  } catch (const c10::Error& e) {
    // LibTorch's message; its C++ backtrace only with --debug.
    std::cerr << "error: RuntimeError: " << e.what_without_backtrace() << "\n";
    if (debug) std::cerr << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    if (debug) print_causes(e);
  } catch (...) {
    std::cerr << "error: unknown exception\n";
  }
  return 1;
}
