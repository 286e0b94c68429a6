// Shared by color_oracle_test.cpp and auto_augment_oracle_test.cpp: runs every
// transform oracle case of one transform type and compares it with the
// recorded output (case tolerance) and results dict, printing how close it is.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>
#include <string>

#include "mmcpp/cv/image/mat_tensor.h"
#include "tests/support/transform_oracle.h"

namespace mmcpp::pretrain {

inline void check_transform_cases(const std::string& type) {
  const auto names = testing::transform_case_names({type});
  if (names.empty()) {
    GTEST_SKIP() << "no transform oracle case of " << type
                 << " (none recorded, or MMCPP_ORACLE_DIR/transforms absent)";
  }
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const testing::TransformCase c = testing::load_transform_case(name);
    const data::Results r = testing::run_transform_case(c);
    testing::expect_matches_oracle(c, r);
    testing::expect_results_after(c, r);
    const torch::Tensor got = r.img().contiguous();
    const torch::Tensor exp = mmcv::as_tensor(c.expected).contiguous();
    if (got.sizes() == exp.sizes()) {
      const torch::Tensor diff = (got.to(torch::kInt32) - exp.to(torch::kInt32)).abs();
      std::cout << "[ oracle   ] " << name << ": max |diff| " << diff.max().item<int>() << ", "
                << diff.gt(0).sum().item<std::int64_t>() << " of " << diff.numel()
                << " values differ\n";
    }
  }
}

}  // namespace mmcpp::pretrain
