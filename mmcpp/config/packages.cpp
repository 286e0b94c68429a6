#include "mmcpp/config/packages.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <utility>

#include "mmcpp/core/error.h"

#ifndef MMCPP_CONFIGS_DIR
#define MMCPP_CONFIGS_DIR ""
#endif

namespace mmcpp::config {
namespace fs = std::filesystem;

namespace {

// MMEngine's MODULE2PACKAGE (mmengine/config/utils.py).
const std::map<std::string, std::string>& module_to_package() {
  static const std::map<std::string, std::string> table = {
      {"mmcls", "mmcls"},          {"mmdet", "mmdet"},         {"mmdet3d", "mmdet3d"},
      {"mmseg", "mmsegmentation"}, {"mmaction", "mmaction2"},  {"mmtrack", "mmtrack"},
      {"mmpose", "mmpose"},        {"mmedit", "mmedit"},       {"mmocr", "mmocr"},
      {"mmgen", "mmgen"},          {"mmfewshot", "mmfewshot"}, {"mmrazor", "mmrazor"},
      {"mmflow", "mmflow"},        {"mmhuman3d", "mmhuman3d"}, {"mmrotate", "mmrotate"},
      {"mmselfsup", "mmselfsup"},  {"mmyolo", "mmyolo"},       {"mmpretrain", "mmpretrain"},
      {"mmagic", "mmagic"}};
  return table;
}

bool is_dir(const std::string& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

bool is_file(const std::string& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::string parent(const std::string& p) {
  std::size_t s = p.find_last_of('/');
  if (s == std::string::npos) return "";
  return s == 0 ? "/" : p.substr(0, s);
}

std::string base_name(const std::string& p) {
  std::size_t s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

std::string join(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  return a.back() == '/' ? a + b : a + "/" + b;
}

std::string absolute(const std::string& p) {
  std::error_code ec;
  fs::path a = fs::absolute(p, ec);
  return ec ? p : a.lexically_normal().string();
}

// MMCPP_CONFIG_PATH: `name=dir[:name=dir...]`.
std::vector<std::pair<std::string, std::string>> config_path_entries() {
  std::vector<std::pair<std::string, std::string>> out;
  const char* env = std::getenv("MMCPP_CONFIG_PATH");
  if (env == nullptr) return out;
  std::string s = env;
  std::size_t b = 0;
  while (b <= s.size()) {
    std::size_t e = s.find(':', b);
    if (e == std::string::npos) e = s.size();
    std::string entry = s.substr(b, e - b);
    b = e + 1;
    if (entry.empty()) continue;
    std::size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == entry.size())
      throw Error("ValueError", "MMCPP_CONFIG_PATH entry '" + entry +
                                    "' is not `name=dir` (e.g. mmpretrain=/src/mmpretrain)");
    out.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return out;
}

// Names a package folder may have: the module (`mmseg`) or the pip project
// (`mmsegmentation`, a checkout's usual name).
bool names_package(const std::string& dir_name, const std::string& package) {
  if (dir_name == package) return true;
  auto it = module_to_package().find(package);
  return it != module_to_package().end() && dir_name == it->second;
}

// Candidates inside one package folder `root` (a checkout root holding configs/ and the
// Python package, the Python package itself, or a bare tree holding configs/).
void classic_candidates(const std::string& root, const std::string& relative,
                        std::vector<std::string>& out) {
  out.push_back(join(root, ".mim/configs/" + relative));  // installed: MMEngine's place
  if (is_file(join(root, "__init__.py"))) {
    // The Python package of a checkout: its configs/ holds the pure-Python configs;
    // the classic ones are beside it.
    out.push_back(join(parent(root), "configs/" + relative));
  } else {
    out.push_back(join(root, "configs/" + relative));
  }
}

void module_candidates(const std::string& root, const std::string& package,
                       const std::string& module_path, std::vector<std::string>& out) {
  out.push_back(join(root, package + "/" + module_path));  // checkout root: the package below
  out.push_back(join(root, module_path));                  // the package folder itself
}

template <class Candidates>
PackageLookup search(const std::string& package, const std::string& including_file,
                     Candidates candidates, const std::string& shipped_relative) {
  PackageLookup out;
  auto try_all = [&](const std::vector<std::string>& paths) {
    for (const auto& p : paths) {
      out.tried.push_back(p);
      if (is_file(p)) {
        out.found = absolute(p);
        return true;
      }
    }
    return false;
  };
  // 1. Walking up from the including config.
  std::string dir = parent(absolute(including_file));
  while (!dir.empty()) {
    if (names_package(base_name(dir), package)) {
      out.package_seen = true;
      std::vector<std::string> paths;
      candidates(dir, paths);
      if (try_all(paths)) return out;
    }
    if (dir == "/") break;
    dir = parent(dir);
  }
  // 2. mmcpp's shipped configs.
  std::string shipped = shipped_configs_dir();
  if (!shipped.empty() && (package == "mmpretrain" || package == "mmagic")) {
    std::string root = package == "mmpretrain" ? shipped : join(shipped, "mmagic");
    if (is_dir(root)) out.package_seen = true;
    if (try_all({join(root, shipped_relative)})) return out;
  }
  // 3. MMCPP_CONFIG_PATH.
  for (const auto& [name, root] : config_path_entries()) {
    if (name != package) continue;
    if (is_dir(root)) out.package_seen = true;
    std::vector<std::string> paths;
    candidates(absolute(root), paths);
    if (try_all(paths)) return out;
  }
  return out;
}

}  // namespace

std::string shipped_configs_dir() {
  std::string built = MMCPP_CONFIGS_DIR;
  if (!built.empty() && is_dir(built)) return built;
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    std::string exe(buf, static_cast<std::size_t>(n));
    std::string installed = join(parent(parent(exe)), "share/mmcpp/configs");
    if (is_dir(installed)) return installed;
  }
  return "";
}

bool is_known_package(const std::string& package) {
  if (module_to_package().count(package)) return true;
  for (const auto& [name, dir] : config_path_entries())
    if (name == package) return true;
  return false;
}

PackageLookup find_package_config(const std::string& package, const std::string& relative,
                                  const std::string& including_file) {
  return search(
      package, including_file,
      [&](const std::string& root, std::vector<std::string>& out) {
        classic_candidates(root, relative, out);
      },
      relative);
}

PackageLookup find_package_module(const std::string& package, const std::string& module_path,
                                  const std::string& including_file) {
  // mmcpp ships classic configs only; `pkg.configs.x` maps onto them.
  std::string shipped_relative = module_path.rfind("configs/", 0) == 0
                                     ? module_path.substr(std::string("configs/").size())
                                     : module_path;
  return search(
      package, including_file,
      [&](const std::string& root, std::vector<std::string>& out) {
        module_candidates(root, package, module_path, out);
      },
      shipped_relative);
}

std::string package_not_found_message(const std::string& package, const std::string& what,
                                      const PackageLookup& lookup) {
  std::string msg = what + " is in package '" + package + "', ";
  msg += lookup.package_seen ? "whose folders found do not have it"
                             : "and no folder of that package was found";
  msg +=
      ". Looked (in order) in the package folder above the including config, in mmcpp's "
      "configs, and in MMCPP_CONFIG_PATH (`" +
      package + "=/path/to/" + package + "`):";
  if (lookup.tried.empty()) msg += "\n    (no candidate: no folder named '" + package + "')";
  for (const auto& t : lookup.tried) msg += "\n    " + t;
  return msg;
}

}  // namespace mmcpp::config
