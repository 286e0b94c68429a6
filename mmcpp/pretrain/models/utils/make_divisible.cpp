#include "mmcpp/pretrain/models/utils/make_divisible.h"

#include <algorithm>

namespace mmcpp::pretrain {

std::int64_t make_divisible(double value, std::int64_t divisor,
                            std::optional<std::int64_t> min_value, double min_ratio) {
  std::int64_t minimum = min_value.value_or(divisor);
  // int(value + divisor / 2) // divisor * divisor (int() truncates toward zero)
  auto truncated = static_cast<std::int64_t>(value + static_cast<double>(divisor) / 2);
  std::int64_t floored =
      truncated >= 0 ? truncated / divisor : -((-truncated + divisor - 1) / divisor);
  std::int64_t new_value = std::max(minimum, floored * divisor);
  if (static_cast<double>(new_value) < min_ratio * value) new_value += divisor;
  return new_value;
}

}  // namespace mmcpp::pretrain
