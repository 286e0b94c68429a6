// resize_relative_position_bias_table: MMPretrain's resampling of a window's
// relative position bias table (scipy interp2d, cubic). The expected values
// were computed with MMPretrain 1.2's embed.py and scipy 1.10 on the table
// t[k, h] = 0.5 sin(0.7 k + h) + 0.01 k.
#include "mmcpp/pretrain/models/utils/embed.h"

#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>
#include <utility>
#include <vector>

#include "mmcpp/core/error.h"

namespace mmcpp::pretrain {
namespace {

torch::Tensor table(std::int64_t src, std::int64_t heads) {
  torch::Tensor t = torch::zeros({src * src, heads});
  for (std::int64_t k = 0; k < src * src; ++k)
    for (std::int64_t h = 0; h < heads; ++h)
      t[k][h] = 0.5 * std::sin(0.7 * static_cast<double>(k) + static_cast<double>(h)) +
                0.01 * static_cast<double>(k);
  return t;
}

void expect_values(const torch::Tensor& out, std::int64_t head,
                   const std::vector<std::pair<std::int64_t, double>>& expected, double sum) {
  for (const auto& [i, v] : expected)
    EXPECT_NEAR(out[i][head].item<double>(), v, 2e-6) << "entry " << i << " head " << head;
  EXPECT_NEAR(out.select(1, head).to(torch::kFloat64).sum().item<double>(), sum, 2e-4);
}

TEST(ResizeRelativePositionBiasTable, EqualsMMPretrainsScipyBicubic) {
  // window 3 -> 4 (5x5 -> 7x7 offsets), two heads
  torch::Tensor out = resize_relative_position_bias_table(5, 7, table(5, 2), 2);
  ASSERT_EQ(out.sizes(), (std::vector<std::int64_t>{49, 2}));
  EXPECT_EQ(out.dtype(), torch::kFloat32);
  expect_values(out, 0,
                {{0, 0.0},
                 {1, 0.0808114},
                 {6, 0.2074941},
                 {7, -0.5425944},
                 {24, 0.5472994},
                 {47, -0.1896736},
                 {48, -0.2037835},
                 {23, 0.6040841}},
                1.743639);
  expect_values(out, 1,
                {{0, 0.4207355},
                 {1, 0.4842011},
                 {6, -0.265929},
                 {7, -0.8230901},
                 {24, 0.1323877},
                 {47, -0.2543148},
                 {48, -0.1936011},
                 {23, 0.4414846}},
                5.760084);
  // Swin's window 7 -> 12 (13x13 -> 23x23 offsets)
  out = resize_relative_position_bias_table(13, 23, table(13, 1), 1);
  ASSERT_EQ(out.sizes(), (std::vector<std::int64_t>{529, 1}));
  expect_values(out, 0,
                {{0, 2.28e-05},
                 {1, 0.1078023},
                 {22, 0.5472629},
                 {23, 0.665114},
                 {264, 1.2286178},
                 {527, 1.2173095},
                 {528, 1.1909914},
                 {71, 0.0639323}},
                452.039666);
}

TEST(ResizeRelativePositionBiasTable, BadShapesAreValueErrors) {
  EXPECT_THROW(resize_relative_position_bias_table(3, 5, table(3, 1), 1), Error);
  EXPECT_THROW(resize_relative_position_bias_table(5, 7, table(4, 1), 1), Error);
}

}  // namespace
}  // namespace mmcpp::pretrain
