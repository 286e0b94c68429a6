// mmcpp's version, defined once: CMake's project(VERSION) reaches the code only
// through version.cpp.
#pragma once

#include <string>

namespace mmcpp {

// mmcpp's own version, e.g. "0.1.0".
const char* version();

// The MMEngine version mmcpp follows, e.g. "0.11.0rc0".
const char* mmengine_version();

// What mmcpp writes where MMEngine writes mmengine.__version__ (checkpoint meta,
// the message hub's runtime info): "0.11.0rc0 (mmcpp 0.1.0)".
std::string mmengine_version_string();

}  // namespace mmcpp
