// The metrics of a multi-dataset test as a table: one row per dataset (the
// prefix before '/'), one column per metric, e.g. MMagic's Set5/PSNR,
// Set5/SSIM, Set14/PSNR, ... Unprefixed metrics form a row named "-".
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mmcpp::tools {

std::string metrics_table(const std::vector<std::pair<std::string, double>>& metrics);

}  // namespace mmcpp::tools
