// Integers of any size, as Python's int: config values such as MMagic's
// `randomness.seed=[10917152860782582783, ...]` stay exact through evaluation,
// --cfg-options, JSON/YAML and dumping.
//
// Value keeps an int that fits in 64 bits as std::int64_t (the fast, common
// case) and switches to a BigInt only beyond; arithmetic on ints overflows into
// BigInt instead of failing. Sizes are capped (kMaxBits) so that a config like
// `x = 2 ** 10 ** 9` stops with an OverflowError instead of eating the memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mmcpp::config {

class BigInt {
 public:
  // Larger results raise OverflowError ("integer too large for a config").
  static constexpr std::size_t kMaxBits = 1u << 16;

  BigInt() = default;      // 0
  BigInt(std::int64_t v);  // NOLINT: implicit, like Python's int promotion
  static BigInt from_unsigned(std::uint64_t v);
  // The exact integer value of a finite, integral double (int(1e30)).
  static BigInt from_double(double d);
  // Digits in `base` (2..36), no sign, no prefix, no underscores; false when a
  // character is not a digit of the base or `digits` is empty.
  static bool parse(std::string_view digits, int base, BigInt& out);

  bool negative() const { return neg_; }
  bool is_zero() const { return mag_.empty(); }
  bool fits_int64() const;
  std::int64_t to_int64() const;  // only when fits_int64()
  // Correctly rounded; OverflowError beyond the double range, as Python's float(int).
  double to_double() const;
  // `-` and digits, lower-case letters above 9.
  std::string to_string(int base = 10) const;
  std::size_t bit_length() const;  // of the magnitude

  int compare(const BigInt& o) const;  // -1, 0, 1
  // Exact comparison with a double (nan: 2, unordered).
  int compare(double d) const;

  BigInt operator-() const;
  friend BigInt operator+(const BigInt& a, const BigInt& b);
  friend BigInt operator-(const BigInt& a, const BigInt& b);
  friend BigInt operator*(const BigInt& a, const BigInt& b);
  // Python's floor division and modulo (remainder has the divisor's sign).
  // ZeroDivisionError when b is 0.
  static void floor_divmod(const BigInt& a, const BigInt& b, BigInt& q, BigInt& r);
  static BigInt pow(const BigInt& base, std::uint64_t exponent);
  BigInt shift_left(std::uint64_t n) const;
  BigInt shift_right(std::uint64_t n) const;  // floor, as Python's >>
  // Two's-complement bitwise operations of infinite width, as Python's.
  friend BigInt operator&(const BigInt& a, const BigInt& b);
  friend BigInt operator|(const BigInt& a, const BigInt& b);
  friend BigInt operator^(const BigInt& a, const BigInt& b);
  BigInt operator~() const;

 private:
  void trim();
  void check_size() const;
  static int compare_mag(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b);
  static std::vector<std::uint32_t> add_mag(const std::vector<std::uint32_t>& a,
                                            const std::vector<std::uint32_t>& b);
  // a - b with |a| >= |b|.
  static std::vector<std::uint32_t> sub_mag(const std::vector<std::uint32_t>& a,
                                            const std::vector<std::uint32_t>& b);
  static void divmod_mag(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b,
                         std::vector<std::uint32_t>& q, std::vector<std::uint32_t>& r);
  // Two's complement in `words` words (enough for the sign bit).
  std::vector<std::uint32_t> twos(std::size_t words) const;
  static BigInt from_twos(std::vector<std::uint32_t> w);
  template <class Op>
  static BigInt bitwise(const BigInt& a, const BigInt& b, Op op);

  bool neg_ = false;
  std::vector<std::uint32_t> mag_;  // little-endian 32-bit limbs, no leading zero limb
};

}  // namespace mmcpp::config
