// Small helpers the backbones share (mmpretrain/models/utils/helpers.py and
// the NumPy/PyTorch one-liners MMPretrain's backbones use inline).
#pragma once

#include <c10/util/ArrayRef.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mmcpp::pretrain {

// repr(torch.Size) as MMPretrain's log messages print it: "torch.Size([1, 197, 768])".
std::string torch_size(c10::IntArrayRef sizes);

// np.linspace(0, stop, n) (the stochastic depth decay rule); the last value is
// exactly `stop`.
std::vector<double> linspace(double stop, std::int64_t n);

}  // namespace mmcpp::pretrain
