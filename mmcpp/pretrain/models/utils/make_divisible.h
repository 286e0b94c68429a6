// make_divisible (mmpretrain/models/utils/make_divisible.py): round `value`
// to the nearest multiple of `divisor` (at least min_value, default the
// divisor), adding one divisor when that loses more than (1 - min_ratio).
#pragma once

#include <cstdint>
#include <optional>

namespace mmcpp::pretrain {

std::int64_t make_divisible(double value, std::int64_t divisor,
                            std::optional<std::int64_t> min_value = std::nullopt,
                            double min_ratio = 0.9);

}  // namespace mmcpp::pretrain
