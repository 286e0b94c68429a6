#include "mmcpp/registry/plugins.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"

namespace mmcpp::registry {
namespace {

// Plugins built with the project sit in plugins/ beside the mmcpp binary.
std::string executable_dir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string p(buf, static_cast<std::size_t>(n));
  return p.substr(0, p.find_last_of('/'));
}

bool is_file(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<std::string> candidates(const std::string& name, const std::string& config_dir) {
  std::vector<std::string> names{name};
  bool looks_like_file =
      name.find(".so") != std::string::npos || name.find('/') != std::string::npos;
  if (!looks_like_file) {
    std::string lib = name;
    for (auto& c : lib)
      if (c == '.') c = '_';
    names = {"lib" + lib + ".so", lib + ".so"};
  }
  std::vector<std::string> out;
  for (const auto& n : names) {
    if (!n.empty() && n[0] == '/') {
      out.push_back(n);
      continue;
    }
    if (!config_dir.empty()) out.push_back(config_dir + "/" + n);
    out.push_back(n.find('/') == std::string::npos ? "./" + n : n);
    if (const char* p = std::getenv("MMCPP_PLUGIN_PATH")) {
      std::string paths = p;
      std::size_t b = 0;
      while (b <= paths.size()) {
        std::size_t e = paths.find(':', b);
        if (e == std::string::npos) e = paths.size();
        if (e > b) out.push_back(paths.substr(b, e - b) + "/" + n);
        b = e + 1;
      }
    }
    std::string exe = executable_dir();
    if (!exe.empty()) {
      out.push_back(exe + "/plugins/" + n);
      out.push_back(exe + "/" + n);
    }
    out.push_back(n);  // bare name: dlopen searches LD_LIBRARY_PATH and the system paths
  }
  return out;
}

}  // namespace

std::string load_plugin(const std::string& name, const std::string& config_dir) {
  std::string tried, last_error;
  for (const auto& c : candidates(name, config_dir)) {
    bool bare = c.find('/') == std::string::npos;
    if (!bare && !is_file(c)) {
      tried += "\n    " + c + " (no such file)";
      continue;
    }
    // RTLD_GLOBAL: the plugin's components may be used by later plugins.
    void* handle = dlopen(c.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (handle) return c;
    const char* err = dlerror();
    last_error = err ? err : "unknown dlopen error";
    tried += "\n    " + c + " (" + last_error + ")";
  }
  throw Error("ImportError", "Failed to import custom module '" + name + "'; tried:" + tried +
                                 "\nSet MMCPP_PLUGIN_PATH or give the path of the .so in "
                                 "custom_imports.imports");
}

std::vector<std::string> import_custom_modules(const config::Value& custom_imports,
                                               const std::string& config_dir) {
  std::vector<std::string> loaded;
  if (custom_imports.is_none()) return loaded;
  if (!custom_imports.is_dict())
    throw Error("TypeError",
                "custom_imports must be a dict(imports=[...], allow_failed_imports=False), got " +
                    custom_imports.repr());
  const config::Value* imports = custom_imports.as_dict().find("imports");
  bool allow_failed = false;
  if (const config::Value* a = custom_imports.as_dict().find("allow_failed_imports"))
    allow_failed = a->truthy();
  if (!imports || imports->is_none()) return loaded;
  std::vector<std::string> names;
  if (imports->is_str()) {
    names.push_back(imports->as_str());
  } else if (imports->is_sequence()) {
    for (const auto& v : imports->items()) {
      if (!v.is_str())
        throw Error("TypeError", "custom_imports.imports entries must be str, got " + v.repr());
      names.push_back(v.as_str());
    }
  } else {
    throw Error("TypeError",
                "custom_imports.imports must be a str or a list of str, got " + imports->repr());
  }
  for (const auto& n : names) {
    try {
      loaded.push_back(load_plugin(n, config_dir));
    } catch (const Error&) {
      if (!allow_failed) throw;
      // MMEngine: warnings.warn(..., UserWarning); here through the logger.
      print_log(n + " is failed to import and is ignored.", LogLevel::Warning);
    }
  }
  return loaded;
}

}  // namespace mmcpp::registry
