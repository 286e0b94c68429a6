// Colour transforms against the transform oracle (MMCPP_ORACLE_DIR/transforms):
// every case of ColorJitter, GaussianBlur, RandomGrayscale, Lighting and
// RandomErasing, with the recorded random values replayed, within the case's
// tolerance (Lighting: only where the float value lies in [0, 255]), plus the
// results dict's other keys.
#include <gtest/gtest.h>

#include <string>

#include "tests/pretrain/transforms/aug_oracle_check.h"

namespace mmcpp::pretrain {
namespace {

void check_cases(const std::string& type) { check_transform_cases(type); }

TEST(ColorTransformsOracle, ColorJitter) { check_cases("ColorJitter"); }
TEST(ColorTransformsOracle, GaussianBlur) { check_cases("GaussianBlur"); }
TEST(ColorTransformsOracle, RandomGrayscale) { check_cases("RandomGrayscale"); }
TEST(ColorTransformsOracle, Lighting) { check_cases("Lighting"); }
TEST(ColorTransformsOracle, RandomErasing) { check_cases("RandomErasing"); }

}  // namespace
}  // namespace mmcpp::pretrain
