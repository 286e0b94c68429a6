#include "mmcpp/pretrain/models/utils/helpers.h"

namespace mmcpp::pretrain {

std::string torch_size(c10::IntArrayRef sizes) {
  std::string s = "torch.Size([";
  for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "])";
}

std::vector<double> linspace(double stop, std::int64_t n) {
  std::vector<double> v;
  if (n <= 0) return v;
  if (n == 1) return {0.};
  const double step = stop / static_cast<double>(n - 1);
  for (std::int64_t i = 0; i < n; ++i) v.push_back(static_cast<double>(i) * step);
  v.back() = stop;
  return v;
}

}  // namespace mmcpp::pretrain
