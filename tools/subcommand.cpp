#include "tools/subcommand.h"

#include <algorithm>
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

}  // namespace mmcpp::tools
