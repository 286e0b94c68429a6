// mmcpp: the command-line entry point. Subcommands register themselves
// (tools/subcommand.h); this file parses the command line and reports errors.
#include <exception>
#include <iostream>
#include <map>
#include <string>

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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mmcpp: OpenMMLab's training system (MMEngine + MMPretrain) in C++ on LibTorch",
               "mmcpp"};
  app.set_version_flag(
      "--version", std::string("mmcpp ") + mmcpp::version() + " (LibTorch " + TORCH_VERSION + ")");
  app.require_subcommand(1);
  app.fallthrough(false);

  std::map<const CLI::App*, mmcpp::tools::RunFn> runners;
  for (const mmcpp::tools::Subcommand& entry : mmcpp::tools::registered_subcommands()) {
    CLI::App* sub = app.add_subcommand(entry.name);
    runners[sub] = entry.setup(*sub);
  }

  try {
    app.parse(argc, argv);
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
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "error: unknown exception\n";
  }
  return 1;
}
