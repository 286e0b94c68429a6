// A loaded config written as Python (pretty_text) and loaded again gives the
// same dict: the same kinds (int/float, tuple/list), the same values.
#include <gtest/gtest.h>

#include <string>

#include "mmcpp/config/config.h"
#include "mmcpp/config/loader.h"
#include "tests/config/dump_roundtrip_util.h"

namespace mmcpp::config {
namespace {

std::string fixture(const std::string& rel) {
  return absolute_path(std::string(MMCPP_TEST_DATA_DIR) + "/config/" + rel);
}

class ConfigDumpRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(ConfigDumpRoundTrip, PrettyTextReloadsToTheSameDict) {
  Config cfg = Config::fromfile(fixture(GetParam()));
  EXPECT_EQ(test::roundtrip_diff(cfg), "");
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ConfigDumpRoundTrip,
                         ::testing::Values("dump/values.py", "inherit/child_list.py",
                                           "inherit/nested/level2.py", "inherit/delete_missing.py",
                                           "base_vars/child.py", "base_vars/inplace.py",
                                           "misc/helpers.py", "predefined/vars.py", "lazy/star.py",
                                           "lazy/imports.py", "json_yaml/child.yml",
                                           "json_yaml/child.json"));

TEST(ConfigDumpRoundTripValues, TrickyValuesSurvive) {
  Config cfg = Config::fromfile(fixture("dump/values.py"));
  Value again = Config::fromstring(cfg.pretty_text(), ".py").to_dict();
  const Dict& d = again.as_dict();
  EXPECT_EQ(d.find("floats")->repr(),
            "[0.0, -0.0, 1.0, 0.1, 1e-05, 1e+16, 123.675, 2.5e-300, inf, -inf, nan]");
  EXPECT_EQ(d.find("ints")->repr(),
            "[0, -1, 9223372036854775807, -9223372036854775808, True, False]");
  EXPECT_EQ(d.find("tuples")->repr(), "[(), (1,), ('a',), (1, (2, (3,)))]");
  EXPECT_EQ(d.find("strings")->items()[3].as_str(), "both ' and \"");
  EXPECT_EQ(d.find("strings")->items()[7].as_str(), "{{ braces }}");
  EXPECT_EQ(d.find("odd_keys")->as_dict().find(Value::tuple({1, 2}))->as_str(), "tuple key");
}

TEST(ConfigDumpRoundTripValues, MergedOptionsSurvive) {
  Config cfg = Config::fromfile(fixture("inherit/child_list.py"));
  cfg.merge_from_dict(parse_cfg_options(
      {"model.backbone.out_indices=(1,2)", "pipeline.0.extra=[1,(2,),None]", "new.key=1e-3"}));
  EXPECT_EQ(test::roundtrip_diff(cfg), "");
}

}  // namespace
}  // namespace mmcpp::config
