#include "tools/subcommand.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace mmcpp::tools {
namespace {

// Function-local static: registrations run during static initialisation of other
// translation units, in no particular order.
std::vector<Subcommand>& registry() {
  static std::vector<Subcommand> subcommands;
  return subcommands;
}

}  // namespace

SubcommandRegistrar::SubcommandRegistrar(std::string name, SetupFn setup) {
  for (const Subcommand& s : registry()) {
    if (s.name == name) throw std::logic_error("subcommand registered twice: " + name);
  }
  registry().push_back({std::move(name), std::move(setup)});
}

std::vector<Subcommand> registered_subcommands() {
  std::vector<Subcommand> out = registry();
  std::sort(out.begin(), out.end(),
            [](const Subcommand& a, const Subcommand& b) { return a.name < b.name; });
  return out;
}

std::vector<std::string> process_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> argv;
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    argv.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return argv;
}

}  // namespace mmcpp::tools
