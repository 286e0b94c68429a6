// Integers of any size, as Python's: the BigInt arithmetic itself, and config
// values past 64 bits through evaluation, --cfg-options, JSON/YAML and the
// py/json/yaml dumps (MMagic's AnimateDiff configs set
// `randomness.seed=[10917152860782582783, ...]`). Expected values are Python's.
#include "mmcpp/config/bigint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "interpreter_test_util.h"
#include "mmcpp/config/config.h"
#include "mmcpp/config/dump.h"
#include "mmcpp/core/error.h"

namespace mmcpp::config {
namespace {

using test::ev;

BigInt big(const std::string& s) {
  bool neg = !s.empty() && s[0] == '-';
  BigInt out;
  EXPECT_TRUE(BigInt::parse(s.substr(neg ? 1 : 0), 10, out)) << s;
  return neg ? -out : out;
}

std::string str(const BigInt& b) { return b.to_string(); }

TEST(ConfigBigInt, ParseAndPrintInEveryBase) {
  EXPECT_EQ(str(big("0")), "0");
  EXPECT_EQ(str(big("-1")), "-1");
  EXPECT_EQ(str(big("10917152860782582783")), "10917152860782582783");
  EXPECT_EQ(str(big("-340282366920938463463374607431768211456")),
            "-340282366920938463463374607431768211456");
  EXPECT_EQ(str(big("000123")), "123");
  BigInt h;
  ASSERT_TRUE(BigInt::parse("ffffffffffffffffffff", 16, h));
  EXPECT_EQ(str(h), "1208925819614629174706175");
  EXPECT_EQ(h.to_string(16), "ffffffffffffffffffff");
  EXPECT_EQ(big("-5").to_string(2), "-101");
  EXPECT_EQ(big("1000000000000000000000").to_string(36), "5v1j4f4ds79m9s");
  BigInt bad;
  EXPECT_FALSE(BigInt::parse("12a", 10, bad));
  EXPECT_FALSE(BigInt::parse("", 10, bad));
  EXPECT_FALSE(BigInt::parse("2", 2, bad));
}

TEST(ConfigBigInt, Arithmetic) {
  BigInt a = big("10917152860782582783"), b = big("6399018107401806238");
  EXPECT_EQ(str(a + b), "17316170968184389021");
  EXPECT_EQ(str(b - a), "-4518134753380776545");
  EXPECT_EQ(str(a * b), "69859058837421177539305439104960800354");
  EXPECT_EQ(str(BigInt::pow(BigInt(2), 200)),
            "1606938044258990275541962092341162602522202993782792835301376");
  EXPECT_EQ(str(BigInt::pow(BigInt(-3), 41)), "-36472996377170786403");
  // Floor division and modulo with Python's signs, multi-limb divisors included.
  struct Case {
    const char *a, *b, *q, *r;
  } cases[] = {
      {"7", "2", "3", "1"},
      {"-7", "2", "-4", "1"},
      {"7", "-2", "-4", "-1"},
      {"-7", "-2", "3", "-1"},
      {"100000000000000000000000000000", "7", "14285714285714285714285714285", "5"},
      {"-100000000000000000000000000000", "12345678901234567890", "-8100000073",
       "1234559699123455970"},
      {"69859058837421177539305439104960800354", "6399018107401806238", "10917152860782582783",
       "0"},
      {"340282366920938463463374607431768211455", "18446744073709551617", "18446744073709551615",
       "0"},
      {"340282366920938463463374607431768211456", "-18446744073709551616", "-18446744073709551616",
       "0"},
      {"5", "18446744073709551616", "0", "5"},
      {"-5", "18446744073709551616", "-1", "18446744073709551611"},
  };
  for (const auto& c : cases) {
    BigInt q, r;
    BigInt::floor_divmod(big(c.a), big(c.b), q, r);
    EXPECT_EQ(str(q), c.q) << c.a << " // " << c.b;
    EXPECT_EQ(str(r), c.r) << c.a << " % " << c.b;
  }
  BigInt q, r;
  EXPECT_THROW(BigInt::floor_divmod(a, BigInt(), q, r), Error);
}

TEST(ConfigBigInt, DivisionMatchesMultiplication) {
  // (q * b + r == a) and 0 <= r < b over many limb sizes: exercises Knuth's
  // correction steps, which fixed cases rarely reach.
  BigInt a = BigInt(1);
  for (int i = 1; i < 60; ++i) {
    a = a * BigInt(1000003) + BigInt(i * 7919);
    BigInt b = BigInt::pow(BigInt(2), static_cast<std::uint64_t>(i * 5)) - BigInt(i);
    BigInt q, r;
    BigInt::floor_divmod(a, b, q, r);
    EXPECT_EQ((q * b + r).compare(a), 0) << i;
    EXPECT_FALSE(r.negative()) << i;
    EXPECT_LT(r.compare(b), 0) << i;
  }
}

TEST(ConfigBigInt, ShiftsAndBitwiseAreTwosComplement) {
  BigInt x = big("-340282366920938463463374607431768211457");  // -(2**128) - 1
  EXPECT_EQ(str(x.shift_right(64)), "-18446744073709551617");
  EXPECT_EQ(str(BigInt(-1).shift_right(1000)), "-1");
  EXPECT_EQ(str(BigInt(1).shift_left(100)), "1267650600228229401496703205376");
  EXPECT_EQ(str(x & BigInt(0xFFFF)), "65535");
  EXPECT_EQ(str(x | BigInt(1)), "-340282366920938463463374607431768211457");
  EXPECT_EQ(str(x ^ BigInt(-1)), "340282366920938463463374607431768211456");
  EXPECT_EQ(str(~x), "340282366920938463463374607431768211456");
  EXPECT_EQ(str(big("18446744073709551616") & big("-18446744073709551616")),
            "18446744073709551616");
}

TEST(ConfigBigInt, DoubleConversionIsExact) {
  EXPECT_EQ(big("9007199254740993").to_double(), 9007199254740992.0);  // half to even
  EXPECT_EQ(big("9007199254740995").to_double(), 9007199254740996.0);
  EXPECT_EQ(str(BigInt::from_double(1e30)), "1000000000000000019884624838656");
  EXPECT_EQ(str(BigInt::from_double(-0x1p70)), "-1180591620717411303424");
  EXPECT_EQ(big("9007199254740993").compare(9007199254740992.0), 1);
  EXPECT_EQ(BigInt(3).compare(3.5), -1);
  EXPECT_EQ(BigInt(-3).compare(-3.5), 1);
  EXPECT_EQ(BigInt(3).compare(NAN), 2);
  EXPECT_EQ(big("1" + std::string(400, '0')).compare(INFINITY), -1);
  EXPECT_THROW(big("1" + std::string(400, '0')).to_double(), Error);
}

TEST(ConfigBigInt, SizeIsCapped) {
  EXPECT_THROW(BigInt::pow(BigInt(2), 1000000000), Error);
  EXPECT_THROW(BigInt(1).shift_left(BigInt::kMaxBits + 1), Error);
  BigInt out;
  EXPECT_THROW(BigInt::parse(std::string(30000, '9'), 10, out), Error);
}

// ---- in the config interpreter ----

TEST(ConfigBigInt, LiteralsAndArithmeticInConfigs) {
  EXPECT_EQ(ev("10917152860782582783"), "10917152860782582783");
  EXPECT_EQ(ev("-9223372036854775809"), "-9223372036854775809");
  EXPECT_EQ(ev("0xFFFFFFFFFFFFFFFFFF"), "4722366482869645213695");
  EXPECT_EQ(ev("2 ** 64"), "18446744073709551616");
  EXPECT_EQ(ev("9223372036854775807 + 1"), "9223372036854775808");
  EXPECT_EQ(ev("-9223372036854775808 - 1"), "-9223372036854775809");
  EXPECT_EQ(ev("-(-9223372036854775807 - 1)"), "9223372036854775808");
  EXPECT_EQ(ev("(-9223372036854775807 - 1) // -1"), "9223372036854775808");
  EXPECT_EQ(ev("3037000500 * 3037000500"), "9223372037000250000");
  EXPECT_EQ(ev("2 ** 64 - 2 ** 64"), "0");
  EXPECT_EQ(ev("10 ** 30 // 7"), "142857142857142857142857142857");
  EXPECT_EQ(ev("-10 ** 30 % 7"), "6");
  EXPECT_EQ(ev("1 << 70"), "1180591620717411303424");
  EXPECT_EQ(ev("(1 << 70) >> 69"), "2");
  EXPECT_EQ(ev("-(1 << 70) >> 200"), "-1");
  EXPECT_EQ(ev("(2 ** 70 - 1) & 0xFF"), "255");
  EXPECT_EQ(ev("~(2 ** 64)"), "-18446744073709551617");
  EXPECT_EQ(ev("(-1) ** (2 ** 70)"), "1");
  EXPECT_EQ(ev("(-1) ** 3"), "-1");
  EXPECT_EQ(ev("2 ** 64 / 2 ** 62"), "4.0");
  EXPECT_EQ(ev("10 ** 400 / 10 ** 399"), "10.0");
  EXPECT_EQ(ev("(2 ** 64 + 1) / 3"), "6.148914691236517e+18");
  EXPECT_EQ(ev("2 ** 64 + 0.5"), "1.8446744073709552e+19");
  EXPECT_EQ(ev("[2 ** 53 + 1 == 2.0 ** 53, 2 ** 53 + 1 > 2.0 ** 53, 2 ** 64 == 2.0 ** 64]"),
            "[False, True, True]");
  EXPECT_EQ(ev("[2 ** 64 > 1, -2 ** 64 < -(2 ** 63), 2 ** 65 > 2 ** 64, 2 ** 64 == 2 ** 64]"),
            "[True, True, True, True]");
  EXPECT_EQ(ev("sorted([2 ** 65, 1, -2 ** 70, 0.5])"),
            "[-1180591620717411303424, 0.5, 1, 36893488147419103232]");
  EXPECT_EQ(ev("max(2 ** 64, 3)"), "18446744073709551616");
  EXPECT_EQ(ev("abs(-2 ** 64)"), "18446744073709551616");
  EXPECT_EQ(ev("sum([2 ** 63, 2 ** 63])"), "18446744073709551616");
  EXPECT_EQ(ev("{2 ** 64: 'a'}[18446744073709551616]"), "'a'");
  EXPECT_EQ(ev("bool(2 ** 64)"), "True");
}

TEST(ConfigBigInt, ConversionsAndFormatting) {
  EXPECT_EQ(ev("int('10917152860782582783')"), "10917152860782582783");
  EXPECT_EQ(ev("int('-ffffffffffffffffffff', 16)"), "-1208925819614629174706175");
  EXPECT_EQ(ev("int(' 1_0000_0000_0000_0000_0000 ')"), "100000000000000000000");
  EXPECT_EQ(ev("int(1e30)"), "1000000000000000019884624838656");
  EXPECT_EQ(ev("round(2.5e20)"), "250000000000000000000");
  EXPECT_EQ(ev("round(123456789012345678901234567890, -5)"), "123456789012345678901234600000");
  EXPECT_EQ(ev("round(250, -2)"), "200");  // half to even
  EXPECT_EQ(ev("float(2 ** 64)"), "1.8446744073709552e+19");
  EXPECT_EQ(ev("str(2 ** 70)"), "'1180591620717411303424'");
  EXPECT_EQ(ev("f'{2 ** 70}'"), "'1180591620717411303424'");
  EXPECT_EQ(ev("f'{2 ** 70:x}'"), "'400000000000000000'");
  EXPECT_EQ(ev("f'{-2 ** 70:#X}'"), "'-0X400000000000000000'");
  EXPECT_EQ(ev("f'{2 ** 70:,}'"), "'1,180,591,620,717,411,303,424'");
  EXPECT_EQ(ev("'{:>25}'.format(2 ** 70)"), "'   1180591620717411303424'");
  EXPECT_EQ(ev("'%d' % 2 ** 70"), "'1180591620717411303424'");
  EXPECT_EQ(ev("'%d' % 1e30"), "'1000000000000000019884624838656'");
  EXPECT_EQ(ev("'%x' % 2 ** 64"), "'10000000000000000'");
}

TEST(ConfigBigInt, ErrorsWherePythonHasALimitOrWeDo) {
  using test::raised;
  auto r = raised("x = 2 ** 10 ** 9\n");
  EXPECT_EQ(r.kind, "OverflowError") << r.what;
  r = raised("x = 1 << 10 ** 6\n");
  EXPECT_EQ(r.kind, "OverflowError") << r.what;
  r = raised("x = float(10 ** 400)\n");
  EXPECT_EQ(r.kind, "OverflowError") << r.what;
  r = raised("x = 10 ** 400 * 1.0\n");
  EXPECT_EQ(r.kind, "OverflowError") << r.what;
  r = raised("x = 10.0 ** 400\n");  // floats overflow, ints do not
  EXPECT_EQ(r.kind, "OverflowError") << r.what;
  EXPECT_EQ(ev("10 ** 400 // 10 ** 399"), "10");
  r = raised("x = 2 ** 64 // 0\n");
  EXPECT_EQ(r.kind, "ZeroDivisionError") << r.what;
  r = raised("x = 2 ** 64 / 0\n");
  EXPECT_EQ(r.kind, "ZeroDivisionError") << r.what;
  r = raised("x = [1, 2][2 ** 64]\n");
  EXPECT_NE(r.kind, "none");
  // Reading a big int where a component wants a 64-bit one names the value.
  Value v = test::load("x = 2 ** 64\n").as_dict().find("x")->deep_copy();
  EXPECT_TRUE(v.is_big_int());
  try {
    (void)v.as_int();
    FAIL() << "as_int() accepted 2**64";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "OverflowError");
    EXPECT_NE(std::string(e.what()).find("18446744073709551616"), std::string::npos) << e.what();
  }
}

// ---- through files, --cfg-options and dumps ----

const char* const kSeeds =
    "randomness = dict(seed=[10917152860782582783, 6399018107401806238, 15875751942533906793, "
    "-18446744073709551617])\n";
const char* const kSeedsRepr =
    "[10917152860782582783, 6399018107401806238, 15875751942533906793, -18446744073709551617]";

std::string seeds_of(const Config& cfg) {
  return cfg.get("randomness")->as_dict().find("seed")->repr();
}

TEST(ConfigBigInt, DumpsAndReloadsExactly) {
  Config cfg = Config::fromstring(kSeeds, ".py");
  EXPECT_EQ(seeds_of(cfg), kSeedsRepr);
  for (const char* fmt : {"py", "json", "yaml"}) {
    std::string text = cfg.dump(fmt);
    EXPECT_NE(text.find("10917152860782582783"), std::string::npos) << fmt << ":\n" << text;
    EXPECT_NE(text.find("-18446744073709551617"), std::string::npos) << fmt << ":\n" << text;
    Config back = Config::fromstring(text, std::string(".") + fmt);
    EXPECT_EQ(seeds_of(back), kSeedsRepr) << fmt << ":\n" << text;
  }
  EXPECT_EQ(seeds_of(Config::fromstring(
                "{\"randomness\": {\"seed\": [10917152860782582783, 6399018107401806238, "
                "15875751942533906793, -18446744073709551617]}}",
                ".json")),
            kSeedsRepr);
  EXPECT_EQ(seeds_of(Config::fromstring(
                "randomness:\n  seed: [10917152860782582783, 6399018107401806238, "
                "15875751942533906793, -18446744073709551617]\n",
                ".yaml")),
            kSeedsRepr);
}

TEST(ConfigBigInt, CfgOptionsKeepBigInts) {
  EXPECT_EQ(parse_cfg_option_value("10917152860782582783").repr(), "10917152860782582783");
  EXPECT_EQ(parse_cfg_option_value("-1_0000_0000_0000_0000_0000").repr(), "-100000000000000000000");
  Config cfg = Config::fromstring("randomness = dict(seed=None)\n", ".py");
  cfg.merge_from_dict(parse_cfg_options(
      {"randomness.seed=[10917152860782582783,6399018107401806238,15875751942533906793,"
       "-18446744073709551617]"}));
  EXPECT_EQ(seeds_of(cfg), kSeedsRepr);
}

}  // namespace
}  // namespace mmcpp::config
