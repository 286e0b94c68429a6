// custom_imports: loading components from shared-library plugins.
//
// MMEngine imports Python modules named in `custom_imports`; their decorators
// register components. mmcpp loads shared libraries whose static MMCPP_REGISTER
// lines register into the same registries (they link libmmcpp_engine.so).
#pragma once

#include <string>
#include <vector>

#include "mmcpp/config/value.h"

namespace mmcpp::registry {

// `custom_imports = dict(imports=['libmy_hooks.so'], allow_failed_imports=False)`.
// Each entry is a path to a .so (absolute, or relative to `config_dir`, then to
// the working directory), or a bare library name found in the directories of
// MMCPP_PLUGIN_PATH, in plugins/ beside the mmcpp binary (where the project's
// own example plugins are built), or on the loader's path (LD_LIBRARY_PATH). A Python-style module
// name `pkg.mod` is tried as `libpkg_mod.so`. Returns the files loaded.
std::vector<std::string> import_custom_modules(const config::Value& custom_imports,
                                               const std::string& config_dir);

// Load one plugin; throws ImportError naming every place tried.
std::string load_plugin(const std::string& name, const std::string& config_dir);

}  // namespace mmcpp::registry
