// RandAugment and its operations against the transform oracle
// (MMCPP_ORACLE_DIR/transforms): the full RandAugment case and every single
// operation case (ra_*), with the recorded random values replayed, within the
// case's tolerance, plus the results dict's other keys.
#include <gtest/gtest.h>

#include <string>

#include "tests/pretrain/transforms/aug_oracle_check.h"

namespace mmcpp::pretrain {
namespace {

void check_cases(const std::string& type) { check_transform_cases(type); }

TEST(AutoAugmentOracle, RandAugment) { check_cases("RandAugment"); }
TEST(AutoAugmentOracle, AutoAugment) { check_cases("AutoAugment"); }
TEST(AutoAugmentOracle, Shear) { check_cases("Shear"); }
TEST(AutoAugmentOracle, Translate) { check_cases("Translate"); }
TEST(AutoAugmentOracle, Rotate) { check_cases("Rotate"); }
TEST(AutoAugmentOracle, AutoContrast) { check_cases("AutoContrast"); }
TEST(AutoAugmentOracle, Invert) { check_cases("Invert"); }
TEST(AutoAugmentOracle, Equalize) { check_cases("Equalize"); }
TEST(AutoAugmentOracle, Solarize) { check_cases("Solarize"); }
TEST(AutoAugmentOracle, SolarizeAdd) { check_cases("SolarizeAdd"); }
TEST(AutoAugmentOracle, Posterize) { check_cases("Posterize"); }
TEST(AutoAugmentOracle, Contrast) { check_cases("Contrast"); }
TEST(AutoAugmentOracle, ColorTransform) { check_cases("ColorTransform"); }
TEST(AutoAugmentOracle, Brightness) { check_cases("Brightness"); }
TEST(AutoAugmentOracle, Sharpness) { check_cases("Sharpness"); }
TEST(AutoAugmentOracle, Cutout) { check_cases("Cutout"); }

}  // namespace
}  // namespace mmcpp::pretrain
