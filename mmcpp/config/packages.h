// Configs that live in another OpenMMLab package: `_base_ = 'mmpretrain::_base_/models/x.py'`
// (classic) and `from mmagic.configs.x import *` inside `with read_base():` (pure-Python).
//
// MMEngine finds them in the installed Python package (`<pkg>/.mim/configs/` for `pkg::`,
// `<pkg>/<module path>.py` for imports). mmcpp has no Python packages; it looks, in order:
//   1. in the package folder found by walking up from the including config: an ancestor
//      directory named after the package (a source checkout `.../mmagic/configs/...`, an
//      installed package, or a copied tree `.../mmagic/configs/...`);
//   2. in mmcpp's own shipped configs (configs/ holds MMPretrain's tree, configs/mmagic/
//      MMagic's);
//   3. in MMCPP_CONFIG_PATH: `name=dir` entries separated by ':', each `dir` a package folder
//      as in 1.
// The first existing file wins; when none exists, the error names the package and every
// place looked at.
#pragma once

#include <string>
#include <vector>

namespace mmcpp::config {

struct PackageLookup {
  std::string found;               // absolute path of the file; empty when not found
  std::vector<std::string> tried;  // every candidate, in search order
  bool package_seen = false;       // some folder of the package existed
};

// `package::relative` of a classic `_base_` (after MMEngine's checks of the form).
PackageLookup find_package_config(const std::string& package, const std::string& relative,
                                  const std::string& including_file);

// `from package.a.b import ...`: `module_path` is "a/b.py".
PackageLookup find_package_module(const std::string& package, const std::string& module_path,
                                  const std::string& including_file);

// MMEngine's MODULE2PACKAGE: module name -> pip package name; also every name given
// in MMCPP_CONFIG_PATH. False when `package` is neither.
bool is_known_package(const std::string& package);

// The text of the not-found error: which package, which file, where we looked.
std::string package_not_found_message(const std::string& package, const std::string& what,
                                      const PackageLookup& lookup);

// mmcpp's shipped configs/ directory (the source tree's at build time, else beside
// the executable in ../share/mmcpp/configs); empty when neither exists.
std::string shipped_configs_dir();

}  // namespace mmcpp::config
