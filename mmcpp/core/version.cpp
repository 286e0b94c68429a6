#include "mmcpp/core/version.h"

#ifndef MMCPP_VERSION
#error "MMCPP_VERSION must be defined by the build (CMake's project VERSION)"
#endif

namespace mmcpp {

const char* version() { return MMCPP_VERSION; }

const char* mmengine_version() { return "0.11.0rc0"; }

std::string mmengine_version_string() {
  return std::string(mmengine_version()) + " (mmcpp " + version() + ")";
}

}  // namespace mmcpp
