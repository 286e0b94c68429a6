// How the tools print metric dicts: Python's repr of the dict, one item per line
// when it does not fit in 80 columns (as rich.print lays it out).
#pragma once

#include <string>

#include "mmcpp/evaluation/metric_value.h"

namespace mmcpp::tools {

std::string python_dict_repr(const evaluation::Metrics& metrics);

}  // namespace mmcpp::tools
